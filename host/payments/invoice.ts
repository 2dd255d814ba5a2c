// The payment hash of an invoice string, for listsendpays' `bolt11`
// (cln-rpc-digest §1.16: any invoice string, bolt12 `lni` included; used only
// to find the hash). BOLT 11: bech32 (no length limit) with tagged fields;
// `p` (type 1) is the 52-word payment hash. BOLT 12: invoice_payment_hash.
import { bech32 } from '@scure/base';
import { decodeBolt12String, parseTlvMessage } from '../bolt12/index.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export function invoicePaymentHash(invstring: string): string {
  const s = invstring.toLowerCase().replace(/^lightning:/, '');
  if (s.startsWith('lni1')) {
    const { bytes } = decodeBolt12String(s);
    const inv = parseTlvMessage('invoice', bytes);
    const h = inv.fields.invoice_payment_hash;
    if (!h) throw new Error('invoice_payment_hash is missing');
    return hex(h);
  }
  if (!s.startsWith('ln')) throw new Error('not a bolt11 or bolt12 invoice');
  let words: number[];
  try {
    words = Array.from(bech32.decode(s as `${string}1${string}`, false).words);
  } catch (e) {
    throw new Error(`bad bech32 string: ${(e as Error).message}`);
  }
  // timestamp (7 words), tagged fields, then the 104-word signature.
  const end = words.length - 104;
  if (end < 7) throw new Error('too short');
  for (let i = 7; i + 3 <= end; ) {
    const type = words[i];
    const len = words[i + 1] * 32 + words[i + 2];
    if (i + 3 + len > end) throw new Error('truncated tagged field');
    if (type === 1 && len === 52) return hex(bech32.fromWords(words.slice(i + 3, i + 3 + len)).slice(0, 32));
    i += 3 + len;
  }
  throw new Error('No valid payment hash');
}

/**
 * listsendpays / listpays: the hash they filter on, from `bolt11` (any
 * invoice string) or `payment_hash` — CLN: only one of the two, and an
 * undecodable invstring is -32602 `Invalid invstring: …`.
 */
export function requestedPaymentHash(bolt11: string | undefined, paymentHash: string | undefined): string | undefined {
  if (bolt11 !== undefined && paymentHash !== undefined) {
    throw new RpcError(ErrorCode.INVALID_PARAMS, 'Can only specify one of {bolt11} or {payment_hash}');
  }
  if (bolt11 === undefined) return paymentHash;
  try {
    return invoicePaymentHash(bolt11);
  } catch (e) {
    throw new RpcError(ErrorCode.INVALID_PARAMS, `Invalid invstring: ${(e as Error).message}`);
  }
}
