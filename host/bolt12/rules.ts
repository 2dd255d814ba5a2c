// Shared pieces of the semantic layer: the problem record every reader rule
// produces, and the checks used by several messages.
import { Bolt12SemanticError } from './errors.js';
import type { BlindedPath } from './subtypes.js';
import type { FieldName } from './tlv-types.js';

/**
 * One broken reader rule. `cln` says how Core Lightning's `decode` treats it:
 * 'fatal'   - its decoder refuses the string;
 * 'warning' - it prints an inline `warning_*` field and `valid: false`;
 * 'silent'  - it does not check it (our `decode` adds `warning` and `valid: false`).
 */
export interface Problem {
  field?: FieldName;
  message: string;
  cln: 'fatal' | 'warning' | 'silent';
  /** The `warning_*` key `decode` prints for it (when not fatal). */
  warning: string;
}

/** Context a reader may supply; rules needing it are skipped without it. */
export interface ReaderOptions {
  /** Current UNIX time in seconds: enables the expiry rules. */
  now?: bigint;
  /** Chains (genesis hashes, wire order) the reader supports: enables the chain rules. */
  chains?: readonly Uint8Array[];
}

export function throwFirst(problems: readonly Problem[]): void {
  if (problems.length > 0) throw new Bolt12SemanticError(problems[0].message, problems[0].field);
}

/**
 * Lowest even bit set in a BOLT 9 feature bitmap (bit 0 = least significant bit
 * of the last byte) that is not in `known`; undefined if none. Odd bits are
 * always acceptable ("it's OK to be odd").
 */
export function unknownEvenFeature(features: Uint8Array | undefined, known: readonly number[] = []): number | undefined {
  if (!features) return undefined;
  const n = features.length;
  for (let bit = 0; bit < n * 8; bit += 2) {
    const byte = features[n - 1 - (bit >> 3)];
    if ((byte >> (bit & 7)) & 1 && !known.includes(bit)) return bit;
  }
  return undefined;
}

/** Index of the first blinded path with `num_hops` = 0, or -1. */
export const emptyPathIndex = (paths: readonly BlindedPath[] | undefined) => (paths ?? []).findIndex((p) => p.hops.length === 0);

export const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** BOLT 12: `name` and `domain` may only hold `0`-`9`, `a`-`z`, `A`-`Z`, `-`, `_` and `.`. */
export const isBip353String = (b: Uint8Array) =>
  b.every((c) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x5f || c === 0x2e);
