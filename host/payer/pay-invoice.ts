// `pay` reads a BOLT 12 invoice as a payer must before anything leaves
// (BOLT 12 "Invoices", reader rules; cln-rpc-digest §1.19, §1.20): the TLV
// stream and every mandatory field, the signature under invoice_node_id, the
// chain, expiry, non-empty paths with one payinfo each, no unknown even
// feature. Then the invoice_request it answers must be one of ours: its
// signature (which the invoice does not carry) is looked up by invreq_id in
// the store (fetchinvoice's payer_requests, or our own invoicerequest's
// signed lnr1…), because the device binds the payment to a request it signed
// (DESIGN-issue12 PAY_RULE_OURS) and needs that signature.
import { bytesToHex } from '@noble/hashes/utils.js';
import { decodeBolt12String, invoiceProblems, invreqId, offerId, parseTlvMessage, signatureProblem,
  DEFAULT_RELATIVE_EXPIRY, KNOWN_PAYINFO_FEATURES, type BlindedPath, type BlindedPayinfo, type Invoice } from '../bolt12/index.js';
import { unknownEvenFeature } from '../bolt12/rules.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';
import type { Store } from '../store/index.js';

/** CLN pay: 207 PAY_INVOICE_EXPIRED (data: now, expiry). */
export const PAY_INVOICE_EXPIRED = 207;

export interface PayablePath {
  /** Index in invoice_paths. */
  index: number;
  path: BlindedPath;
  payinfo: BlindedPayinfo;
}

export interface PayableInvoice {
  /** The lni1… string as given (lower case). */
  text: string;
  /** The signed invoice TLV stream (what the device gets). */
  bytes: Uint8Array;
  invoice: Invoice;
  paymentHash: string;
  /** invoice_amount. */
  amountMsat: bigint;
  /** invoice_node_id (hex): the `destination`. */
  nodeId: string;
  createdAt: bigint;
  expiresAt: bigint;
  /** Paths whose payinfo has no unknown even feature (BOLT 12: MUST NOT use the others). */
  paths: PayablePath[];
  /** invoice_features bit 16/17 (basic_mpp): may be paid in several parts. */
  mpp: boolean;
  invreqId: string;
  offerId?: string;
  description?: string;
}

const lower = (s: string) => s.toLowerCase().replace(/^lightning:/, '');
const bad = (why: string): never => {
  throw new RpcError(ErrorCode.INVALID_PARAMS, `Invalid bolt12 invoice: ${why}`);
};

/** BOLT 9: is bit `bit` (or its pair) set in the feature bitmap? */
export function hasFeature(features: Uint8Array | undefined, bit: number): boolean {
  if (!features) return false;
  const n = features.length;
  for (const b of [bit & ~1, bit | 1]) {
    const byte = n - 1 - (b >> 3);
    if (byte >= 0 && (features[byte] >> (b & 7)) & 1) return true;
  }
  return false;
}

/**
 * Decodes and checks `invstring` as a payer (throws CLN-shaped errors: -32602
 * for an unreadable or invalid invoice, 207 once it has expired).
 */
export function readPayableInvoice(invstring: string, opts: { now: number; chain: Uint8Array }): PayableInvoice {
  const text = lower(invstring);
  let bytes: Uint8Array;
  try {
    const d = decodeBolt12String(text);
    if (d.prefix !== 'lni') bad(`expected an invoice (lni1...), got ${d.prefix}1...`);
    bytes = d.bytes;
  } catch (e) {
    if (e instanceof RpcError) throw e;
    return bad((e as Error).message);
  }
  let inv: Invoice;
  try {
    inv = parseTlvMessage('invoice', bytes);
  } catch (e) {
    return bad((e as Error).message);
  }
  const f = inv.fields;
  // BOLT 12 reader: mandatory fields, chain, features, paths and payinfo count.
  // (An empty path mirrored from the offer or request is only a decode warning; anything else is fatal to a payer,
  // e.g. a recurring invoice without invoice_recurrence_basetime.)
  const problems = invoiceProblems(inv, { chains: [opts.chain] }).filter((p) => p.warning !== 'warning_empty_blinded_path');
  if (problems.length) bad(problems[0].message);
  // BOLT 12: MUST reject the invoice if `signature` is not a valid signature using `invoice_node_id`.
  const sigWhy = signatureProblem(inv);
  if (sigWhy) bad(sigWhy);
  // BOLT 12: MUST reject the invoice if the current time is greater than created_at + relative_expiry (7200).
  const createdAt = f.invoice_created_at!;
  const expiresAt = createdAt + BigInt(f.invoice_relative_expiry ?? DEFAULT_RELATIVE_EXPIRY);
  if (BigInt(opts.now) > expiresAt) {
    throw new RpcError(PAY_INVOICE_EXPIRED, 'Invoice expired', { now: opts.now, expiry: Number(expiresAt) });
  }
  // BOLT 12: MUST NOT use a path whose payinfo has unknown even features; none left ⇒ reject.
  const paths: PayablePath[] = [];
  f.invoice_paths!.forEach((path, index) => {
    const payinfo = f.invoice_blindedpay![index];
    if (unknownEvenFeature(payinfo.features, KNOWN_PAYINFO_FEATURES) === undefined) paths.push({ index, path, payinfo });
  });
  if (paths.length === 0) bad('no usable invoice_paths (unknown even payinfo features)');
  const hasOffer = inv.records.some((r) => r.type >= 1n && r.type <= 79n);
  return {
    text,
    bytes,
    invoice: inv,
    paymentHash: bytesToHex(f.invoice_payment_hash!),
    amountMsat: f.invoice_amount!,
    nodeId: bytesToHex(f.invoice_node_id!),
    createdAt,
    expiresAt,
    paths,
    // BOLT 12 invoice_features: bit 16/17 basic_mpp.
    mpp: hasFeature(f.invoice_features, 16),
    invreqId: bytesToHex(invreqId(inv.records)),
    offerId: hasOffer ? bytesToHex(offerId(inv.records)) : undefined,
    description: f.offer_description,
  };
}

/** TLV type of `signature`. */
const SIGNATURE_TYPE = 240n;

/**
 * The signature of the invoice_request `invreqId` we sent: fetchinvoice's
 * payer_requests row (table of the fetchinvoice flow, when present) or our
 * own invoicerequest/offerout lnr1… (invoice_requests). Undefined: not ours.
 */
export function invreqSignature(store: Store, invreqIdHex: string): { signature: Uint8Array; bolt12: string; source: 'payer_requests' | 'invoice_requests' } | undefined {
  const fromLnr = (bolt12: string) => {
    const { bytes } = decodeBolt12String(bolt12);
    const r = parseTlvMessage('invoice_request', bytes);
    const sig = r.records.find((x) => x.type === SIGNATURE_TYPE)?.value;
    return sig && sig.length === 64 ? sig : undefined;
  };
  const pr = store.payerRequestByInvreqId(invreqIdHex);
  const prSig = pr && fromLnr(pr.bolt12);
  if (pr && prSig) return { signature: prSig, bolt12: pr.bolt12, source: 'payer_requests' };
  const ir = store.invoiceRequests.get(invreqIdHex);
  const sig = ir && fromLnr(ir.bolt12);
  if (ir && sig) return { signature: sig, bolt12: ir.bolt12, source: 'invoice_requests' };
  return undefined;
}
