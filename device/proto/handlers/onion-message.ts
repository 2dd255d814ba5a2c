// onion_message / onion_message_read: an onion-message packet for a route of
// our own nodes N_0 (this node) .. N_{m-1} that ends in someone's blinded
// path P, exactly as Core Lightning's injectonionmessage sends it (CLN digest
// §6.5), read out in chunks. Layout: shared/protocol.ts OMSG_*,
// docs/protocol.md "onion_message"; construction: docs/firmware/blinding.md.
import {
  BLIND_TLV_FINAL_HAS_4, BLIND_TLV_FRAMING, BLIND_TLV_PATH, ERR_BAD_PAYLOAD, ERR_BLIND_TLV, ERR_ONION_READ, ERR_ONION_ROUTE,
  FRAME_MAX_PAYLOAD, OMSG_CHUNK, OMSG_FLAG_KEYS, OMSG_OFF_FINAL_LEN, OMSG_OFF_FLAGS, OMSG_OFF_KEYS, OMSG_OFF_OUR_HOPS,
  OMSG_REPLY_HDR, OMSG_ROUTING_LARGE, OMSG_ROUTING_SMALL, ONION_MAX_HOPS,
} from "../../../shared/protocol";
import { BOLT12_OK } from "../../../shared/bolt12-limits";
import { TLV_CURSOR_SIZE, TLV_END, tlvBegin, tlvNext, tlvRecord, tlvType } from "../../bolt12/tlv";
import { BLIND_OK, blindBegin, blindCheckTlv, blindEnd, blindHop, blindTlvErrOffset } from "../../onion/blinded-path";
import {
  ONION_ERR_HOPS, ONION_ERR_PUBKEY, ONION_ERR_PAYLOAD, ONION_ERR_SESSION_KEY, ONION_ERR_TOO_BIG, ONION_OK,
  onionBuildMessage, onionErrHop, onionOver, onionPayloadsSize, onionSetHop,
} from "../../onion/sphinx";
import { OMSG_BIDS, OMSG_SS, PKT, bigsizeSize, bigsizeWrite, omsgRoutingSize, pktLen, pktSet } from "../../onion/onion-message";
import { wipe } from "../../crypto/scalar";
import { refuse } from "../dispatch";
import { get16, get32, put16 } from "../bytes";
import { deriveFresh } from "./blinded-path";

const SESSION: usize = memory.data(32, 8);
const PATH_SECRET: usize = memory.data(32, 8);
const PATH_KEY: usize = memory.data(33, 8); // path_key of the onion_message
const CUR: usize = memory.data(<i32>TLV_CURSOR_SIZE, 8);
// Their hops: blinded node id pointer, encrypted data pointer and length.
const THEIR_ID: usize = memory.data(<i32>ONION_MAX_HOPS * 4, 4);
const THEIR_ENC: usize = memory.data(<i32>ONION_MAX_HOPS * 4, 4);
const THEIR_LEN: usize = memory.data(<i32>ONION_MAX_HOPS * 4, 4);
// "lnsigner onion message" (22) and "lnsigner message path" (21): derivation labels.
const LABEL_SESSION: usize = memory.data<u8>([
  0x6c, 0x6e, 0x73, 0x69, 0x67, 0x6e, 0x65, 0x72, 0x20, 0x6f, 0x6e, 0x69, 0x6f, 0x6e, 0x20, 0x6d,
  0x65, 0x73, 0x73, 0x61, 0x67, 0x65,
]);
const LABEL_PATH: usize = memory.data<u8>([
  0x6c, 0x6e, 0x73, 0x69, 0x67, 0x6e, 0x65, 0x72, 0x20, 0x6d, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65,
  0x20, 0x70, 0x61, 0x74, 0x68,
]);

function fail(code: i32, detail: u32): i32 {
  wipe(SESSION, 32);
  wipe(PATH_SECRET, 32);
  blindEnd();
  return refuse(code, detail);
}

@inline function copy(dst: usize, src: usize, n: usize): void {
  for (let j: usize = 0; j < n; j++) store<u8>(dst + j, load<u8>(src + j));
}

export function handleOnionMessage(req: usize, len: i32, out: usize): i32 {
  if (len < OMSG_OFF_KEYS) return -ERR_BAD_PAYLOAD;
  const flags = <i32>load<u8>(req + OMSG_OFF_FLAGS);
  if ((flags & ~OMSG_FLAG_KEYS) != 0) return -ERR_BAD_PAYLOAD;
  const m = <i32>load<u8>(req + OMSG_OFF_OUR_HOPS);
  const finalLen = <usize>get16(req + OMSG_OFF_FINAL_LEN);
  const hasKeys = (flags & OMSG_FLAG_KEYS) != 0;
  const hdr: usize = <usize>OMSG_OFF_KEYS + (hasKeys ? 64 : 0);
  const end = req + <usize>len;
  if (<usize>len < hdr) return -ERR_BAD_PAYLOAD;
  if (m >= ONION_MAX_HOPS) return refuse(ERR_ONION_ROUTE, <u32>ONION_ERR_HOPS);
  const ours = req + hdr;
  if (end - ours < <usize>m * 33) return -ERR_BAD_PAYLOAD;

  // Their blinded_path: first_node_id[33] | first_path_key[33] | num_hops |
  // hops (blinded_node_id[33] | enclen u16 big-endian | encrypted data).
  const path = ours + <usize>m * 33;
  if (end - path < 67) return -ERR_BAD_PAYLOAD;
  const f0 = load<u8>(path);
  // sciddir_or_pubkey: only the point form (02/03) can be named as
  // next_node_id; the host resolves an scid form first.
  if (f0 != 2 && f0 != 3) return refuse(ERR_BLIND_TLV, <u32>BLIND_TLV_PATH | (<u32>m << 8));
  const k = <i32>load<u8>(path + 66);
  if (k < 1) return refuse(ERR_BLIND_TLV, <u32>BLIND_TLV_PATH | (<u32>m << 8) | (66 << 16));
  const n = m + k;
  if (n > ONION_MAX_HOPS) return refuse(ERR_ONION_ROUTE, <u32>ONION_ERR_HOPS);
  let p = path + 67;
  for (let j = 0; j < k; j++) {
    if (end - p < 35) return -ERR_BAD_PAYLOAD;
    const el = (<usize>load<u8>(p + 33) << 8) | <usize>load<u8>(p + 34);
    if (end - (p + 35) < el) return -ERR_BAD_PAYLOAD;
    store<u32>(THEIR_ID + (<usize>j << 2), <u32>p);
    store<u32>(THEIR_ENC + (<usize>j << 2), <u32>(p + 35));
    store<u32>(THEIR_LEN + (<usize>j << 2), <u32>el);
    p += 35 + el;
  }
  const fin = p;
  if (<usize>(end - fin) != finalLen) return -ERR_BAD_PAYLOAD;

  // The final payload (onionmsg_tlv): a BOLT 1 stream without
  // encrypted_recipient_data, which comes from their path's last hop. Find
  // where type 4 goes (records are strictly increasing).
  tlvBegin(CUR, fin, finalLen);
  let split = finalLen;
  while (true) {
    const r = tlvNext(CUR);
    if (r == TLV_END) break;
    if (r != BOLT12_OK) return refuse(ERR_BLIND_TLV, <u32>BLIND_TLV_FRAMING | (<u32>(n - 1) << 8));
    const t = tlvType(CUR);
    if (t == 4) return refuse(ERR_BLIND_TLV, <u32>BLIND_TLV_FINAL_HAS_4 | (<u32>(n - 1) << 8));
    if (t > 4 && split == finalLen) split = tlvRecord(CUR) - fin;
  }

  // The hop payloads (BigSize length ‖ onionmsg_tlv) are staged in the reply
  // buffer (one frame); the packet is built in PKT and its first chunk copied
  // back. Their size: our hops 54 bytes (89 for the last), theirs
  // BigSize ‖ [final records] ‖ 04 ‖ BigSize(enclen) ‖ data.
  let staged: usize = m > 0 ? <usize>(m - 1) * 54 + 89 : 0;
  for (let j = 0; j < k; j++) {
    const el = <usize>load<u32>(THEIR_LEN + (<usize>j << 2));
    const tl: usize = 1 + bigsizeSize(el) + el + (j == k - 1 ? finalLen : 0);
    staged += bigsizeSize(tl) + tl;
  }
  // Refused, never truncated: the detail says by how many bytes the payloads
  // exceed what the device encodes in one go.
  if (staged > <usize>FRAME_MAX_PAYLOAD) {
    return refuse(ERR_ONION_ROUTE, <u32>ONION_ERR_TOO_BIG | (<u32>(staged - <usize>FRAME_MAX_PAYLOAD) << 8));
  }

  // Keys: the Sphinx session key and our path secret, fresh per request
  // (device-derived) unless the request supplies them.
  if (hasKeys) {
    copy(SESSION, req + OMSG_OFF_KEYS, 32);
    copy(PATH_SECRET, req + OMSG_OFF_KEYS + 32, 32);
  } else {
    let r = deriveFresh(SESSION, LABEL_SESSION, 22, req, len);
    if (r != 0) return r;
    r = deriveFresh(PATH_SECRET, LABEL_PATH, 21, req, len);
    if (r != 0) { wipe(SESSION, 32); return r; }
  }

  const theirFirstKey = path + 33;
  if (m > 0) {
    // CLN §6.5 steps 1-3: our hops N_0..N_{m-1} form a blinded path of their
    // own; hop i's encrypted data names N_{i+1} (next_node_id), and the hop
    // before their path also carries next_path_key_override = their
    // first_path_key. Our would-be hop for their introduction node is dropped.
    if (!blindBegin(PATH_SECRET, PATH_KEY)) return fail(ERR_ONION_ROUTE, <u32>ONION_ERR_SESSION_KEY);
    let q = out;
    for (let i = 0; i < m; i++) {
      const last = i == m - 1;
      const ptLen: usize = last ? 70 : 35;
      const enclen = ptLen + 16;
      // Fits: m ≤ 26 hops of at most 89 bytes.
      store<u8>(q, <u8>(2 + enclen)); // BigSize length (< 0xfd)
      store<u8>(q + 1, 4); // encrypted_recipient_data
      store<u8>(q + 2, <u8>enclen);
      const pt = q + 3;
      store<u8>(pt, 4); store<u8>(pt + 1, 33); // next_node_id
      copy(pt + 2, last ? path : ours + <usize>(i + 1) * 33, 33);
      if (last) {
        store<u8>(pt + 35, 8); store<u8>(pt + 36, 33); // next_path_key_override
        copy(pt + 37, theirFirstKey, 33);
      }
      // The names we encrypt must be valid points (their first_node_id and
      // first_path_key come from the host).
      const chk = blindCheckTlv(pt, ptLen, false);
      if (chk != 0) return fail(ERR_BLIND_TLV, <u32>chk | (<u32>i << 8) | (blindTlvErrOffset << 16));
      const bid = OMSG_BIDS + <usize>i * 33;
      const r = blindHop(ours + <usize>i * 33, pt, ptLen, bid);
      if (r != BLIND_OK) return fail(ERR_ONION_ROUTE, <u32>r | (<u32>i << 8));
      onionSetHop(i, bid, q, 3 + enclen);
      q += 3 + enclen;
    }
    blindEnd();
  } else {
    // CLN §6.5 step 5: with m = 0 the packet is just their hops, and the
    // message's path_key is their first_path_key.
    copy(PATH_KEY, theirFirstKey, 33);
  }
  wipe(PATH_SECRET, 32);
  let q = out;
  if (m > 0) q = out + <usize>(m - 1) * 54 + 89;

  // Their hops unchanged: every payload is encrypted_recipient_data only,
  // except the last, which is the final payload plus their last encrypted data.
  for (let j = 0; j < k; j++) {
    const enc = <usize>load<u32>(THEIR_ENC + (<usize>j << 2));
    const el = <usize>load<u32>(THEIR_LEN + (<usize>j << 2));
    const lastHop = j == k - 1;
    const tl: usize = 1 + bigsizeSize(el) + el + (lastHop ? finalLen : 0);
    let w = q + bigsizeWrite(q, tl);
    if (lastHop) { copy(w, fin, split); w += split; }
    store<u8>(w, 4);
    w += 1;
    w += bigsizeWrite(w, el);
    copy(w, enc, el);
    w += el;
    if (lastHop) { copy(w, fin + split, finalLen - split); w += finalLen - split; }
    onionSetHop(m + j, <usize>load<u32>(THEIR_ID + (<usize>j << 2)), q, w - q);
    q = w;
  }

  // Packet size (digest §6.1): 1300 bytes of payloads when they fit, else
  // 32768; beyond that refused with the bytes over (never truncated).
  const need = onionPayloadsSize(n);
  if (need > <usize>OMSG_ROUTING_LARGE) {
    return fail(ERR_ONION_ROUTE, <u32>ONION_ERR_TOO_BIG | (<u32>(need - <usize>OMSG_ROUTING_LARGE) << 8));
  }
  const routing = omsgRoutingSize(need, <usize>OMSG_ROUTING_SMALL);
  pktSet(0);
  const r = onionBuildMessage(PKT, OMSG_SS, SESSION, n, routing, <usize>OMSG_ROUTING_LARGE);
  wipe(SESSION, 32);
  wipe(OMSG_SS, <usize>ONION_MAX_HOPS * 32);
  if (r != ONION_OK) {
    const hop: u32 = r == ONION_ERR_PUBKEY || r == ONION_ERR_PAYLOAD ? <u32>onionErrHop : r == ONION_ERR_TOO_BIG ? onionOver : 0;
    return refuse(ERR_ONION_ROUTE, <u32>r | (hop << 8));
  }
  const total: usize = 66 + routing;
  pktSet(total);
  copy(out, PATH_KEY, 33);
  put16(out + 33, <i32>total);
  const chunk = total < <usize>OMSG_CHUNK ? total : <usize>OMSG_CHUNK;
  copy(out + <usize>OMSG_REPLY_HDR, PKT, chunk);
  return <i32>(<usize>OMSG_REPLY_HDR + chunk);
}

/** onion_message_read: offset u32le → up to OMSG_CHUNK bytes of the packet. */
export function handleOnionMessageRead(req: usize, len: i32, out: usize): i32 {
  if (len < 4) return -ERR_BAD_PAYLOAD;
  const off = <usize>get32(req);
  if (pktLen == 0 || off >= pktLen) return refuse(ERR_ONION_READ, <u32>pktLen);
  const rest = pktLen - off;
  const n = rest < <usize>OMSG_CHUNK ? rest : <usize>OMSG_CHUNK;
  copy(out, PKT + off, n);
  return <i32>n;
}
