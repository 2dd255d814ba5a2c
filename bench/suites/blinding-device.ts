// Route blinding on the device: the firmware in this process driven through
// its serial_rx export exactly as a board does (frames in, frames out; no UART
// time), with device-derived keys as in production. Cases (impl `firmware`):
//   blinded-path-3-hops   blinded_path of 3 hops (next_node_id / path_id)
//   onion-message-5-hops  onion_message: 2 own hops then a 3-hop blinded path
//                         (a 1366-byte packet; invoice_request-sized payload)
//   payment-3+3-blinded   build_onion of 3 clear + 3 blinded hops (createonion
//                         mode: no policy record per run)
// The @noble reference entries of the same operations live in
// bench/suites/blinding.ts (host route blinding), side by side in one run.
import { readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import * as P from '../../shared/protocol.js';
import { BOOT_INFO_SIZE } from '../../shared/board.js';
import { FIRMWARE_WASM } from '../../host/paths.js';
import { autoPrompt, instantiateFirmware } from '../../host/firmware/load.js';
import { MemoryFlash } from '../../host/emulator/flash.js';
import { FrameDecoder, encodeFrame, type Frame } from '../../host/transport/codec.js';
import { encodeCreateOnion, encodeProvision } from '../../host/device/requests.js';
import { decodeBlindedPathWire, encodeBlindedPathRequest, encodeOnionMessageRequest } from '../../host/device/blinding-requests.js';
import { encodeHopPayload, withLength } from '../../host/onion/payload.js';
import { secp } from '../../host/crypto/noble.js';
import type { BenchCase, BenchSuite } from '../types.js';

const enc = new TextEncoder();
const rec = (t: number, v: Uint8Array) => Uint8Array.from([t, v.length, ...v]); // t < 0xfd, v < 0xfd bytes

/** One chip on an in-RAM flash; request() returns the reply frame. */
function chip() {
  const frames: Frame[] = [];
  const dec = new FrameDecoder((f) => frames.push(f), () => undefined);
  let n = 0;
  const fw = instantiateFirmware(readFileSync(FIRMWARE_WASM), {
    entropy: (b) => { for (let i = 0; i < b.length; i++) b[i] = (i * 131 + n++) & 0xff; },
    serialWrite: (b) => dec.push(b),
    flash: new MemoryFlash(),
    prompt: autoPrompt(), // a user who approves at once: provisioning asks (issue 9)
  });
  const e = fw.exports;
  fw.write(e.fw_boot_info_ptr() >>> 0, new Uint8Array(BOOT_INFO_SIZE));
  e.fw_boot();
  let id = 1;
  const request = (type: number, payload: Uint8Array): Frame => {
    frames.length = 0;
    const bytes = encodeFrame(type, ++id & 0xffff || ++id, payload);
    const ptr = e.serial_rx_ptr() >>> 0, cap = e.serial_rx_cap() >>> 0;
    for (let i = 0; i < bytes.length; i += cap) {
      const k = Math.min(cap, bytes.length - i);
      fw.write(ptr, bytes.subarray(i, i + k));
      e.serial_rx(k);
    }
    const f = frames[frames.length - 1];
    if (!f || f.type !== (type | P.MSG_REPLY)) throw new Error(`blinding bench: request 0x${type.toString(16)} refused`);
    return f;
  };
  return { request };
}

export const blindingDeviceSuite: BenchSuite = {
  title: 'route blinding on the device (serial requests in process, device-derived keys)',
  setup() {
    const c = chip();
    c.request(P.MSG_PROVISION, encodeProvision({ hsmSecret: sha256(enc.encode('bench blinding')) }));
    const nodes = Array.from({ length: 8 }, (_, i) => secp.getPublicKey(sha256(Uint8Array.of(0xb1, i)), true));
    const pathReq = (ids: Uint8Array[]) => encodeBlindedPathRequest({
      hops: ids.map((id, i) => ({ nodeId: id, tlv: i < ids.length - 1 ? rec(4, ids[i + 1]) : rec(6, sha256(id)) })),
    });
    const path3 = pathReq(nodes.slice(0, 3));
    const theirs = decodeBlindedPathWire(c.request(P.MSG_BLINDED_PATH, pathReq(nodes.slice(3, 6))).payload);
    const msg = encodeOnionMessageRequest({
      ourRoute: nodes.slice(6, 8), path: theirs,
      finalPayload: Uint8Array.from([64, 0xfd, 0x01, 0x2c, ...new Uint8Array(300)]), // invoice_request-sized
    });
    // 3 clear hops then a device-built 3-hop blinded payment path.
    const blinded = decodeBlindedPathWire(c.request(P.MSG_BLINDED_PATH, pathReq(nodes.slice(3, 6))).payload);
    const hops: { pubkey: Uint8Array; payload: Uint8Array }[] = [0, 1, 2].map((i) => ({
      pubkey: nodes[i],
      payload: withLength(encodeHopPayload({ amountMsat: 100_300n - BigInt(i) * 100n, cltv: 800_300 - i * 40, shortChannelId: Uint8Array.of(0, 0, 1, 0, 0, 2, 0, i) })),
    }));
    blinded.hops.forEach((h, i) => {
      const parts = [...(i === 2 ? [rec(2, Uint8Array.of(0x01, 0x86, 0xa0)), rec(4, Uint8Array.of(0x0c, 0x35, 0x00))] : []), Uint8Array.from([10, h.encryptedData.length, ...h.encryptedData])];
      if (i === 0) parts.push(rec(12, blinded.firstPathKey));
      if (i === 2) parts.push(rec(18, Uint8Array.of(0x01, 0x86, 0xa0)));
      const payload = Uint8Array.from(parts.flatMap((p) => [...p]));
      // The introduction node is reached by its real node id (BOLT 4), later hops by blinded ids.
      hops.push({ pubkey: i === 0 ? blinded.firstNodeId : h.blindedNodeId, payload: withLength(payload) });
    });
    const pay = encodeCreateOnion({ hops, assocData: sha256(enc.encode('hash')), sessionKey: sha256(enc.encode('session')) });
    const cases: BenchCase[] = [
      { name: 'blinded-path-3-hops', impl: 'firmware', fn: () => c.request(P.MSG_BLINDED_PATH, path3) },
      { name: 'onion-message-5-hops', impl: 'firmware', fn: () => c.request(P.MSG_ONION_MESSAGE, msg), extra: { packet: 1366 } },
      { name: 'payment-3+3-blinded', impl: 'firmware', fn: () => c.request(P.MSG_BUILD_ONION, pay) },
    ];
    for (const k of cases) k.fn?.(); // each runs once before it is measured
    return cases;
  },
};
