// How each BOLT 12 field's value is encoded, keyed by the spec field name
// (tlv-types.ts has the numbers). Readers must consume the value exactly.
import {
  readBip353Name, readBlindedPath, readFallback, readPayinfo,
  writeBip353Name, writeBlindedPath, writeFallback, writePayinfo,
} from './subtypes.js';
import { readPaywindow, readRecurrence, readRecurrenceBase, writePaywindow, writeRecurrence, writeRecurrenceBase } from './recurrence.js';
import type { FieldName } from './tlv-types.js';
import type { ValueReader, ValueWriter } from './wire.js';

export interface Codec<T> {
  read(r: ValueReader): T;
  write(w: ValueWriter, v: T): void;
}

const bytes: Codec<Uint8Array> = { read: (r) => r.rest(), write: (w, v) => void w.bytes(v) };
const utf8: Codec<string> = { read: (r) => r.utf8(r.field), write: (w, v) => void w.utf8(v) };
const tu64: Codec<bigint> = { read: (r) => r.tu64(r.field), write: (w, v) => void w.tu64(v) };
const tu32: Codec<number> = { read: (r) => r.tu32(r.field), write: (w, v) => void w.tu32(v) };
const point: Codec<Uint8Array> = { read: (r) => r.point(r.field), write: (w, v) => void w.bytes(v) };
const fixed = (n: number, what: string): Codec<Uint8Array> => ({ read: (r) => r.bytes(n, what), write: (w, v) => void w.bytes(v) });
const empty: Codec<true> = { read: () => true, write: () => undefined };

/** `type...`: elements concatenated until the value ends; a partial element fails. */
function arrayOf<T>(read: (r: ValueReader) => T, write: (w: ValueWriter, v: T) => void): Codec<T[]> {
  return {
    read(r) {
      const out: T[] = [];
      while (r.remaining > 0) out.push(read(r));
      return out;
    },
    write(w, v) {
      for (const x of v) write(w, x);
    },
  };
}

const chainHashes: Codec<Uint8Array[]> = {
  read(r) {
    if (r.remaining % 32 !== 0) r.fail(`chain_hash array length ${r.remaining} is not a multiple of 32`);
    const out: Uint8Array[] = [];
    while (r.remaining > 0) out.push(r.bytes(32));
    return out;
  },
  write: (w, v) => v.forEach((c) => w.bytes(c)),
};

export const FIELD_CODECS = {
  invreq_metadata: bytes,
  offer_chains: chainHashes,
  offer_metadata: bytes,
  offer_currency: utf8,
  offer_amount: tu64,
  offer_description: utf8,
  offer_features: bytes,
  offer_absolute_expiry: tu64,
  offer_paths: arrayOf(readBlindedPath, writeBlindedPath),
  offer_issuer: utf8,
  offer_quantity_max: tu64,
  offer_issuer_id: point,
  invreq_chain: fixed(32, 'chain_hash'),
  invreq_amount: tu64,
  invreq_features: bytes,
  invreq_quantity: tu64,
  invreq_payer_id: point,
  invreq_payer_note: utf8,
  invreq_paths: arrayOf(readBlindedPath, writeBlindedPath),
  invreq_bip_353_name: { read: readBip353Name, write: writeBip353Name },
  invoice_paths: arrayOf(readBlindedPath, writeBlindedPath),
  invoice_blindedpay: arrayOf(readPayinfo, writePayinfo),
  invoice_created_at: tu64,
  invoice_relative_expiry: tu32,
  invoice_payment_hash: fixed(32, 'sha256'),
  invoice_amount: tu64,
  invoice_fallbacks: arrayOf(readFallback, writeFallback),
  invoice_features: bytes,
  invoice_node_id: point,
  signature: fixed(64, 'bip340sig'),
  offer_recurrence_compulsory: { read: readRecurrence, write: writeRecurrence },
  offer_recurrence_optional: { read: readRecurrence, write: writeRecurrence },
  offer_recurrence_base: { read: readRecurrenceBase, write: writeRecurrenceBase },
  offer_recurrence_paywindow: { read: readPaywindow, write: writePaywindow },
  offer_recurrence_limit: tu32,
  invreq_recurrence_counter: tu32,
  invreq_recurrence_start: tu32,
  invreq_recurrence_cancel: empty,
  invoice_recurrence_basetime: tu64,
} satisfies { [K in FieldName]: Codec<unknown> };

type ValueOf<C> = C extends Codec<infer T> ? T : never;

/** Decoded values of every BOLT 12 field, by spec name; absent fields are undefined. */
export type FieldValues = { [K in FieldName]?: ValueOf<(typeof FIELD_CODECS)[K]> };
