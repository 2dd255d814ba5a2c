// Core Lightning key derivation from secret_data (spec: CLN RPC digest §7.2-
// §7.4), as pure functions over caller-owned memory, no allocation. This is
// the internal API the serial protocol's provision / sign handlers call:
//
//   deriveNodeKey(sd, sdLen, outPriv32)                 node private key
//   deriveDerivedSecret(sd, sdLen, out32)               hsmd's derived_secret
//   makesecretFromDerived(derived32, info, n, out32)    makesecret(info)
//   makesecret(sd, sdLen, info, n, out32)               the same from secret_data
//   deriveNodeKeys(sd, sdLen, priv32, aliasBase32, id33) what a device stores
//   payerTweakFromBase(aliasBase32, meta, n, out32)     SHA256(base || metadata)
//   payerKeyFromBase(priv32, aliasBase32, meta, n, out32) node_priv + tweak mod n
//   bolt12SigningKeyFromBase(priv32, aliasBase32, tweak, n, out32)
//                                                       CLN's key choice (empty tweak = node key)
//
// sd = secret_data: 32 bytes (legacy hsm_secret) or 64 (BIP39 seed). Every
// function returns KEYS_OK or a KEYS_ERR_* code and writes its output only on
// success; outputs may alias nothing of the inputs. Secret scratch is wiped
// before returning; the secp256k1 calls wipe their own temporaries.
import { hkdfSha256 } from "../crypto/hkdf";
import { SHA256_CTX_SIZE, sha256Init, sha256Update, sha256Final } from "../crypto/sha256";
import { pubkeyCreate, seckeyLoad, seckeyTweakAdd } from "../crypto/keys";
import { SECP_OK, SECP_ERR_SECKEY } from "../../shared/crypto-status";
import {
  KEYS_OK, KEYS_ERR_SECRET_DATA, KEYS_ERR_NODE_KEY, KEYS_ERR_TWEAK, KEYS_NODE_KEY_TRIES,
} from "../../shared/keys-status";

const INFO_NODEID: usize = memory.data<u8>([0x6e, 0x6f, 0x64, 0x65, 0x69, 0x64]); // "nodeid"
// "derived secrets"
const INFO_DERIVED: usize = memory.data<u8>([
  0x64, 0x65, 0x72, 0x69, 0x76, 0x65, 0x64, 0x20, 0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x73,
]);
// "node-alias-base": the makesecret info of the BOLT 12 payer-key tweak base.
export const INFO_NODE_ALIAS_BASE: usize = memory.data<u8>([
  0x6e, 0x6f, 0x64, 0x65, 0x2d, 0x61, 0x6c, 0x69, 0x61, 0x73, 0x2d, 0x62, 0x61, 0x73, 0x65,
]);
export const INFO_NODE_ALIAS_BASE_LEN: usize = 15;

const SALT: usize = memory.data(4, 4);
const CAND: usize = memory.data(32, 8);
const SCALAR: usize = memory.data(32, 8);
const DERIVED: usize = memory.data(32, 8);
const BASE: usize = memory.data(32, 8);
const TWEAK: usize = memory.data(32, 8);
const PRIV: usize = memory.data(32, 8);
const HCTX: usize = memory.data(<i32>SHA256_CTX_SIZE, 8);

function wipe(p: usize, len: usize): void {
  for (let i: usize = 0; i < len; i += 4) store<u32>(p + i, 0);
}

@inline function copy32(dst: usize, src: usize): void {
  for (let i: usize = 0; i < 32; i += 4) store<u32>(dst + i, load<u32>(src + i));
}

// CLN keeps secret_data as 32 bytes (legacy file) or the 64-byte BIP39 seed.
export function secretDataLenOk(sdLen: usize): bool {
  return sdLen == 32 || sdLen == 64;
}

// §7.2: node_priv = HKDF-SHA256(ikm = first 32 bytes of secret_data,
// salt = 4-byte little-endian counter from 0, info = "nodeid"); while the
// result is not a valid secp256k1 secret key (0 or >= n), counter + 1.
// The retry branch reveals only that a candidate was invalid (~2^-128).
export function deriveNodeKey(sd: usize, sdLen: usize, outPriv32: usize): i32 {
  if (!secretDataLenOk(sdLen)) return KEYS_ERR_SECRET_DATA;
  for (let counter: u32 = 0; counter < <u32>KEYS_NODE_KEY_TRIES; counter++) {
    store<u32>(SALT, counter); // wasm memory is little-endian, as CLN's x86 salt
    hkdfSha256(SALT, 4, sd, 32, INFO_NODEID, 6, CAND, 32);
    const ok = seckeyLoad(SCALAR, CAND);
    wipe(SCALAR, 32);
    if (ok) {
      copy32(outPriv32, CAND);
      wipe(CAND, 32);
      return KEYS_OK;
    }
  }
  wipe(CAND, 32);
  return KEYS_ERR_NODE_KEY;
}

// §7.3: derived_secret = HKDF-SHA256(ikm = all of secret_data, no salt,
// info = "derived secrets").
export function deriveDerivedSecret(sd: usize, sdLen: usize, out32: usize): i32 {
  if (!secretDataLenOk(sdLen)) return KEYS_ERR_SECRET_DATA;
  hkdfSha256(0, 0, sd, sdLen, INFO_DERIVED, 15, out32, 32);
  return KEYS_OK;
}

// §7.3: makesecret(info) = HKDF-SHA256(ikm = derived_secret, no salt, info).
// out32 must not overlap info.
export function makesecretFromDerived(derived32: usize, info: usize, infoLen: usize, out32: usize): i32 {
  hkdfSha256(0, 0, derived32, 32, info, infoLen, out32, 32);
  return KEYS_OK;
}

// makesecret(info) straight from secret_data.
export function makesecret(sd: usize, sdLen: usize, info: usize, infoLen: usize, out32: usize): i32 {
  const r = deriveDerivedSecret(sd, sdLen, DERIVED);
  if (r != KEYS_OK) return r;
  makesecretFromDerived(DERIVED, info, infoLen, out32);
  wipe(DERIVED, 32);
  return KEYS_OK;
}

// Everything a provisioned device needs to keep (it need not keep
// secret_data): node private key, the payer-key base
// makesecret("node-alias-base"), and the node id (compressed public key).
// Any output pointer may be 0 to skip it.
export function deriveNodeKeys(sd: usize, sdLen: usize, outPriv32: usize, outAliasBase32: usize, outNodeId33: usize): i32 {
  let r = deriveNodeKey(sd, sdLen, PRIV);
  if (r != KEYS_OK) return r;
  makesecret(sd, sdLen, INFO_NODE_ALIAS_BASE, INFO_NODE_ALIAS_BASE_LEN, BASE);
  if (outNodeId33 != 0 && pubkeyCreate(outNodeId33, PRIV) != SECP_OK) r = KEYS_ERR_NODE_KEY;
  if (r == KEYS_OK) {
    if (outPriv32 != 0) copy32(outPriv32, PRIV);
    if (outAliasBase32 != 0) copy32(outAliasBase32, BASE);
  }
  wipe(PRIV, 32);
  wipe(BASE, 32);
  return r;
}

// §7.4: tweak = SHA256(makesecret("node-alias-base") || invreq_metadata).
export function payerTweakFromBase(aliasBase32: usize, meta: usize, metaLen: usize, out32: usize): i32 {
  sha256Init(HCTX);
  sha256Update(HCTX, aliasBase32, 32);
  sha256Update(HCTX, meta, metaLen);
  sha256Final(HCTX, out32);
  wipe(HCTX, SHA256_CTX_SIZE);
  return KEYS_OK;
}

// §7.4: payer_priv = node_priv + tweak (mod n), with the secp core's tweak-add.
export function payerKeyFromBase(priv32: usize, aliasBase32: usize, meta: usize, metaLen: usize, out32: usize): i32 {
  payerTweakFromBase(aliasBase32, meta, metaLen, TWEAK);
  const s = seckeyTweakAdd(out32, priv32, TWEAK);
  wipe(TWEAK, 32);
  if (s == SECP_OK) return KEYS_OK;
  return s == SECP_ERR_SECKEY ? KEYS_ERR_NODE_KEY : KEYS_ERR_TWEAK;
}

// §3.7 / §7.4: the key CLN's hsmd_sign_bolt12_2 signs with: the node key for
// an empty tweak (invoices, `invoicerequest`), else the payer key of the
// tweak (= invreq_metadata, `fetchinvoice`).
export function bolt12SigningKeyFromBase(priv32: usize, aliasBase32: usize, tweak: usize, tweakLen: usize, out32: usize): i32 {
  if (tweakLen == 0) {
    if (!seckeyLoad(SCALAR, priv32)) { wipe(SCALAR, 32); return KEYS_ERR_NODE_KEY; }
    wipe(SCALAR, 32);
    copy32(out32, priv32);
    return KEYS_OK;
  }
  return payerKeyFromBase(priv32, aliasBase32, tweak, tweakLen, out32);
}
