// blinded_path: builds a BOLT 4 blinded path from the host's node ids and
// encrypted_data_tlv plaintexts, which the device checks before encrypting
// them; the path secret e_0 is derived on the device (docs/firmware/blinding.md)
// unless the request supplies one. Layout: shared/protocol.ts BLIND_*,
// docs/protocol.md "blinded_path".
import {
  BLIND_FLAG_PAD, BLIND_FLAG_SESSION_KEY, BLIND_MAX_HOPS, BLIND_OFF_FLAGS, BLIND_OFF_HOPS, BLIND_OFF_KEY, BLIND_TLV_PADDING,
  ERR_BAD_PAYLOAD, ERR_BLIND_TLV, ERR_ENTROPY, ERR_NOT_PROVISIONED, ERR_ONION_ROUTE, FRAME_MAX_PAYLOAD,
} from "../../../shared/protocol";
import { PROV_OFF_NODE_KEY } from "../../../shared/board";
import { hal_entropy } from "../../hal";
import { REC, storeLoad, storeWipeRam } from "../../keys/store";
import {
  BLIND_OK, blindBegin, blindCheckTlv, blindDeriveKey, blindEnd, blindHop, blindTlvErrOffset, blindTlvHasPadding,
  padTarget, padWrite,
} from "../../onion/blinded-path";
import { ONION_ERR_HOPS, ONION_ERR_SESSION_KEY, ONION_ERR_TOO_BIG } from "../../onion/sphinx";
import { SHA256_CTX_SIZE, sha256Final, sha256Init, sha256Update } from "../../crypto/sha256";
import { bootCount } from "../boot";
import { wipe } from "../../crypto/scalar";
import { refuse } from "../dispatch";
import { get16 } from "../bytes";

const SESSION: usize = memory.data(32, 8);
const ENTROPY: usize = memory.data(32, 8);
const DIGEST: usize = memory.data(32, 8);
const CTX: usize = memory.data(<i32>SHA256_CTX_SIZE, 8);
const UNIQUE: usize = memory.data(8, 8); // boot count u32le ‖ derivations this boot u32le
let derivations: u32 = 0;
const NODE: usize = memory.data(<i32>BLIND_MAX_HOPS * 4, 4);
const DATA: usize = memory.data(<i32>BLIND_MAX_HOPS * 4, 4);
const LEN: usize = memory.data(<i32>BLIND_MAX_HOPS * 4, 4);
// "lnsigner blinded path" (21 bytes): the derivation label of path secrets.
const LABEL: usize = memory.data<u8>([
  0x6c, 0x6e, 0x73, 0x69, 0x67, 0x6e, 0x65, 0x72, 0x20, 0x62, 0x6c, 0x69, 0x6e, 0x64, 0x65, 0x64,
  0x20, 0x70, 0x61, 0x74, 0x68,
]);

/**
 * A fresh secret for this request, keyed by the node key (blindDeriveKey):
 * 32 bytes of hardware entropy and SHA256(boot count ‖ derivations since boot
 * ‖ request). The (boot count, derivation) pair never repeats, so even a
 * stuck RNG gives a new secret every time; the entropy keeps it unpredictable
 * to anyone who knows the node key's inputs but not the RNG output. Returns 0
 * or a negative ERR_*.
 */
export function deriveFresh(out: usize, label: usize, labelLen: usize, req: usize, len: usize): i32 {
  if (hal_entropy(ENTROPY, 32) != 0) return refuse(ERR_ENTROPY, 1);
  if (!storeLoad()) return -ERR_NOT_PROVISIONED;
  store<u32>(UNIQUE, bootCount());
  store<u32>(UNIQUE, derivations, 4);
  derivations++;
  sha256Init(CTX);
  sha256Update(CTX, UNIQUE, 8);
  sha256Update(CTX, req, <usize>len);
  sha256Final(CTX, DIGEST);
  blindDeriveKey(out, REC + PROV_OFF_NODE_KEY, label, labelLen, ENTROPY, DIGEST);
  storeWipeRam();
  wipe(ENTROPY, 32);
  return 0;
}

export function handleBlindedPath(req: usize, len: i32, out: usize): i32 {
  if (len < BLIND_OFF_KEY) return -ERR_BAD_PAYLOAD;
  const flags = <i32>load<u8>(req + BLIND_OFF_FLAGS);
  if ((flags & ~(BLIND_FLAG_SESSION_KEY | BLIND_FLAG_PAD)) != 0) return -ERR_BAD_PAYLOAD;
  const n = <i32>load<u8>(req + BLIND_OFF_HOPS);
  const hasKey = (flags & BLIND_FLAG_SESSION_KEY) != 0;
  const pad = (flags & BLIND_FLAG_PAD) != 0;
  const hdr: usize = <usize>BLIND_OFF_KEY + (hasKey ? 32 : 0);
  if (<usize>len < hdr) return -ERR_BAD_PAYLOAD;
  if (n < 1 || n > BLIND_MAX_HOPS) return refuse(ERR_ONION_ROUTE, <u32>ONION_ERR_HOPS);

  // Hop records: node id[33] | plaintext length u16le | plaintext.
  const end = req + <usize>len;
  let p = req + hdr;
  for (let i = 0; i < n; i++) {
    if (end - p < 35) return -ERR_BAD_PAYLOAD;
    const l = <usize>get16(p + 33);
    if (end - (p + 35) < l) return -ERR_BAD_PAYLOAD;
    store<u32>(NODE + (<usize>i << 2), <u32>p);
    store<u32>(DATA + (<usize>i << 2), <u32>(p + 35));
    store<u32>(LEN + (<usize>i << 2), <u32>l);
    p += 35 + l;
  }
  if (p != end) return -ERR_BAD_PAYLOAD;

  // Check every plaintext before anything is encrypted (BOLT 4
  // encrypted_data_tlv; blindCheckTlv cites the rules).
  for (let i = 0; i < n; i++) {
    const d = <usize>load<u32>(DATA + (<usize>i << 2)), l = <usize>load<u32>(LEN + (<usize>i << 2));
    const r = blindCheckTlv(d, l, i == n - 1);
    if (r != 0) return refuse(ERR_BLIND_TLV, <u32>r | (<u32>i << 8) | (blindTlvErrOffset << 16));
    if (pad && blindTlvHasPadding) return refuse(ERR_BLIND_TLV, <u32>BLIND_TLV_PADDING | (<u32>i << 8));
  }

  // Reply size: 67 + Σ (33 + 2 + plaintext (+ padding) + 16); it must fit one frame.
  const target = pad ? padTarget(LEN, n) : 0;
  let size: usize = 67;
  for (let i = 0; i < n; i++) size += 51 + (pad ? target : <usize>load<u32>(LEN + (<usize>i << 2)));
  if (size > <usize>FRAME_MAX_PAYLOAD) {
    return refuse(ERR_ONION_ROUTE, <u32>ONION_ERR_TOO_BIG | (<u32>(size - <usize>FRAME_MAX_PAYLOAD) << 8));
  }

  if (hasKey) {
    for (let j: usize = 0; j < 32; j++) store<u8>(SESSION + j, load<u8>(req + BLIND_OFF_KEY + j));
  } else {
    const r = deriveFresh(SESSION, LABEL, 21, req, len);
    if (r != 0) return r;
  }

  // first_node_id = N_0 in clear, first_path_key = E_0, num_hops.
  const first = <usize>load<u32>(NODE);
  for (let j: usize = 0; j < 33; j++) store<u8>(out + j, load<u8>(first + j));
  if (!blindBegin(SESSION, out + 33)) {
    wipe(SESSION, 32);
    return refuse(ERR_ONION_ROUTE, <u32>ONION_ERR_SESSION_KEY);
  }
  wipe(SESSION, 32);
  store<u8>(out + 66, <u8>n);
  let q = out + 67;
  for (let i = 0; i < n; i++) {
    const node = <usize>load<u32>(NODE + (<usize>i << 2));
    const d = <usize>load<u32>(DATA + (<usize>i << 2)), l = <usize>load<u32>(LEN + (<usize>i << 2));
    // Plaintext = [padding record] ‖ the host's TLV (type 1 sorts first).
    const data = q + 35;
    let pl = l;
    if (pad) {
      padWrite(data, target - l);
      pl = target;
    }
    const at = data + (pl - l);
    for (let j: usize = 0; j < l; j++) store<u8>(at + j, load<u8>(d + j));
    const enclen = pl + 16;
    // enclen is a BOLT u16: big-endian.
    store<u8>(q + 33, <u8>(enclen >> 8));
    store<u8>(q + 34, <u8>enclen);
    const r = blindHop(node, data, pl, q);
    if (r != BLIND_OK) {
      blindEnd();
      wipe(out, size);
      return refuse(ERR_ONION_ROUTE, <u32>r | (<u32>i << 8));
    }
    q = data + enclen;
  }
  blindEnd();
  return <i32>(q - out);
}
