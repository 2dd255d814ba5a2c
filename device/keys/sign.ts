// BOLT 12 signing with a Core Lightning-derived key (spec: CLN RPC digest
// §3.7): BIP-340 over the 32-byte sighash H("lightning" ‖ messagename ‖
// fieldname, merkle root), deterministic with aux_rand = 32 zero bytes, as
// hsmd calls libsecp256k1 with NULL aux. Internal API for the sign handler:
//
//   bolt12Sign(priv32, aliasBase32, tweak, tweakLen, sighash32, out64)
//
// (priv32, aliasBase32) come from deriveNodeKeys; tweak = invreq_metadata for
// `fetchinvoice` requests, empty for invoices and `invoicerequest`.
import { bip340Sign } from "../crypto/bip340";
import { bolt12SigningKeyFromBase } from "./derive";
import { SECP_OK } from "../../shared/crypto-status";
import { KEYS_OK, KEYS_ERR_SIGN } from "../../shared/keys-status";

const ZERO_AUX: usize = memory.data(32);
const SIGNING_KEY: usize = memory.data(32, 8);

// Signs sighash32 with the key CLN would use for `tweak`; writes the 64-byte
// signature (already verified by bip340Sign) to out64 on success.
export function bolt12Sign(priv32: usize, aliasBase32: usize, tweak: usize, tweakLen: usize, sighash32: usize, out64: usize): i32 {
  const r = bolt12SigningKeyFromBase(priv32, aliasBase32, tweak, tweakLen, SIGNING_KEY);
  if (r != KEYS_OK) return r;
  const s = bip340Sign(out64, sighash32, 32, SIGNING_KEY, ZERO_AUX);
  for (let i: usize = 0; i < 32; i += 4) store<u32>(SIGNING_KEY + i, 0);
  return s == SECP_OK ? KEYS_OK : KEYS_ERR_SIGN;
}
