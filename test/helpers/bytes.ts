// Byte and vector helpers shared by the test-suites.
import { readFileSync } from 'node:fs';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { encodeTlvRecord, readTlvRecords } from '../../host/bolt12/tlv.js';
import { encodeBigSize } from '../../host/bolt12/bigsize.js';
import { ValueWriter } from '../../host/bolt12/wire.js';

/** Hex string to bytes. */
export const h = (s: string): Uint8Array => hexToBytes(s);
/** Bytes to lower-case hex. */
export const x = (b: Uint8Array): string => bytesToHex(b);
/** UTF-8 bytes of a string. */
export const ascii = (s: string): Uint8Array => utf8ToBytes(s);
export const cat = (...parts: Uint8Array[]): Uint8Array => concatBytes(...parts);

/** A file of test/vectors/, as text. */
export const vectorText = (name: string): string => readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8');
/** A JSON file of test/vectors/. */
export const vector = (name: string): any => JSON.parse(vectorText(name));

// TLV shorthands over the host's BOLT 1 codecs (host/bolt12), for tests that
// write raw records (malformed ones included) or read what the device made.
/** One TLV record: type ‖ length ‖ value. */
export const rec = (type: number | bigint, value: Uint8Array): Uint8Array => encodeTlvRecord(BigInt(type), value);
/** Minimal big-endian (tu32 / tu64) encoding. */
export const tu = (v: number | bigint): Uint8Array => new ValueWriter().tu64(BigInt(v)).finish();
/** BigSize encoding. */
export const bigsize = (v: number | bigint): Uint8Array => encodeBigSize(BigInt(v));
/** The records of a stream, in order (BOLT 1 framing checked). */
export const tlvRecords = (stream: Uint8Array): { type: bigint; value: Uint8Array }[] => readTlvRecords(stream);
