// sendinvoice (issue 12 item 4; cln-offers-flow-digest §4.6, cln-rpc-digest
// §1.12): someone gave us an `lnr1…` (an invoice_request not based on an
// offer: a refund, an ATM withdrawal); we answer with an invoice only the
// device can sign, send it by onion message and wait to be paid.
//
//   1. the request is checked as Core Lightning's `param_invreq` does
//      (checkBareInvoiceRequest, in the command's parameter parser);
//   2. recurring ⇒ -32602 "FIXME: handle recurring invreq?"; a label in use ⇒
//      900 "Duplicate label";
//   3. the device's payment_hash (0x25) gives the payment hash and path_id for
//      this request, created_at and amount (its no-offer preimage); the
//      invoice copies the request's ranges, adds CLN's stub path [us] (what
//      createinvoice adds when sendinvoice gives no invoice_paths), created_at,
//      relative expiry = timeout (omitted at 7200), the hash, amount, features
//      and invoice_node_id = our node id; the device's sign_invoice signs it
//      (rules 1, 2, 12, 4-9) and the host re-checks the signature with @noble;
//   4. it is stored in the invoices table (no local_offer_id), so
//      listinvoices / waitinvoice show it and the merchant's htlc_accepted
//      settlement (host/merchant/settle.ts) releases the preimage on payment;
//   5. it is sent with a reply path [us] of our own (path_id = a fresh random
//      32-byte secret, watched by ./sendinvoice-flow.ts) along each
//      invreq_paths entry in turn, else straight to invreq_payer_id,
//      connecting to the first node when it is not a peer;
//   6. the result is waitinvoice's once paid; an invoice_error through our
//      reply path ⇒ 1004 "Remote node sent failure message"; `timeout`
//      seconds after sending ⇒ 1005 "Failed: timeout waiting for response"
//      with data.invstring.
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import {
  BITCOIN_CHAIN_HEX, DEFAULT_RELATIVE_EXPIRY, INVREQ_RANGES, TLV, decodeBolt12String, encodeBolt12String, encodeFieldValue, encodeTlvStream, inRanges,
  isSignatureType, merkleRoot, parseInvoice, parseTlvMessage, readTlvRecords, signatureMessage, verifyBolt12Signature,
  type BlindedPath, type InvoiceRequest, type TlvEntry,
} from '../bolt12/index.js';
import { unknownEvenFeature } from '../bolt12/rules.js';
import { KNOWN_INVREQ_FEATURES } from '../bolt12/invoice-request.js';
import { buildBlindedPath, buildOnionMessage, randomSessionKey, type OnionMessagePayload } from '../blinding/index.js';
import { secp } from '../crypto/noble.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';
import type { LightningRpcClient } from '../node/client.js';
import type { InvoiceRecord, Store } from '../store/index.js';
import { invoiceEntry } from '../commands/invoice-format.js';
import { DeviceRuleError, type MerchantDevicePort } from '../merchant/device-port.js';
import { INVOICE_FEATURES } from '../merchant/invreq.js';
import { awaitReplySecret } from './sendinvoice-flow.js';

/** Core Lightning's error codes of sendinvoice (common/jsonrpc_errors.h). */
export const OFFER_EXPIRED = 1002;
export const OFFER_ROUTE_NOT_FOUND = 1003;
export const OFFER_BAD_INVREQ_REPLY = 1004;
export const OFFER_TIMEOUT = 1005;
export const INVOICE_LABEL_ALREADY_EXISTS = 900;
/** The longest relative expiry the device signs (its rule 8: 7 days). */
export const MAX_TIMEOUT = 604800;

/**
 * Core Lightning's `param_invreq` checks of sendinvoice's `invreq`, in its
 * order; the string is the reason for the -32602 (undefined: usable). The
 * request is returned parsed.
 */
export function checkBareInvoiceRequest(text: string, chainHex: string): { req: InvoiceRequest; bytes: Uint8Array } | string {
  let req: InvoiceRequest;
  let bytes: Uint8Array;
  try {
    // bech32 `lnr`, BOLT 1 framing, no unknown even type.
    const d = decodeBolt12String(text);
    if (d.prefix !== 'lnr') return `Unparsable invoice_request: not an invoice_request (${d.prefix}1…)`;
    bytes = d.bytes;
    req = parseTlvMessage('invoice_request', bytes);
  } catch (e) {
    return `Unparsable invoice_request: ${(e as Error).message}`;
  }
  const f = req.fields;
  // BOLT 12 reader: invreq_chain (absent: bitcoin) must be a chain we support.
  const chain = f.invreq_chain ? bytesToHex(f.invreq_chain) : BITCOIN_CHAIN_HEX;
  if (chain !== chainHex) return `Unparsable invoice_request: invreq_chain ${chain} is not ours`;
  // BOLT 12 reader: invreq_payer_id and invreq_metadata present.
  if (!f.invreq_payer_id) return 'Missing invreq_payer_id';
  if (!f.invreq_metadata) return 'Missing invreq_metadata';
  // BOLT 12 reader: no non-signature field outside 0..159 and 1000000000..2999999999.
  if (req.records.some((r) => !isSignatureType(r.type) && !inRanges(r.type, INVREQ_RANGES))) return 'Invalid high-numbered fields';
  // BOLT 12 reader: unknown even invreq_features bit ⇒ fail.
  const bit = unknownEvenFeature(f.invreq_features, KNOWN_INVREQ_FEATURES);
  if (bit !== undefined) return `unknown feature ${bit}`;
  // BOLT 12 reader: the signature is valid under invreq_payer_id.
  if (!f.signature) return 'Missing signature';
  if (!verifyBolt12Signature('invoice_request', req.records, f.invreq_payer_id, f.signature)) return 'Invalid signature';
  // Requests for offers are answered by the merchant flow, never by hand.
  if (f.offer_issuer_id || f.offer_paths) return 'This is based on an offer?';
  // BOLT 12 reader, not a response to our offer: no offer_chains, offer_features,
  // offer_quantity_max; invreq_amount present (the device's rule 12).
  if (f.offer_chains) return 'Unexpected offer_chains';
  if (f.offer_features) return 'Unexpected offer_features';
  if (f.offer_quantity_max !== undefined) return 'Unexpected offer_quantity_max';
  if (f.invreq_amount === undefined) return 'Missing invreq_amount';
  return { req, bytes };
}

export interface SendInvoiceEnv {
  store: Store;
  port: MerchantDevicePort;
  /** Our node: the invoice's node id and the end of its payment path and our reply path. */
  nodeId(): Promise<Uint8Array>;
  lightning: LightningRpcClient;
  now(): number;
  /** CLN's cltv_final (18 mainnet, 10 elsewhere): the stub path's payinfo delta. */
  cltvFinal: number;
  randomBytes?: (n: number) => Uint8Array;
  log?: (m: string) => void;
}

export interface SendInvoiceParams {
  req: InvoiceRequest;
  /** The signed request as given (its TLV stream with signature 240). */
  bytes: Uint8Array;
  label: string;
  amountMsat?: bigint;
  /** Seconds (CLN default 90): the wait after sending, and the invoice's relative expiry. */
  timeout: number;
}

const eqb = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
const fail = (code: number, message: string, data?: unknown): never => { throw new RpcError(code, message, data); };

/** invoice_error (BOLT 12: 1 erroneous_field, 3 suggested_value, 5 error) as CLN reports it in 1004's data. */
export function invoiceErrorData(hex: string): Record<string, unknown> {
  try {
    const recs = readTlvRecords(hexToBytes(hex));
    const get = (t: bigint) => recs.find((r) => r.type === t)?.value;
    const field = get(1n);
    const suggested = get(3n);
    const error = get(5n);
    return {
      ...(field ? { erroneous_field: Number(field.reduce((a, x) => (a << 8n) | BigInt(x), 0n)) } : {}),
      ...(suggested ? { suggested_value: bytesToHex(suggested) } : {}),
      error: error ? new TextDecoder('utf-8', { fatal: true }).decode(error) : '',
    };
  } catch {
    return { invoice_error_hex: hex };
  }
}

/** The stub payment path CLN's createinvoice adds when none is given (§3.8 step 2): [us], path_id, e0 random. */
function stubPath(us: Uint8Array, pathId: Uint8Array, cltvFinal: number) {
  const e0 = randomSessionKey();
  const built = buildBlindedPath([{ nodeId: us, data: { pathId } }], { sessionKey: e0 });
  return {
    path: built.path,
    payinfo: { feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: cltvFinal, htlcMinimumMsat: 0n, htlcMaximumMsat: 2_100_000_000_000_000_000n, features: new Uint8Array(0) },
    proof: { e0, nodeIds: [us] },
  };
}

/** Builds, has the device sign, re-checks and stores the invoice; returns its record and signed bytes. */
export async function makeInvoice(env: SendInvoiceEnv, p: SendInvoiceParams): Promise<{ record: InvoiceRecord; invoice: Uint8Array }> {
  const f = p.req.fields;
  // CLN: recurrence is refused after the invoice is built, before createinvoice.
  if (f.offer_recurrence_compulsory !== undefined || f.offer_recurrence_optional !== undefined) {
    fail(ErrorCode.INVALID_PARAMS, 'FIXME: handle recurring invreq?');
  }
  const existing = env.store.invoices.byLabel(p.label);
  if (existing) fail(INVOICE_LABEL_ALREADY_EXISTS, 'Duplicate label', invoiceEntry(existing));
  const invreqAmount = f.invreq_amount!;
  const amount = p.amountMsat ?? invreqAmount;
  // BOLT 12 writer: invoice_amount = invreq_amount (its reader refuses any
  // other); the device signs nothing else (its rule 6). CLN accepts another
  // amount_msat here; we refuse it before asking the device.
  if (amount !== invreqAmount || amount === 0n) {
    fail(ErrorCode.INVALID_PARAMS, `amount_msat: must be invreq_amount (${invreqAmount}msat): BOLT 12 payers refuse an invoice for another amount, and the device signs none`);
  }
  const now = env.now();
  // The device's rule 8: it answers no expired request.
  if (f.offer_absolute_expiry !== undefined && BigInt(now) >= f.offer_absolute_expiry) fail(OFFER_EXPIRED, 'Offer expired');
  const us = await env.nodeId();
  const copied: TlvEntry[] = readTlvRecords(p.bytes)
    .filter((r) => inRanges(r.type, INVREQ_RANGES))
    .map((r) => ({ type: r.type, value: r.value }));
  const deviceFail = (e: unknown): never => {
    if (e instanceof DeviceRuleError) fail(ErrorCode.LIGHTNINGD, e.message);
    throw e;
  };
  // The payment hash depends on created_at and amount (the device's no-offer
  // preimage): a hash already stored (this request answered in this same
  // second for this amount) moves created_at on by a second.
  let createdAt = now - 1;
  let ids: { paymentHash: Uint8Array; pathId: Uint8Array } | undefined;
  for (let i = 0; !ids; i++) {
    if (i === 5) fail(ErrorCode.LIGHTNINGD, 'this invoice_request was answered too often in the last seconds');
    createdAt++;
    const withInputs = encodeTlvStream([
      ...readTlvRecords(p.bytes).map((r) => ({ type: r.type, value: r.value })),
      { type: TLV.invoice_created_at, value: encodeFieldValue('invoice_created_at', BigInt(createdAt)) },
      { type: TLV.invoice_amount, value: encodeFieldValue('invoice_amount', amount) },
    ].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0)));
    const got = await env.port.invoiceIds(withInputs).catch(deviceFail);
    if (!env.store.invoices.byHash(bytesToHex(got.paymentHash))) ids = got;
  }
  const pp = stubPath(us, ids!.pathId, env.cltvFinal);
  const own: TlvEntry[] = [
    { type: TLV.invoice_paths, value: encodeFieldValue('invoice_paths', [pp.path]) },
    { type: TLV.invoice_blindedpay, value: encodeFieldValue('invoice_blindedpay', [pp.payinfo]) },
    { type: TLV.invoice_created_at, value: encodeFieldValue('invoice_created_at', BigInt(createdAt)) },
    { type: TLV.invoice_payment_hash, value: ids!.paymentHash },
    { type: TLV.invoice_amount, value: encodeFieldValue('invoice_amount', amount) },
    { type: TLV.invoice_features, value: INVOICE_FEATURES },
    { type: TLV.invoice_node_id, value: us },
  ];
  // BOLT 12 writer (CLN: relative expiry = timeout when it is not 7200).
  if (p.timeout !== DEFAULT_RELATIVE_EXPIRY) {
    own.push({ type: TLV.invoice_relative_expiry, value: encodeFieldValue('invoice_relative_expiry', p.timeout) });
  }
  const unsigned = encodeTlvStream([...copied, ...own].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0)));
  const signed = await env.port.signInvoice({ invreqSignature: f.signature!, paths: [pp.proof], invoice: unsigned }).catch(deviceFail);
  // @noble re-check before anything is stored or sent: our node key signed this stream's root.
  const root = merkleRoot(unsigned);
  if (!eqb(root, signed.merkleRoot) || !eqb(signed.publicKey, us)
    || !secp.schnorr.verify(signed.signature, signatureMessage('invoice', 'signature', root), us.subarray(1))) {
    fail(ErrorCode.LIGHTNINGD, 'device signature does not verify');
  }
  const invoice = encodeTlvStream([...readTlvRecords(unsigned).map((r) => ({ type: r.type, value: r.value })), { type: TLV.signature, value: signed.signature }]);
  const inv = parseInvoice(invoice); // the whole codec's reader rules
  if (!verifyBolt12Signature('invoice', inv.records, inv.fields.invoice_node_id!, inv.fields.signature!)) fail(ErrorCode.LIGHTNINGD, 'invoice signature does not verify');
  const { record, created } = env.store.invoices.insertOrGet({
    label: p.label,
    bolt12: encodeBolt12String('lni', invoice),
    paymentHash: bytesToHex(ids!.paymentHash),
    pathId: bytesToHex(ids!.pathId),
    amountMsat: amount,
    description: f.offer_description,
    createdAt,
    relativeExpiry: p.timeout,
    invreqPayerNote: f.invreq_payer_note,
    keyMode: 'node',
  });
  if (!created) fail(INVOICE_LABEL_ALREADY_EXISTS, 'Duplicate label', invoiceEntry(record));
  return { record, invoice };
}

/** Sends `payload` along `path` (§6.5): our node first, then its introduction node (connected first if needed). */
async function sendAlong(l: LightningRpcClient, us: Uint8Array, path: BlindedPath, payload: OnionMessagePayload): Promise<void> {
  const intro = 'pubkey' in path.firstNodeId ? path.firstNodeId.pubkey : undefined;
  if (!intro) throw new Error('path names its introduction node by scid: not resolved (no gossip here)');
  const self = eqb(intro, us);
  const built = buildOnionMessage({ route: self ? [us] : [us, intro], path, payload });
  const send = () => l.injectonionmessage({ path_key: bytesToHex(built.message.pathKey), message: bytesToHex(built.message.packet) });
  try {
    await send();
  } catch (e) {
    if (self) throw e;
    // §4.6 step 4 / §3.9: not a peer yet ⇒ connect to it directly.
    await l.connectPeer(bytesToHex(intro));
    await send();
  }
}

/** The whole command: make, store, send, wait (see the top of this file). */
export async function sendInvoice(env: SendInvoiceEnv, p: SendInvoiceParams): Promise<Record<string, unknown>> {
  const { record, invoice } = await makeInvoice(env, p);
  const f = p.req.fields;
  const us = await env.nodeId();
  const replySecret = (env.randomBytes ?? ((n: number) => Uint8Array.from(nodeRandomBytes(n))))(32);
  const replyPath = buildBlindedPath([{ nodeId: us, data: { pathId: replySecret } }]).path;
  const invoices = env.store.invoices;
  let stopReply = () => {};
  let onPaid: (r: InvoiceRecord) => void = () => {};
  let timer: NodeJS.Timeout | undefined;
  try {
    // Remembered before sending: the reply (or the payment) can race the injection.
    const outcome = new Promise<Record<string, unknown>>((resolve, reject) => {
      onPaid = (r) => { if (r.label === p.label) resolve(invoiceEntry(r)); };
      invoices.events.on('paid', onPaid);
      stopReply = awaitReplySecret(replySecret, (om) => {
        // §4.4: an invoice_error through our reply path ends the command with 1004.
        if (typeof om.invoice_error === 'string') reject(new RpcError(OFFER_BAD_INVREQ_REPLY, 'Remote node sent failure message', invoiceErrorData(om.invoice_error)));
        else env.log?.(`sendinvoice ${p.label}: reply without invoice_error ignored`);
      });
    });
    // An invoice_error may arrive while we are still sending: handled by the race below, never "unhandled".
    outcome.catch(() => {});
    // §4.6 step 4 (BOLT 12: MUST use invreq_paths if present, else invreq_payer_id).
    const targets: BlindedPath[] = f.invreq_paths?.length ? f.invreq_paths : [buildBlindedPath([{ nodeId: f.invreq_payer_id!, data: {} }]).path];
    const tried: string[] = [];
    let sent = false;
    for (const path of targets) {
      try {
        await sendAlong(env.lightning, us, path, { invoice, replyPath });
        sent = true;
        break;
      } catch (e) {
        const who = 'pubkey' in path.firstNodeId ? bytesToHex(path.firstNodeId.pubkey) : 'an scid';
        tried.push(who);
        env.log?.(`sendinvoice ${p.label}: cannot send to ${who}: ${(e as Error).message}`);
      }
    }
    if (!sent) fail(OFFER_ROUTE_NOT_FOUND, `Failed: could not route or connect directly to ${tried.join(', ')}`);
    // Paid while we were sending.
    const now = invoices.byLabel(p.label);
    if (now?.status === 'paid') return invoiceEntry(now);
    // §4.6 step 4: the timer starts after the injection.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RpcError(OFFER_TIMEOUT, 'Failed: timeout waiting for response', { invstring: record.bolt12 })), p.timeout * 1000);
    });
    return await Promise.race([outcome, timeout]);
  } finally {
    if (timer) clearTimeout(timer);
    stopReply();
    invoices.events.off('paid', onPaid);
  }
}
