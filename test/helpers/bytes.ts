// Byte and vector helpers shared by the test-suites.
import { readFileSync } from 'node:fs';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

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
