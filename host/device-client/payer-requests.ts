// Payloads of the payer requests pay_invoice and pay_failed (issue 12;
// docs/protocol.md "pay_invoice", "pay_failed"; shared/protocol.ts PAY_*),
// the host's checks of the replies, and the sentences of ERR_PAY_RULE.
// The device checks everything that matters (docs/firmware/payer.md); the
// host checks what it can of a reply before using it: the onion's size,
// version and ephemeral key, one shared secret per hop, the part ref.
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
  /** The 1366-byte onion_routing_packet. */
  onion: Uint8Array;
  /** One per hop, route order (what pay_failed and the failure decoding need). */
  sharedSecrets: Uint8Array[];
  /** The device's name for this part (16 bytes): pay_failed's handle. */
  partRef: Uint8Array;
}

export interface PartFailure {
  /** Index of the hop that returned the failure (0 = our first peer). */
  erringIndex: number;
  /** BOLT 4 failure code (u16). */
  failcode: number;
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

/** Checks a pay_invoice reply: onion[1366] | secret[32] per hop | part ref[16]. */
export function decodePayInvoiceReply(reply: Uint8Array, hops: number): BuiltPart {
  const want = P.ONION_PACKET_SIZE + 32 * hops + P.PAY_PART_REF_SIZE;
  if (reply.length !== want) throw new Error(`pay_invoice reply of ${reply.length} bytes for ${hops} hops (want ${want})`);
  const onion = reply.slice(0, P.ONION_PACKET_SIZE);
  if (onion[0] !== 0) throw new Error(`pay_invoice reply: onion version ${onion[0]}`);
  if (!isValidPoint(onion.subarray(1, 34))) throw new Error('pay_invoice reply: the onion ephemeral key is not a point');
  const sharedSecrets = Array.from({ length: hops }, (_, i) => reply.slice(P.ONION_PACKET_SIZE + 32 * i, P.ONION_PACKET_SIZE + 32 * (i + 1)));
  return { onion, sharedSecrets, partRef: reply.slice(want - P.PAY_PART_REF_SIZE) };
}

/** pay_failed payload: part ref | hop count | secrets | failure onion. */
export function encodePayFailed(partRef: Uint8Array, sharedSecrets: Uint8Array[], failureOnion: Uint8Array): Uint8Array {
  if (partRef.length !== P.PAY_PART_REF_SIZE) throw new RangeError(`the part ref must be ${P.PAY_PART_REF_SIZE} bytes`);
  if (sharedSecrets.length < 1 || sharedSecrets.length > P.ONION_MAX_HOPS) throw new RangeError(`pay_failed needs 1..${P.ONION_MAX_HOPS} shared secrets`);
  if (sharedSecrets.some((s) => s.length !== 32)) throw new RangeError('shared secrets are 32 bytes each');
  return cat([partRef, Uint8Array.of(sharedSecrets.length), ...sharedSecrets, failureOnion]);
}

/** Checks a pay_failed reply: erring hop index u8 | failure code u16be. */
export function decodePayFailedReply(reply: Uint8Array, hops: number): PartFailure {
  if (reply.length !== P.PAYFAIL_REPLY_SIZE) throw new Error(`pay_failed reply of ${reply.length} bytes`);
  if (reply[0] >= hops) throw new Error(`pay_failed reply: erring hop ${reply[0]} of a ${hops}-hop route`);
  return { erringIndex: reply[0], failcode: (reply[1] << 8) | reply[2] };
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
  [P.PAY_RULE_PERIOD]: 'another invoice was already paid for this recurrence period',
  [P.PAY_RULE_LOG_FULL]: "the device's pay log is full (nothing old enough to drop)",
  [P.PAY_RULE_FAILURE]: 'the failure is not one of a live part of this device (unknown part, wrong secrets, or the failure onion does not verify)',
};

const FAILURE_REASON: Readonly<Record<number, string>> = { 1: 'unknown part', 2: 'secrets do not match', 3: 'failure onion does not verify' };

/** "pay rule 8: the invoice is already paid …", with the field, hop or reason the detail names. */
export function payRuleSentence(detail: number): string {
  const rule = detail & 0xff;
  const arg = detail >>> 8;
  const text = PAY_RULE_SENTENCES[rule] ?? 'unknown rule';
  let where = '';
  if (rule === P.PAY_RULE_FAILURE) where = arg ? ` (${FAILURE_REASON[arg] ?? `reason ${arg}`})` : '';
  else if (rule === P.PAY_RULE_PATH && arg < P.ONION_MAX_HOPS) where = ` (hop ${arg})`;
  else if (arg) where = ` (${fieldName(BigInt(arg)) ?? `type ${arg}`})`;
  return `pay rule ${rule}: ${text}${where}`;
}
