// Route blinding (issue 10), device next to the @noble reference in one run,
// under the same operation names:
//   - blinded-path-3-hops: a padded 3-hop payment path (payment_relay,
//     payment_constraints, allowed_features, path_id),
//   - blinded-onion-message-5-hops: us → alice → bob = their introduction node →
//     carol → dave, CLN's injectonionmessage construction, with an
//     invoice_request and a reply path (a 1366-byte packet),
//   - payment-onion-3-clear-3-blinded: Sphinx over 3 clear + 3 blinded hops.
// Same inputs and session keys on both sides: before anything is timed the
// device's output is checked byte for byte against @noble's. The device is
// the firmware in this process driven through its serial_rx export exactly as
// a board does (frames in, frames out; no UART time). Its payment entry is
// build_onion with the session key supplied: the payload shapes checked and
// the policy consulted every run, the part recorded once (the same part sent
// again is not counted again).
import { readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import * as P from '../../shared/protocol.js';
import { BOOT_INFO_SIZE } from '../../shared/board.js';
import { FIRMWARE_WASM } from '../../host/paths.js';
import { autoPrompt, instantiateFirmware } from '../../host/firmware/load.js';
import { MemoryFlash } from '../../host/emulator/flash.js';
import { FrameDecoder, encodeFrame, type Frame } from '../../host/transport/codec.js';
import { encodeBuildOnion, encodeProvision, encodeSetPolicy } from '../../host/device-client/requests.js';
import { readBigSize } from '../../host/bolt12/bigsize.js';
import { encodeBlindedPathRequest, encodeOnionMessageRequest } from '../../host/device-client/blinding-requests.js';
import { secp } from '../../host/crypto/noble.js';
import {
  buildBlindedPath, buildOnionMessage, buildBlindedPaymentOnion, paymentPathData, encodeBlindedPath,
  encodeEncryptedData, encodeOnionMessagePayload,
  type BuiltOnionMessage, type EncryptedData, type PathHopInput, type BlindedPaymentInput,
} from '../../host/blinding/index.js';
import type { BenchCase, BenchSuite } from '../types.js';

const key = (i: number) => sha256(Uint8Array.of(0xbe, i));
const node = (i: number) => secp.getPublicKey(key(i), true);

/** The fixed inputs of every case: shared by the @noble entries and the device entries. */
export function blindingBenchInputs() {
  const pathSession = key(100);
  const onionSession = key(101);
  // 3-hop payment path: nodes 1 → 2 → 3, relays and constraints as a recipient writes them.
  const pp = paymentPathData({
    hops: [1, 2].map((n) => ({
      nodeId: node(n), shortChannelId: { block: 800_000, txIndex: n, outputIndex: 1 },
      relay: { cltvExpiryDelta: 40 + n, feeProportionalMillionths: 100 * n, feeBaseMsat: 1000 * n }, htlcMinimumMsat: 1000n,
    })),
    finalNodeId: node(3), pathId: sha256(Uint8Array.of(0x1d)), finalMaxCltvExpiry: 900_000, htlcMinimumMsat: 1000n, allowedFeatures: true,
  });
  const pathHops: PathHopInput[] = pp.hops;
  // The device pads every hop (the longest gets an empty padding record, 2
  // bytes: docs/firmware/blinding.md); @noble is asked for that length.
  const pad = Math.max(...pathHops.map((hp) => encodeEncryptedData(hp.data as EncryptedData).length)) + 2;
  const paymentPath = buildBlindedPath(pathHops, { sessionKey: pathSession, pad }).path;
  // Their message path bob(12) → carol(13) → dave(14), and our route us(10) → alice(11) → bob.
  const theirs = buildBlindedPath([
    { nodeId: node(12), data: { nextNodeId: node(13) } },
    { nodeId: node(13), data: { nextNodeId: node(14) } },
    { nodeId: node(14), data: { pathId: sha256(Uint8Array.of(0x2d)) } },
  ], { sessionKey: key(102), pad: true }).path;
  const replyPath = buildBlindedPath([
    { nodeId: node(11), data: { nextNodeId: node(10) } },
    { nodeId: node(10), data: { pathId: sha256(Uint8Array.of(0x3d)) } },
  ], { sessionKey: key(103), pad: true }).path;
  const message = {
    route: [node(10), node(11), node(12)], path: theirs,
    payload: { invoiceRequest: new Uint8Array(300).fill(0x5a), replyPath },
    sessionKey: onionSession, pathSessionKey: key(104),
  };
  // Payment: clear hops 20, 21, 22 → the 3-hop payment path (introduction node 1).
  const payment: BlindedPaymentInput = {
    clearHops: [20, 21, 22].map((n, i) => ({
      nodeId: node(n), shortChannelId: Uint8Array.of(0x0c, 0x35, 0x00, 0, 0, i, 0, 1), feeBaseMsat: 1000n, feePpm: 10n, cltvExpiryDelta: 34,
    })),
    path: paymentPath, payinfo: pp.payinfo, amountMsat: 250_000_000n, finalCltv: 880_018,
  };
  const paymentHash = sha256(Uint8Array.of(0x4d));
  return { pathHops, pathSession, pad, message, payment, paymentHash, onionSession };
}

/** One chip on an in-RAM flash; request() returns the reply frame (throws on a refusal). */
function chip() {
  const frames: Frame[] = [];
  const dec = new FrameDecoder((f) => frames.push(f), () => undefined);
  let n = 0;
  const fw = instantiateFirmware(readFileSync(FIRMWARE_WASM), {
    entropy: (b) => { for (let i = 0; i < b.length; i++) b[i] = (i * 131 + n++) & 0xff; },
    serialWrite: (b) => dec.push(b),
    flash: new MemoryFlash(),
    prompt: autoPrompt(), // provisioning waits for the board's press
  });
  const e = fw.exports;
  fw.write(e.fw_boot_info_ptr() >>> 0, new Uint8Array(BOOT_INFO_SIZE));
  e.fw_boot();
  let id = 1;
  const request = (type: number, payload: Uint8Array): Uint8Array => {
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
    return f.payload;
  };
  return { request };
}

function same(what: string, device: Uint8Array, noble: Uint8Array): void {
  if (bytesToHex(device) !== bytesToHex(noble)) throw new Error(`blinding bench: the device's ${what} differs from @noble's`);
}

/**
 * The device entries (impl 'firmware'): the same inputs as the @noble ones,
 * session keys supplied, each checked byte for byte against `reference`
 * before it is timed.
 */
function deviceCases(i: ReturnType<typeof blindingBenchInputs>, reference: Reference): BenchCase[] {
  const c = chip();
  c.request(P.MSG_PROVISION, encodeProvision({ hsmSecret: sha256(Uint8Array.of(0xbe, 0xef)) }));
  c.request(P.MSG_SET_POLICY, encodeSetPolicy({ maxAmountMsat: null, maxFeeMsat: null, maxFeePpm: null, dailyLimitMsat: null, confirmAboveMsat: null }));
  const pathReq = encodeBlindedPathRequest({
    pathSecret: i.pathSession, pad: true,
    hops: i.pathHops.map((hp) => ({ nodeId: hp.nodeId, tlv: hp.data instanceof Uint8Array ? hp.data : encodeEncryptedData(hp.data) })),
  });
  same('blinded path', c.request(P.MSG_BLINDED_PATH, pathReq), encodeBlindedPath(reference.path.path));
  // The device's route is ours before their introduction node (the last of i.message.route).
  const msgReq = encodeOnionMessageRequest({
    ourRoute: i.message.route.slice(0, -1), path: i.message.path,
    finalPayload: encodeOnionMessagePayload(i.message.payload),
    keys: { sessionKey: i.message.sessionKey, pathSecret: i.message.pathSessionKey },
  });
  const m = c.request(P.MSG_ONION_MESSAGE, msgReq);
  const packet = reference.message.message.packet;
  if (packet.length > P.OMSG_CHUNK) throw new Error('blinding bench: the onion message should fit one reply');
  same('onion message', m, Uint8Array.from([...reference.message.message.pathKey, packet.length & 0xff, packet.length >> 8, ...packet]));
  // build_onion as sendpay uses it: the blinded payload shapes checked, the
  // part counted once (a resend of the same part is not counted again).
  const payReq = encodeBuildOnion({
    hops: reference.payment.hops.map((hp) => ({ pubkey: hp.pubkey, payload: hp.payload.subarray(readBigSize(hp.payload, 0).next) })),
    paymentHash: i.paymentHash, firstHopAmountMsat: reference.payment.firstAmountMsat, sessionKey: i.onionSession,
  });
  same('payment onion', c.request(P.MSG_BUILD_ONION, payReq).subarray(0, P.ONION_PACKET_SIZE), reference.payment.onion);
  return [
    { name: 'blinded-path-3-hops', impl: 'firmware', fn: () => c.request(P.MSG_BLINDED_PATH, pathReq) },
    { name: 'blinded-onion-message-5-hops', impl: 'firmware', fn: () => c.request(P.MSG_ONION_MESSAGE, msgReq), extra: { packet_bytes: packet.length } },
    { name: 'payment-onion-3-clear-3-blinded', impl: 'firmware', fn: () => c.request(P.MSG_BUILD_ONION, payReq) },
  ];
}

interface Reference {
  path: ReturnType<typeof buildBlindedPath>;
  message: BuiltOnionMessage;
  payment: ReturnType<typeof buildBlindedPaymentOnion>;
}

export const blindingSuite: BenchSuite = {
  title: 'route blinding: device vs @noble, same inputs (vs first = ratio to @noble)',
  setup() {
    const i = blindingBenchInputs();
    const path = () => buildBlindedPath(i.pathHops, { sessionKey: i.pathSession, pad: i.pad });
    const message = () => buildOnionMessage(i.message);
    const payment = () => buildBlindedPaymentOnion(i.payment, i.paymentHash, i.onionSession);
    const reference: Reference = { path: path(), message: message(), payment: payment() };
    if (reference.message.hops.length !== 5) throw new Error('blinding bench: the onion message should have 5 hops');
    if (reference.payment.hops.length !== 6) throw new Error('blinding bench: the payment onion should have 6 hops');
    return [
      { name: 'blinded-path-3-hops', impl: 'noble', fn: path },
      { name: 'blinded-onion-message-5-hops', impl: 'noble', fn: message, extra: { packet_bytes: reference.message.message.packet.length } },
      { name: 'payment-onion-3-clear-3-blinded', impl: 'noble', fn: payment },
      ...deviceCases(i, reference),
    ];
  },
};
