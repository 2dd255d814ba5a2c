// The TLV layer of a BOLT 12 message: a stream parsed against one namespace
// (offer, invoice_request or invoice) into typed fields, keeping every record's
// original bytes and the unknown odd records; and the canonical writer.
import { FIELD_CODECS, type Codec, type FieldValues } from './fields.js';
import { encodeTlvStream, parseTlvStream, type TlvEntry, type TlvRecord } from './tlv.js';
import {
  MESSAGE_FIELDS, TLV, fieldName,
  type FieldName, type InvoiceFieldName, type InvoiceRequestFieldName, type MessageKind, type OfferFieldName,
} from './tlv-types.js';
import { ValueReader, ValueWriter } from './wire.js';
import { TlvError } from './errors.js';

export type OfferFields = Pick<FieldValues, OfferFieldName>;
export type InvoiceRequestFields = Pick<FieldValues, InvoiceRequestFieldName>;
export type InvoiceFields = Pick<FieldValues, InvoiceFieldName>;

export interface Bolt12Message<K extends MessageKind, F> {
  kind: K;
  fields: F;
  /** Every record of the stream, in order, with its original bytes. */
  records: TlvRecord[];
  /** Records of types this namespace does not know (odd, so kept), byte for byte. */
  unknown: TlvRecord[];
  /** The whole TLV stream as received. */
  bytes: Uint8Array;
}

export type Offer = Bolt12Message<'offer', OfferFields>;
export type InvoiceRequest = Bolt12Message<'invoice_request', InvoiceRequestFields>;
export type Invoice = Bolt12Message<'invoice', InvoiceFields>;
export type AnyBolt12 = Offer | InvoiceRequest | Invoice;
type MessageOf<K extends MessageKind> = K extends 'offer' ? Offer : K extends 'invoice_request' ? InvoiceRequest : Invoice;
type FieldsOf<K extends MessageKind> = MessageOf<K>['fields'];

const KNOWN: { [K in MessageKind]: Set<bigint> } = {
  offer: new Set(MESSAGE_FIELDS.offer.map((f) => TLV[f])),
  invoice_request: new Set(MESSAGE_FIELDS.invoice_request.map((f) => TLV[f])),
  invoice: new Set(MESSAGE_FIELDS.invoice.map((f) => TLV[f])),
};

export const isKnownType = (kind: MessageKind, type: bigint) => KNOWN[kind].has(type);

/** TLV layer: framing, unknown-type rule and every known field's encoding (throws TlvError). */
/** UTF-8 text fields (`utf8` in BOLT 12's tables). */
const UTF8_FIELDS: ReadonlySet<string> = new Set(['offer_currency', 'offer_description', 'offer_issuer', 'invreq_payer_note']);
const lossyUtf8 = new TextDecoder('utf-8');

export interface ParseOptions {
  /**
   * Core Lightning's `decode` prints `warning_invalid_<field>: "invalid UTF8"`
   * for a text field that is not UTF-8 rather than refusing the string: with
   * this list given, such a field is read lossily (U+FFFD) and its name
   * appended here instead of failing the parse. Readers that act on a
   * message never pass it (BOLT #12 text fields are UTF-8).
   */
  invalidUtf8?: string[];
}

export function parseTlvMessage<K extends MessageKind>(kind: K, bytes: Uint8Array, opts: ParseOptions = {}): MessageOf<K> {
  const known = KNOWN[kind];
  const { records, unknown } = parseTlvStream(bytes, (t) => known.has(t));
  const fields: Record<string, unknown> = {};
  for (const rec of records) {
    if (!known.has(rec.type)) continue;
    const name = fieldName(rec.type) as FieldName;
    const codec = FIELD_CODECS[name] as Codec<unknown>;
    const r = new ValueReader(bytes, rec.valueOffset, rec.valueOffset + rec.value.length, rec.type, name);
    if (opts.invalidUtf8 && UTF8_FIELDS.has(name)) {
      try {
        fields[name] = codec.read(r);
      } catch (e) {
        if (!(e instanceof TlvError) || !/not valid UTF-8/.test(e.message)) throw e;
        fields[name] = lossyUtf8.decode(rec.value);
        opts.invalidUtf8.push(name);
      }
      continue;
    }
    fields[name] = codec.read(r);
    // BOLT #1: if `length` is not exactly equal to that required for the known
    // encoding for `type`: MUST fail to parse the tlv_stream.
    r.done();
  }
  return { kind, fields, records, unknown, bytes } as MessageOf<K>;
}

/** Canonical encoding of one field's value. */
export function encodeFieldValue<N extends FieldName>(name: N, value: NonNullable<FieldValues[N]>): Uint8Array {
  const w = new ValueWriter();
  (FIELD_CODECS[name] as Codec<unknown>).write(w, value);
  return w.finish();
}

/**
 * Writer: the fields plus any unknown odd records (kept byte for byte), sorted
 * by type with minimal BigSizes.
 */
export function encodeTlvMessage<K extends MessageKind>(
  kind: K,
  fields: FieldsOf<K>,
  unknown: readonly TlvEntry[] = [],
): Uint8Array {
  const entries: TlvEntry[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const type = TLV[name as FieldName];
    if (type === undefined || !KNOWN[kind].has(type)) throw new RangeError(`${kind} has no field ${name}`);
    entries.push({ type, value: encodeFieldValue(name as FieldName, value as never) });
  }
  for (const u of unknown) {
    if (KNOWN[kind].has(u.type)) throw new RangeError(`unknown record type ${u.type} is a known ${kind} field`);
    if ((u.type & 1n) === 0n) throw new RangeError(`unknown record type ${u.type} is even: readers would reject it`);
    entries.push({ type: u.type, value: u.value });
  }
  return encodeTlvStream(entries);
}
