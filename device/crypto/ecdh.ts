// Lightning ECDH (BOLT 4, as libsecp256k1's default): shared secret =
// SHA256(33-byte compressed (k * P)). Constant time in the secret key k.
import { SECP_ERR_INFINITY, SECP_ERR_PUBKEY, SECP_ERR_SECKEY, SECP_OK } from "../../shared/crypto-status";
import { GE_SIZE, gePubkeyParseVar, gePubkeySerialize } from "./group";
import { pointMul, seckeyLoad, wipeScratch } from "./keys";
import { sha256 } from "./sha256";
import { wipe } from "./scalar";

const EK: usize = memory.data(32, 8);
const EP: usize = memory.data(<i32>GE_SIZE, 8);
const ES: usize = memory.data(36, 8);

function ecdhInner(out32: usize, seckey: usize, pub33: usize): i32 {
  if (!seckeyLoad(EK, seckey)) { wipe(EK, 32); return SECP_ERR_SECKEY; }
  if (!gePubkeyParseVar(EP, pub33)) { wipe(EK, 32); return SECP_ERR_PUBKEY; }
  const ok = pointMul(EP, EP, EK);
  wipe(EK, 32);
  if (!ok) return SECP_ERR_INFINITY;
  gePubkeySerialize(ES, EP);
  sha256(ES, 33, out32);
  wipe(ES, 36);
  wipe(EP, GE_SIZE);
  return SECP_OK;
}

// ecdhInner, then zero the static temporaries (wipeScratch).
export function ecdh(out32: usize, seckey: usize, pub33: usize): i32 {
  const r = ecdhInner(out32, seckey, pub33);
  wipeScratch();
  return r;
}
