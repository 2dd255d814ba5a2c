// Shared by test/device-pay-invoice.test.ts and test/firmware-memory.test.ts:
// an independent @noble merchant (offers, invoices signed with BIP-340,
// blinded payment paths from host/blinding) and invoice_requests signed by
// the device under test (sign_bolt12 with the payer key of their metadata),
// for pay_invoice (issue 12, docs/firmware/payer.md).
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import * as P from '../../shared/protocol.js';
import { encodeSignBolt12, verifySignBolt12Reply } from '../../host/device-client/requests.js';
import { encodePayInvoice } from '../../host/device-client/payer-requests.js';
import { merkleRoot, signatureMessage } from '../../host/bolt12/merkle.js';
import { secp } from '../../host/crypto/noble.js';
import { buildBlindedPath, encodeBlindedPath, type BuiltPath } from '../../host/blinding/index.js';
import { blindedPaymentRoute, type BlindedPaymentRoute } from '../../host/blinding/payment-onion.js';
import { createFailureOnion, ecdh, peel, wrapFailureOnion } from '../../host/onion/sphinx.js';
import { ascii, cat } from './bytes.js';
import { HSM_SECRET, NODE_ID, NODE_PRIV, rec, stream, tu, type Rec } from './merchant.js';
import { payerKeyRef } from './device-requests.js';

export type Call = (type: number, payload: Uint8Array) => Uint8Array;

export const key = (label: string) => sha256(ascii(`pay test ${label}`));
export const MERCHANT_PRIV = key('merchant');
export const MERCHANT_ID = secp.getPublicKey(MERCHANT_PRIV, true);
export const OTHER_PRIV = key('other signer');
export const PEER_PRIV = key('peer a');
export const PEER = secp.getPublicKey(PEER_PRIV, true);
export const INTRO_PRIV = key('intro');
export const INTRO = secp.getPublicKey(INTRO_PRIV, true);
export const DEST_PRIV = key('dest');
export const DEST = secp.getPublicKey(DEST_PRIV, true);


export const desc = rec(10, ascii('coffee beans'));
export const offerRecs = (amount: bigint | null, more: Rec[] = []): Rec[] =>
  [...(amount === null ? [] : [rec(8, tu(amount))]), desc, rec(22, MERCHANT_ID), ...more];

export interface Req { recs: Rec[]; tlv: Uint8Array; signature: Uint8Array; payerId: Uint8Array; meta: Uint8Array }
let metaN = 0;
/** An invoice_request signed by the device (sign_bolt12, payer key of its metadata), or by `payerPriv`. */
export interface RequestOpts { meta?: Uint8Array; payerPriv?: Uint8Array; nodeKey?: boolean }
/** An unsigned invoice_request for `offer` with the device's payer key of its
 *  metadata as invreq_payer_id (or the node id, or `payerPriv`'s key). */
export function unsignedRequest(offer: Rec[], own: Rec[] = [], o: RequestOpts = {}): Omit<Req, 'signature'> {
  const meta = o.meta ?? sha256(ascii(`meta ${metaN++}`)).slice(0, 16);
  const payerId = o.payerPriv ? secp.getPublicKey(o.payerPriv, true)
    : o.nodeKey ? NODE_ID : Uint8Array.from(Buffer.from(payerKeyRef(HSM_SECRET, NODE_PRIV, meta).id, 'hex'));
  const recs = [rec(0, meta), ...offer, rec(88, payerId), ...own];
  return { recs, tlv: stream(recs), payerId, meta };
}

/** The invoice_request signed by the device (sign_bolt12 through `call`), or by `payerPriv`. */
export function request(call: Call, offer: Rec[], own: Rec[] = [], o: RequestOpts = {}): Req {
  const u = unsignedRequest(offer, own, o);
  const signature = o.payerPriv
    ? secp.schnorr.sign(signatureMessage('invoice_request', 'signature', merkleRoot(u.tlv)), o.payerPriv, new Uint8Array(32))
    : verifySignBolt12Reply('invoice_request', u.tlv, call(P.MSG_SIGN_BOLT12, encodeSignBolt12('invoice_request', 'signature', u.tlv))).signature;
  return { ...u, signature };
}

export const relay = { cltvExpiryDelta: 40, feeProportionalMillionths: 100, feeBaseMsat: 1000 };
const constraints = { maxCltvExpiry: 900000, htlcMinimumMsat: 1n };
/** A 2-hop blinded path INTRO → DEST (DEST = the merchant's node). */
export function makePath(label: string): BuiltPath {
  return buildBlindedPath([
    { nodeId: INTRO, data: { nextNodeId: DEST, paymentRelay: relay, paymentConstraints: constraints } },
    { nodeId: DEST, data: { pathId: key(`path id ${label}`) } },
  ], { sessionKey: key(`e0 ${label}`) });
}
/** blinded_payinfo: u32 base ‖ u32 ppm ‖ u16 cltv ‖ u64 min ‖ u64 max ‖ u16 flen ‖ features. */
export function payinfo(features = new Uint8Array(0)): Uint8Array {
  const b = new Uint8Array(28);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, relay.feeBaseMsat); dv.setUint32(4, relay.feeProportionalMillionths); dv.setUint16(8, 80);
  dv.setBigUint64(10, 1n); dv.setBigUint64(18, 10n ** 12n); dv.setUint16(26, features.length);
  return cat(b, features);
}

export interface Inv { tlv: Uint8Array; paymentHash: Uint8Array; path: BuiltPath; amount: bigint; root: Uint8Array }
export interface InvOpts {
  amount?: bigint; createdAt?: number; relExpiry?: number; nodeId?: Uint8Array; signerPriv?: Uint8Array;
  path?: BuiltPath; payinfoFeatures?: Uint8Array; features?: Uint8Array; extra?: Rec[]; invreqRecs?: Rec[]; drop?: number;
}
let invN = 0;
/** The merchant's invoice for `req`, signed with BIP-340 under invoice_node_id (default the issuer). */
export function invoice(req: Req, amount: bigint, o: InvOpts = {}, now = Math.floor(Date.now() / 1000)): Inv {
  const n = invN++;
  const paymentHash = sha256(key(`preimage ${n}`));
  const path = o.path ?? makePath(`inv ${n}`);
  let recs: Rec[] = [
    ...(o.invreqRecs ?? req.recs),
    rec(160, encodeBlindedPath(path.path)),
    rec(162, payinfo(o.payinfoFeatures)),
    rec(164, tu(o.createdAt ?? now - 60)),
    ...(o.relExpiry !== undefined ? [rec(166, tu(o.relExpiry))] : []),
    rec(168, paymentHash),
    rec(170, tu(o.amount ?? amount)),
    rec(174, o.features ?? Uint8Array.of(2, 0, 0)), // basic_mpp (17, optional)
    rec(176, o.nodeId ?? MERCHANT_ID),
    ...(o.extra ?? []),
  ];
  if (o.drop !== undefined) recs = recs.filter((r) => r.type !== BigInt(o.drop!));
  const unsigned = stream(recs);
  const root = merkleRoot(unsigned);
  const sig = secp.schnorr.sign(signatureMessage('invoice', 'signature', root), o.signerPriv ?? MERCHANT_PRIV, new Uint8Array(32));
  return { tlv: stream([...recs, rec(240, sig)]), paymentHash, path, amount, root };
}

export const SCID = Uint8Array.of(0, 0, 1, 0, 0, 2, 0, 3);
/** PEER (clear) → INTRO → DEST (blinded), delivering `amount` of `total`. */
export function route(path: BuiltPath, amount: bigint, total = amount): BlindedPaymentRoute {
  return blindedPaymentRoute({
    clearHops: [{ nodeId: PEER, shortChannelId: SCID, feeBaseMsat: 1000n, feePpm: 10n, cltvExpiryDelta: 40 }],
    path: path.path, payinfo: { ...relay, cltvExpiryDelta: 80 }, amountMsat: amount, totalAmountMsat: total, finalCltv: 800_000,
  });
}

/** The pay_invoice payload of one part. */
export function payPayload(inv: Inv, req: Req, r: BlindedPaymentRoute, partId = 0n, firstHop = r.firstAmountMsat): Uint8Array {
  return encodePayInvoice({ invoice: inv.tlv, invreqSignature: req.signature, partId, firstHopAmountMsat: firstHop, hops: r.hops });
}

// ---- the hops' side of a failure (pay_failed) ---------------------------------------

const N = secp.Point.CURVE().n;
const big = (b: Uint8Array) => BigInt('0x' + Buffer.from(b).toString('hex'));
const bytes32 = (v: bigint) => Uint8Array.from(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'));
/** The private key behind a blinded node id of a path: HMAC("blinded_node_id", ss_i) · node key. */
export function blindedPriv(path: BuiltPath, i: number, nodePriv: Uint8Array): Uint8Array {
  const tweak = big(hmac(sha256, ascii('blinded_node_id'), path.hops[i].sharedSecret));
  return bytes32((tweak * big(nodePriv)) % N);
}
/** The private keys of route()'s hops (the test made their nodes): PEER, INTRO
 *  (addressed by its own id) and DEST behind its blinded id. */
export const hopPrivs = (path: BuiltPath): Uint8Array[] => [PEER_PRIV, INTRO_PRIV, blindedPriv(path, 1, DEST_PRIV)];
/** The shared secret each hop finds, peeling the onion as the hop does (ECDH
 *  of its key with the ephemeral key it receives), layer by layer. `privs[i]`
 *  a wrong key gives that hop (and the hops after it) a wrong secret. */
export function hopSecrets(onion: Uint8Array, privs: Uint8Array[], ad: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o: Uint8Array | null = onion;
  for (const priv of privs) {
    if (!o) break;
    const p = peel(o, priv, ad);
    if (!p.ok) {
      // A wrong key: the ECDH the hop would do, with no packet to go on.
      out.push(ecdh(priv, o.subarray(1, 34)));
      break;
    }
    out.push(p.sharedSecret);
    o = p.final ? null : p.next;
  }
  return out;
}
/** What the route returns: hop `erring` makes the failure with its secret
 *  (createFailureOnion), each hop before it wraps it with its own. */
export function failureAt(secrets: Uint8Array[], erring: number, failuremsg: Uint8Array): Uint8Array {
  let pkt = createFailureOnion(secrets[erring], failuremsg);
  for (let j = erring - 1; j >= 0; j--) pkt = wrapFailureOnion(secrets[j], pkt);
  return pkt;
}
