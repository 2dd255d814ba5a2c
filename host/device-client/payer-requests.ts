// Payloads of the payer requests pay_invoice and pay_failed (issue 12;
// docs/protocol.md "pay_invoice", "pay_failed"; shared/protocol.ts PAY_*),
// the host's checks of the replies, and the sentences of ERR_PAY_RULE.
// The device checks everything that matters (docs/firmware/payer.md); the
// host checks what it can of a reply before using it: the onion's size,
// version and ephemeral key, the part ref; the decoded failure's hop and
// length. No shared secret of a BOLT 12 part ever reaches the host: a
// failure is handed back as the node's onionreply and decoded by the device.
import * as P from '../../shared/protocol.js';
import { isValidPoint } from '../bolt12/wire.js';
import { fieldName } from '../bolt12/tlv-types.js';

export interface PayInvoicePart {
  /** The signed invoice TLV stream (with its signature 240). */
  invoice: Uint8Array;
  /** The signature of the invoice_request we sent (the invoice does not carry it). */
  invreqSignature: Uint8Array;
  partId: bigint;
  /** The HTLC amount offered to the first hop. */
  firstHopAmountMsat: bigint;
  /** The whole route, clear hops then the blinded tail: node id (blinded
   *  node id inside the path after the introduction node) and the hop's
   *  payload WITH its BigSize length prefix (createonion / OnionHop form). */
  hops: { pubkey: Uint8Array; payload: Uint8Array }[];
}

export interface BuiltPart {
  /** The 1366-byte onion_routing_packet (send it with sendonion WITHOUT
   *  shared_secrets: lightningd then returns failures as 202 + onionreply). */
  onion: Uint8Array;
  /** The device's name for this part (16 bytes: the first half of its part key). */
  partRef: Uint8Array;
}

export interface PartFailure {
  /** Index of the hop (in the route given to payInvoice) that returned the
   *  failure: 0 = our first peer. */
  erringIndex: number;
  /** BOLT 4 failure code (u16; the first 2 bytes of failureMessage, 0 when shorter). */
  failcode: number;
  /** The decrypted BOLT 4 failuremsg: failcode u16be ‖ data (e.g. a channel_update). */
  failureMessage: Uint8Array;
}

const cat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};

/** BigSize length prefix of a hop's data: [value, prefix bytes], or undefined when malformed. */
function lengthPrefix(b: Uint8Array): [number, number] | undefined {
  if (b.length < 1) return undefined;
  const f = b[0];
  if (f < 0xfd) return [f, 1];
  if (f === 0xfd && b.length >= 3) { const v = (b[1] << 8) | b[2]; return v >= 0xfd ? [v, 3] : undefined; }
  return undefined; // > 65535 bytes cannot fit an onion
}

/** pay_invoice payload: flags 0 | hops | partid | first-hop amount | invreq
 *  signature | invoice length u16le | invoice | per hop node id ‖ hop data. */
export function encodePayInvoice(p: PayInvoicePart): Uint8Array {
  if (p.hops.length < 1 || p.hops.length > P.ONION_MAX_HOPS) throw new RangeError(`pay_invoice needs 1..${P.ONION_MAX_HOPS} hops`);
  if (p.invreqSignature.length !== 64) throw new RangeError('the invreq signature must be 64 bytes');
  if (p.invoice.length > 0xffff) throw new RangeError('invoice too long');
  for (const [i, hp] of p.hops.entries()) {
    if (hp.pubkey.length !== 33) throw new RangeError(`hop ${i}: node id must be 33 bytes`);
    const lp = lengthPrefix(hp.payload);
    if (!lp || lp[0] !== hp.payload.length - lp[1]) throw new RangeError(`hop ${i}: payload must carry its BigSize length prefix`);
  }
  const head = new Uint8Array(P.PAY_OFF_INVOICE);
  const dv = new DataView(head.buffer);
  head[P.PAY_OFF_FLAGS] = 0;
  head[P.PAY_OFF_HOPS] = p.hops.length;
  dv.setBigUint64(P.PAY_OFF_PARTID, BigInt.asUintN(64, p.partId), true);
  dv.setBigUint64(P.PAY_OFF_FIRST_AMOUNT, BigInt.asUintN(64, p.firstHopAmountMsat), true);
  head.set(p.invreqSignature, P.PAY_OFF_INVREQ_SIG);
  dv.setUint16(P.PAY_OFF_INVOICE_LEN, p.invoice.length, true);
  return cat([head, p.invoice, ...p.hops.flatMap((hp) => [hp.pubkey, hp.payload])]);
}

/** The inverse of encodePayInvoice (a payload the host stored: pay_failed sends it back). */
export function decodePayInvoice(b: Uint8Array): PayInvoicePart {
  if (b.length < P.PAY_OFF_INVOICE) throw new RangeError('pay_invoice payload too short');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = b[P.PAY_OFF_HOPS];
  const invLen = dv.getUint16(P.PAY_OFF_INVOICE_LEN, true);
  let o = P.PAY_OFF_INVOICE + invLen;
  if (o > b.length) throw new RangeError('pay_invoice payload: invoice cut short');
  const hops: PayInvoicePart['hops'] = [];
  for (let i = 0; i < n; i++) {
    const lp = o + 33 <= b.length ? lengthPrefix(b.subarray(o + 33)) : undefined;
    if (!lp || o + 33 + lp[1] + lp[0] > b.length) throw new RangeError(`pay_invoice payload: hop ${i} cut short`);
    hops.push({ pubkey: b.slice(o, o + 33), payload: b.slice(o + 33, o + 33 + lp[1] + lp[0]) });
    o += 33 + lp[1] + lp[0];
  }
  if (o !== b.length) throw new RangeError('pay_invoice payload: bytes after the hops');
  return {
    invoice: b.slice(P.PAY_OFF_INVOICE, P.PAY_OFF_INVOICE + invLen), invreqSignature: b.slice(P.PAY_OFF_INVREQ_SIG, P.PAY_OFF_INVREQ_SIG + 64),
    partId: dv.getBigUint64(P.PAY_OFF_PARTID, true), firstHopAmountMsat: dv.getBigUint64(P.PAY_OFF_FIRST_AMOUNT, true), hops,
  };
}

/** Checks a pay_invoice reply: onion[1366] | part ref[16]. */
export function decodePayInvoiceReply(reply: Uint8Array): BuiltPart {
  const want = P.ONION_PACKET_SIZE + P.PAY_PART_REF_SIZE;
  if (reply.length !== want) throw new Error(`pay_invoice reply of ${reply.length} bytes (want ${want})`);
  const onion = reply.slice(0, P.ONION_PACKET_SIZE);
  if (onion[0] !== 0) throw new Error(`pay_invoice reply: onion version ${onion[0]}`);
  if (!isValidPoint(onion.subarray(1, 34))) throw new Error('pay_invoice reply: the onion ephemeral key is not a point');
  return { onion, partRef: reply.slice(P.ONION_PACKET_SIZE) };
}

/** pay_failed payload: the pay_invoice payload exactly as sent (the device
 *  recomputes the part from it) | onionreply length u16le | onionreply. */
export function encodePayFailed(part: PayInvoicePart, onionreply: Uint8Array): Uint8Array {
  if (onionreply.length > 0xffff) throw new RangeError('onionreply too long');
  const len = new Uint8Array(2);
  new DataView(len.buffer).setUint16(0, onionreply.length, true);
  return cat([encodePayInvoice(part), len, onionreply]);
}

/** Checks a pay_failed reply: erring hop index u8 | failure message length
 *  u16le | failure message (failcode u16be ‖ data). */
export function decodePayFailedReply(reply: Uint8Array, hops: number): PartFailure {
  if (reply.length < P.PAYFAIL_REPLY_OFF_MSG) throw new Error(`pay_failed reply of ${reply.length} bytes`);
  const hop = reply[P.PAYFAIL_REPLY_OFF_HOP];
  if (hop >= hops) throw new Error(`pay_failed reply: erring hop ${hop} of a ${hops}-hop route`);
  const mlen = reply[P.PAYFAIL_REPLY_OFF_LEN] | (reply[P.PAYFAIL_REPLY_OFF_LEN + 1] << 8);
  if (reply.length !== P.PAYFAIL_REPLY_OFF_MSG + mlen) throw new Error(`pay_failed reply of ${reply.length} bytes for a ${mlen}-byte failure message`);
  const failureMessage = reply.slice(P.PAYFAIL_REPLY_OFF_MSG);
  const failcode = mlen >= 2 ? (failureMessage[0] << 8) | failureMessage[1] : 0;
  return { erringIndex: hop, failcode, failureMessage };
}

// ---- ERR_PAY_RULE sentences ----------------------------------------------------------

export const PAY_RULE_SENTENCES: Readonly<Record<number, string>> = {
  [P.PAY_RULE_PARSE]: 'the invoice does not parse strictly as a signed BOLT 12 invoice with paths, payinfo, created_at, payment hash, amount and node id',
  [P.PAY_RULE_SIGNATURE]: "the invoice's signature does not verify under invoice_node_id",
  [P.PAY_RULE_OURS]: 'the invoice does not answer an invoice_request this device signed (payer key or invreq signature)',
  [P.PAY_RULE_SIGNER]: 'the invoice is not signed by the offer issuer (offer_issuer_id or the final node of an offer path)',
  [P.PAY_RULE_AMOUNT]: 'the amount is not the one requested (invreq_amount, offer amount × quantity, or the route total)',
  [P.PAY_RULE_EXPIRED]: 'the invoice has expired (or the device clock is not set)',
  [P.PAY_RULE_PATH]: "the route's blinded tail is not one of the invoice's paths, or they need features the device does not know",
  [P.PAY_RULE_ONCE]: 'the invoice is already paid or being paid (its live parts would exceed its amount)',
  [P.PAY_RULE_PERIOD]: 'another invoice was already paid for this recurrence period or this invoice request',
  [P.PAY_RULE_LOG_FULL]: "the device's pay log is full (nothing old enough to drop)",
  [P.PAY_RULE_FAILURE]: 'the failure is not one of a live part of this device (unknown part, or the failure onion does not verify at any hop)',
};

const FAILURE_REASON: Readonly<Record<number, string>> = { 1: 'unknown part', 3: 'failure onion does not verify' };
/** PAY_RULE_PERIOD reasons (detail >> 8): 0 the recurrence period, PAY_PERIOD_REQUEST the invoice_request. */
const PERIOD_REASON: Readonly<Record<number, string>> = {
  0: 'another invoice was already paid for this recurrence period',
  [P.PAY_PERIOD_REQUEST]: 'another invoice was already paid for this invoice request (a one-off request for an offer takes one invoice: a second one, e.g. with another payment hash, is not paid)',
};

/** "pay rule 8: the invoice is already paid …", with the field, hop or reason the detail names. */
export function payRuleSentence(detail: number): string {
  const rule = detail & 0xff;
  const arg = detail >>> 8;
  if (rule === P.PAY_RULE_PERIOD) return `pay rule ${rule}: ${PERIOD_REASON[arg] ?? `${PAY_RULE_SENTENCES[rule]} (reason ${arg})`}`;
  const text = PAY_RULE_SENTENCES[rule] ?? 'unknown rule';
  let where = '';
  if (rule === P.PAY_RULE_FAILURE) where = arg ? ` (${FAILURE_REASON[arg] ?? `reason ${arg}`})` : '';
  else if (rule === P.PAY_RULE_PATH && arg < P.ONION_MAX_HOPS) where = ` (hop ${arg})`;
  else if (arg) where = ` (${fieldName(BigInt(arg)) ?? `type ${arg}`})`;
  return `pay rule ${rule}: ${text}${where}`;
}
