// BOLT 1 TLV streams: framing of records (type ‖ length ‖ value), the reader
// rules of the stream, and the canonical writer. Records keep their original
// bytes so unknown odd records are carried byte for byte.
import { bigSizeLength, putBigSize, readBigSize } from './bigsize.js';
import { TlvError } from './errors.js';

export interface TlvRecord {
  type: bigint;
  value: Uint8Array;
  /** The whole encoded record (type ‖ length ‖ value), a view into the stream. */
  raw: Uint8Array;
  /** Byte offset of the record in its stream. */
  offset: number;
  /** Byte offset of the value in its stream. */
  valueOffset: number;
}

/**
 * Splits a stream into records, enforcing the framing rules of BOLT 1 that do
 * not depend on which types are known.
 */
export function readTlvRecords(stream: Uint8Array): TlvRecord[] {
  const records: TlvRecord[] = [];
  let at = 0;
  let last: bigint | undefined;
  // BOLT #1: if zero bytes remain before parsing a `type`: MUST stop parsing
  while (at < stream.length) {
    const start = at;
    // BOLT #1: if a `type` or `length` is not minimally encoded: MUST fail to parse
    const t = readBigSize(stream, at, stream.length, 'type');
    const l = readBigSize(stream, t.next, stream.length, 'length');
    // BOLT #1: if the `length` exceeds the number of bytes remaining: MUST fail to parse
    const remaining = stream.length - l.next;
    if (l.value > BigInt(remaining)) {
      throw new TlvError(`length ${l.value} exceeds the ${remaining} bytes remaining`, t.next, t.value);
    }
    // BOLT #1: if decoded `type`s are not strictly-increasing (including two or
    // more occurrences of the same `type`): MUST fail to parse
    if (last !== undefined && t.value <= last) {
      throw new TlvError(
        t.value === last ? `duplicate record type ${t.value}` : `record type ${t.value} out of order (after ${last})`,
        start,
        t.value,
      );
    }
    last = t.value;
    const end = l.next + Number(l.value);
    records.push({
      type: t.value,
      value: stream.subarray(l.next, end),
      raw: stream.subarray(start, end),
      offset: start,
      valueOffset: l.next,
    });
    at = end;
  }
  return records;
}

/**
 * Reads a stream and applies the known/unknown rule of BOLT 1: an unknown even
 * type fails the whole stream, an unknown odd type is kept (and skipped by the
 * caller's field decoder).
 */
export function parseTlvStream(
  stream: Uint8Array,
  isKnown: (type: bigint) => boolean,
): { records: TlvRecord[]; unknown: TlvRecord[] } {
  const records = readTlvRecords(stream);
  const unknown: TlvRecord[] = [];
  for (const r of records) {
    if (isKnown(r.type)) continue;
    // BOLT #1: if `type` is even (and not known): MUST fail to parse the tlv_stream
    if ((r.type & 1n) === 0n) throw new TlvError(`unknown even record type ${r.type}`, r.offset, r.type);
    // BOLT #1: otherwise, if `type` is odd: MUST discard the next `length` bytes
    unknown.push(r);
  }
  return { records, unknown };
}

/** One record's canonical encoding. */
export function encodeTlvRecord(type: bigint, value: Uint8Array): Uint8Array {
  const len = BigInt(value.length);
  const out = new Uint8Array(bigSizeLength(type) + bigSizeLength(len) + value.length);
  let at = putBigSize(out, 0, type);
  at = putBigSize(out, at, len);
  out.set(value, at);
  return out;
}

export interface TlvEntry {
  type: bigint;
  value: Uint8Array;
}

/**
 * Writes a stream: records sorted by type, minimal BigSizes. Two entries with
 * the same type are a programming error (BOLT 1: strictly increasing types).
 */
export function encodeTlvStream(entries: readonly TlvEntry[]): Uint8Array {
  const sorted = [...entries].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && sorted[i].type === sorted[i - 1].type) {
      throw new RangeError(`TLV writer: type ${sorted[i].type} appears twice`);
    }
    const raw = encodeTlvRecord(sorted[i].type, sorted[i].value);
    parts.push(raw);
    total += raw.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * encodeTlvStream for a stream with extension records carried over from a
 * reader: `unknown` must hold only unknown odd types (BOLT 1: a reader fails
 * on an unknown even type, so a writer never emits one).
 */
export function encodeTlvStreamWithUnknown(
  entries: readonly TlvEntry[], unknown: readonly TlvEntry[] | undefined, isKnown: (type: bigint) => boolean, streamName: string,
): Uint8Array {
  for (const u of unknown ?? []) {
    if (isKnown(u.type) || (u.type & 1n) === 0n) throw new RangeError(`${streamName}: type ${u.type} is not an unknown odd type`);
  }
  return encodeTlvStream([...entries, ...(unknown ?? [])]);
}
