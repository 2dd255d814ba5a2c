// Limits and status codes of the device BOLT 12 codec (firmware bolt12_*
// exports and the serial sign_bolt12 request), one definition for the
// firmware (AssemblyScript) and the host (TypeScript). Plain
// `export const NAME = n;` lines only: both compilers accept them.
// Design notes: docs/firmware/bolt12.md.

/** Largest TLV stream (bytes) the device parses, hashes or signs. */
export const BOLT12_MAX_MESSAGE = 8192;
/**
 * Most records such a stream can hold: every record is at least 2 bytes
 * (1-byte type, 1-byte length), so 8192 / 2. Not a separate limit.
 */
export const BOLT12_MAX_RECORDS = 4096;

// Message kinds (argument `kind` of bolt12_validate / bolt12_sighash).
/** Framing only (BOLT 1), no BOLT 12 range rule. */
export const BOLT12_KIND_ANY = 0;
/** offer: types 1..79 and 1000000000..1999999999; never signed. */
export const BOLT12_KIND_OFFER = 1;
/** invoice_request: non-signature types 0..159 and 1000000000..2999999999. */
export const BOLT12_KIND_INVOICE_REQUEST = 2;
/** invoice: non-signature types 0..239 and 1000000000..3999999999. */
export const BOLT12_KIND_INVOICE = 3;

// Status codes (0 = ok). Nothing is written to an output on error.
export const BOLT12_OK = 0;
/** Stream longer than BOLT12_MAX_MESSAGE. */
export const BOLT12_ERR_TOO_LONG = 1;
/** A record's type BigSize is cut short by the end of the stream. */
export const BOLT12_ERR_TYPE_TRUNCATED = 2;
/** A record's type BigSize is not minimally encoded. */
export const BOLT12_ERR_TYPE_NOT_MINIMAL = 3;
/** A record's length BigSize is missing or cut short. */
export const BOLT12_ERR_LENGTH_TRUNCATED = 4;
/** A record's length BigSize is not minimally encoded. */
export const BOLT12_ERR_LENGTH_NOT_MINIMAL = 5;
/** A record's length exceeds the bytes remaining (value truncated, or overlong length). */
export const BOLT12_ERR_VALUE_TRUNCATED = 6;
/** Types not strictly increasing (out of order, or a duplicate). */
export const BOLT12_ERR_TYPE_ORDER = 7;
/** No record outside the signature range 240..1000: the merkle root is undefined. */
export const BOLT12_ERR_NO_RECORDS = 8;
/** A type outside the ranges BOLT 12 allows for the message kind. */
export const BOLT12_ERR_TYPE_RANGE = 9;
/** Unknown message kind, or a kind that is never signed (offer). */
export const BOLT12_ERR_BAD_KIND = 10;
/** A (pointer, length) argument outside linear memory. */
export const BOLT12_ERR_ARG = 11;
