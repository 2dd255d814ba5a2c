// BOLT 4 route blinding, creator side (docs/firmware/blinding.md; digest §4.7,
// CLN digest §6.3). For nodes N_0..N_r and a path secret e_0:
//   E_i = e_i·G, ss_i = SHA256(compressed(e_i·N_i)),
//   B_i = HMAC("blinded_node_id", ss_i)·N_i            (blinded node id)
//   rho_i = HMAC("rho", ss_i), encrypted_data_i = ChaCha20-Poly1305(rho_i,
//           12 zero nonce bytes, no AAD, encrypted_data_tlv_i) ‖ tag
//   e_{i+1} = SHA256(E_i ‖ ss_i)·e_i.
// first_path_key = E_0. The running secret e_i is a scalar (one fixed-base
// and two constant-time variable-base multiplications per hop).
//
// Also the encrypted_data_tlv checks (blindCheckTlv) and the padding that
// equalises the hops' lengths. No allocation; secrets (e_i, ss_i, rho_i, the
// tweak) are wiped by blindEnd.
import { BLIND_TLV_BAD_FIELD, BLIND_TLV_BOTH_NEXT, BLIND_TLV_FRAMING, BLIND_TLV_NO_NEXT, BLIND_TLV_PATH_ID,
  BLIND_TLV_UNKNOWN_EVEN, BLIND_TLV_PADDING } from "../../shared/protocol";
import { BOLT12_OK } from "../../shared/bolt12-limits";
import { aeadSeal } from "../crypto/chacha20poly1305";
import { GE_SIZE, gePubkeyParseVar, gePubkeySerialize } from "../crypto/group";
import { HMAC_CTX_SIZE, hmacSha256, hmacSha256Final, hmacSha256Init, hmacSha256Update, hmacSha256Wipe } from "../crypto/hmac";
import { pointMul, pubkeyPoint, seckeyLoad, wipeScratch } from "../crypto/keys";
import { scIsZero, scMul, scSetB32, wipe } from "../crypto/scalar";
import { sha256 } from "../crypto/sha256";
import { TLV_CURSOR_SIZE, TLV_END, tlvBegin, tlvNext, tlvType, tlvValue, tlvValueLen } from "../bolt12/tlv";

/** Result of blindHop: ok, the node id is not a point, or a blinding factor
 *  was out of range (probability ~2^-128). */
export const BLIND_OK: i32 = 0;
export const BLIND_ERR_PUBKEY: i32 = 3;
export const BLIND_ERR_BLIND: i32 = 7;

const NAME_RHO: usize = memory.data<u8>([0x72, 0x68, 0x6f]); // "rho"
const NAME_BNI: usize = memory.data<u8>([
  0x62, 0x6c, 0x69, 0x6e, 0x64, 0x65, 0x64, 0x5f, 0x6e, 0x6f, 0x64, 0x65, 0x5f, 0x69, 0x64,
]); // "blinded_node_id" (15 bytes)
const NONCE0: usize = memory.data(12, 4);

const EK: usize = memory.data(32, 8); // running path secret e_i (scalar)
const TW: usize = memory.data(32, 8); // tweak / SHA256(E_i ‖ ss_i) (scalar)
const EPK: usize = memory.data(<i32>GE_SIZE, 8); // E_i
const NP: usize = memory.data(<i32>GE_SIZE, 8); // N_i
const TP: usize = memory.data(<i32>GE_SIZE, 8); // e_i·N_i, then B_i
const SER: usize = memory.data(72, 8); // E_i[33] ‖ ss_i[32]; ECDH point at +40
const SS: usize = memory.data(32, 8);
const KEY: usize = memory.data(32, 8);
const CUR: usize = memory.data(<i32>TLV_CURSOR_SIZE, 8);

/** Loads e_0 (32 bytes; must be 0 < e_0 < n) and writes first_path_key =
 *  E_0 (33 bytes) at `firstPathKey`. False when the key is out of range. */
export function blindBegin(session: usize, firstPathKey: usize): bool {
  if (!seckeyLoad(EK, session)) { blindEnd(); return false; }
  pubkeyPoint(EPK, EK);
  gePubkeySerialize(firstPathKey, EPK);
  return true;
}

/**
 * The per-hop derivation shared by the creator (blindHop) and the merchant's
 * path proof (device/merchant/path-proof.ts): for node id N_i (33 bytes at
 * `node`) and the running e_i, computes ss_i = SHA256(compressed(e_i·N_i)),
 * writes B_i = HMAC("blinded_node_id", ss_i)·N_i to `blindedId` (33 bytes) and
 * leaves rho_i = HMAC("rho", ss_i) at blindRho(). Returns BLIND_OK or
 * BLIND_ERR_*. Follow with blindNext() to step to e_{i+1}.
 */
export function blindHopKeys(node: usize, blindedId: usize): i32 {
  if (!gePubkeyParseVar(NP, node)) return BLIND_ERR_PUBKEY;
  // E_i (for H(E_i ‖ ss_i); the first one was written by blindBegin).
  pubkeyPoint(EPK, EK);
  gePubkeySerialize(SER, EPK);
  // ss_i = SHA256(compressed(e_i·N_i)).
  if (!pointMul(TP, NP, EK)) return BLIND_ERR_BLIND;
  gePubkeySerialize(SER + 40, TP);
  sha256(SER + 40, 33, SS);
  // B_i = HMAC("blinded_node_id", ss_i)·N_i.
  hmacSha256(NAME_BNI, 15, SS, 32, KEY);
  if (!seckeyLoad(TW, KEY)) return BLIND_ERR_BLIND;
  if (!pointMul(TP, NP, TW)) return BLIND_ERR_BLIND;
  gePubkeySerialize(blindedId, TP);
  // rho_i = HMAC("rho", ss_i): the key of encrypted_recipient_data.
  hmacSha256(NAME_RHO, 3, SS, 32, KEY);
  return BLIND_OK;
}

/** rho_i of the last blindHopKeys (32 bytes; wiped by blindEnd). */
export function blindRho(): usize {
  return KEY;
}

/** The 12 zero nonce bytes route blinding encrypts with. */
export function blindNonce(): usize {
  return NONCE0;
}

/** e_{i+1} = SHA256(E_i ‖ ss_i)·e_i, after blindHopKeys. BLIND_OK or BLIND_ERR_BLIND. */
export function blindNext(): i32 {
  for (let j: usize = 0; j < 32; j++) store<u8>(SER + 33 + j, load<u8>(SS + j));
  sha256(SER, 65, SER);
  const over = scSetB32(TW, SER);
  scMul(EK, EK, TW);
  if (over != 0 || scIsZero(EK) != 0) return BLIND_ERR_BLIND;
  return BLIND_OK;
}

/**
 * Blinds the next hop: node id N_i (33 bytes at `node`), its plaintext
 * encrypted_data_tlv at `data` (len bytes), encrypted in place with the
 * 16-byte tag appended at data + len; the blinded node id goes to
 * `blindedId` (33 bytes). Returns BLIND_OK or BLIND_ERR_*.
 */
export function blindHop(node: usize, data: usize, len: usize, blindedId: usize): i32 {
  const r = blindHopKeys(node, blindedId);
  if (r != BLIND_OK) return r;
  // encrypted_recipient_data = ChaCha20-Poly1305(rho_i, zero nonce, no AAD).
  aeadSeal(KEY, NONCE0, 0, 0, data, len, data);
  return blindNext();
}

/** Wipes every secret of the blinder (call after the last hop or on error). */
export function blindEnd(): void {
  wipe(EK, 32); wipe(TW, 32); wipe(EPK, GE_SIZE); wipe(NP, GE_SIZE); wipe(TP, GE_SIZE);
  wipe(SER, 72); wipe(SS, 32); wipe(KEY, 32);
  wipeScratch();
}

// ---- encrypted_data_tlv checks ---------------------------------------------------

let tuOk = false;
/** BOLT 1 tu32/tu64: at most `max` bytes, no leading zero byte. */
function tuValid(p: usize, len: usize, max: usize): bool {
  tuOk = len <= max && (len == 0 || load<u8>(p) != 0);
  return tuOk;
}

function pointValid(p: usize, len: usize): bool {
  return len == 33 && gePubkeyParseVar(TP, p);
}

/** The offset (from the plaintext's start) of the record blindCheckTlv refused. */
export let blindTlvErrOffset: u32 = 0;
/** Set by blindCheckTlv: the plaintext holds a padding record (type 1). */
export let blindTlvHasPadding = false;

/**
 * Checks one encrypted_data_tlv plaintext the host asks the device to
 * encrypt. Returns 0 or a BLIND_TLV_* reason. `final` = the last hop of the
 * path (BOLT 4: only it may carry path_id; every other hop names its
 * successor).
 */
export function blindCheckTlv(p: usize, len: usize, final: bool): i32 {
  tlvBegin(CUR, p, len);
  blindTlvHasPadding = false;
  blindTlvErrOffset = 0;
  let scid = false, next = false;
  while (true) {
    const r = tlvNext(CUR);
    if (r == TLV_END) break;
    // BOLT 1 framing: minimal BigSizes, strictly increasing types, no truncation.
    if (r != BOLT12_OK) {
      blindTlvErrOffset = load<u32>(CUR) - <u32>p; // the cursor stays on the record it could not read
      return BLIND_TLV_FRAMING;
    }
    const t = tlvType(CUR);
    const vp = tlvValue(CUR), vl = tlvValueLen(CUR);
    blindTlvErrOffset = <u32>(vp - p);
    if (t == 1) {
      blindTlvHasPadding = true;
    } else if (t == 2) {
      // short_channel_id: 8 bytes.
      if (vl != 8) return BLIND_TLV_BAD_FIELD;
      scid = true;
    } else if (t == 4 || t == 8) {
      // next_node_id / next_path_key_override: a valid compressed point.
      if (!pointValid(vp, vl)) return BLIND_TLV_BAD_FIELD;
      if (t == 4) next = true;
    } else if (t == 6) {
      // BOLT 4: a path_id at a non-final hop makes readers drop the message.
      if (!final) return BLIND_TLV_PATH_ID;
    } else if (t == 10) {
      // payment_relay: u16 cltv_expiry_delta ‖ u32 fee_proportional_millionths ‖ tu32 fee_base_msat.
      if (vl < 6 || !tuValid(vp + 6, vl - 6, 4)) return BLIND_TLV_BAD_FIELD;
    } else if (t == 12) {
      // payment_constraints: u32 max_cltv_expiry ‖ tu64 htlc_minimum_msat.
      if (vl < 4 || !tuValid(vp + 4, vl - 4, 8)) return BLIND_TLV_BAD_FIELD;
    } else if (t == 14) {
      // allowed_features: any feature bytes.
    } else if ((t & 1) == 0) {
      // BOLT 1: an unknown even type must make the reader fail ("it's OK to
      // be odd"): the device never encrypts one. Unknown odd types pass.
      return BLIND_TLV_UNKNOWN_EVEN;
    }
  }
  blindTlvErrOffset = 0;
  // BOLT 4 (reader): fail if both short_channel_id and next_node_id are set.
  if (scid && next) return BLIND_TLV_BOTH_NEXT;
  // BOLT 4: a non-final hop needs short_channel_id or next_node_id.
  if (!final && !scid && !next) return BLIND_TLV_NO_NEXT;
  return 0;
}

// ---- padding ----------------------------------------------------------------------

/** True when a padding record of exactly `d` bytes exists (d = 255, 256 fall
 *  between the 1-byte and 3-byte length forms). */
function padFits(d: usize): bool {
  return d >= 2 && d != 255 && d != 256;
}

/** Padding value length giving a record of exactly d bytes (padFits(d)). */
export function padValueLen(d: usize): usize {
  return d - 2 < 0xfd ? d - 2 : d - 4;
}

/**
 * The common plaintext length when every hop gets a padding record (BOLT 4:
 * the creator should pad all hops to equal length): the longest plaintext +
 * 2 (an empty padding record), raised until every hop's difference has a
 * record of exactly that size. `lens` is n u32 lengths.
 */
export function padTarget(lens: usize, n: i32): usize {
  let t: usize = 0;
  for (let i = 0; i < n; i++) {
    const l = <usize>load<u32>(lens + (<usize>i << 2));
    if (l > t) t = l;
  }
  t += 2;
  for (let k = 0; k < 64; k++) {
    let ok = true;
    for (let i = 0; i < n; i++) {
      if (!padFits(t - <usize>load<u32>(lens + (<usize>i << 2)))) { ok = false; break; }
    }
    if (ok) break;
    t++;
  }
  return t;
}

/** Writes a padding record of exactly d bytes at p (padFits(d)). */
export function padWrite(p: usize, d: usize): void {
  const v = padValueLen(d);
  store<u8>(p, 1);
  let q = p + 1;
  if (v < 0xfd) { store<u8>(q, <u8>v); q += 1; } else { store<u8>(q, 0xfd); store<u8>(q + 1, <u8>(v >> 8)); store<u8>(q + 2, <u8>v); q += 3; }
  for (let j: usize = 0; j < v; j++) store<u8>(q + j, 0);
}

// ---- session keys derived on the device ------------------------------------------

const HCTX: usize = memory.data(<i32>HMAC_CTX_SIZE, 8);
const CTR: usize = memory.data(4, 4);

/**
 * A fresh path / session secret the host cannot predict, link or replay:
 * HMAC-SHA256(key = node key, label ‖ entropy[32] ‖ request digest[32] ‖
 * counter u8), counter 0, 1, … until 0 < k < n. The entropy (hardware RNG,
 * fresh per request) makes every path new; the node key keeps it secret even
 * if the RNG were weak or observed. Writes 32 bytes at out.
 */
export function blindDeriveKey(out: usize, nodeKey: usize, label: usize, labelLen: usize, entropy: usize, digest: usize): void {
  for (let c: u32 = 0; c < 256; c++) {
    hmacSha256Init(HCTX, nodeKey, 32);
    hmacSha256Update(HCTX, label, labelLen);
    hmacSha256Update(HCTX, entropy, 32);
    hmacSha256Update(HCTX, digest, 32);
    store<u8>(CTR, <u8>c);
    hmacSha256Update(HCTX, CTR, 1);
    hmacSha256Final(HCTX, out);
    if (seckeyLoad(EK, out)) break;
  }
  wipe(EK, 32);
  hmacSha256Wipe(HCTX);
}
