// The parameter framework: each command declares an ordered table of named
// parameters; a request's `params` is matched against it the way Core
// Lightning's common/json_param.c does (cln-rpc-digest §0.1).
import { BadParamError, invalidParams } from './errors.js';
import { rawText, type JsonNode } from './json-scan.js';

/** Turns one JSON token into a typed value, or throws BadParamError (via `bad`). */
export type ParamParser<T> = (tok: JsonNode, name: string) => T;

export interface ParamSpec<T> {
  readonly required: boolean;
  readonly parse: ParamParser<T>;
  /** Value when not given (undefined for plain optional parameters). */
  readonly fallback: T;
}

/** A required parameter. */
export const req = <T>(parse: ParamParser<T>): ParamSpec<T> => ({ required: true, parse, fallback: undefined as T });
/** An optional parameter; undefined when not given. */
export const opt = <T>(parse: ParamParser<T>): ParamSpec<T | undefined> => ({ required: false, parse, fallback: undefined });
/** An optional parameter with a default. */
export const optDef = <T>(parse: ParamParser<T>, fallback: T): ParamSpec<T> => ({ required: false, parse, fallback });

/** Insertion order of the keys is the positional order. Required ones come first. */
export type ParamTable = Record<string, ParamSpec<any>>;
export type ParamValues<P extends ParamTable> = { [K in keyof P]: P[K] extends ParamSpec<infer T> ? T : never };

export interface ParsedParams<P extends ParamTable> {
  values: ParamValues<P>;
  /** Names that the request actually set (a positional `null` does not count). */
  given: ReadonlySet<string>;
}

/** Throws the per-parameter error for `tok`. */
export function bad(name: string, reason: string, tok?: JsonNode): never {
  throw new BadParamError(name, reason, tok === undefined ? undefined : rawText(tok));
}

/** Checks a table is well formed (required parameters first, as CLN asserts in check_params). */
export function checkTable(table: ParamTable): void {
  let seenOptional = false;
  for (const [name, spec] of Object.entries(table)) {
    if (spec.required && seenOptional) throw new Error(`parameter table: required '${name}' follows an optional one`);
    if (!spec.required) seenOptional = true;
  }
}

/**
 * Matches `params` (array or object) against the table. Errors, in CLN's order:
 * - params neither array nor object: "Expected array or object for params";
 * - by position, a `null` slot means "not given"; an extra slot: "too many
 *   parameters: got N, expected M" (checked when reached, so an earlier bad
 *   parameter is reported first);
 * - by name, in the order the names appear: "unknown parameter: NAME, this
 *   may be caused by ..." and "duplicate json names: NAME" (the duplicate is
 *   found in the raw text: both occurrences are kept by the scanner);
 * - each given parameter's own parser, as soon as it is reached;
 * - finally "missing required parameter: NAME" for the first required one
 *   not given.
 */
export function parseParams<P extends ParamTable>(table: P, params: JsonNode): ParsedParams<P> {
  const names = Object.keys(table);
  const values: Record<string, unknown> = {};
  const given = new Set<string>();
  const take = (name: string, tok: JsonNode) => {
    given.add(name);
    values[name] = table[name].parse(tok, name);
  };

  if (params.type === 'array') {
    // CLN parse_by_position
    params.items.forEach((tok, i) => {
      if (i === names.length) {
        throw invalidParams(`too many parameters: got ${params.items.length}, expected ${names.length}`);
      }
      if (i > names.length) return;
      if (tok.type !== 'null') take(names[i], tok);
    });
  } else if (params.type === 'object') {
    // CLN parse_by_name
    for (const m of params.members) {
      const name = m.key.value;
      if (!Object.prototype.hasOwnProperty.call(table, name)) {
        throw invalidParams(
          `unknown parameter: ${name}, this may be caused by a failure to autodetect key=value-style parameters. ` +
            'Please try using the -k flag and explicit key=value pairs of parameters.',
        );
      }
      if (given.has(name)) throw invalidParams(`duplicate json names: ${name}`);
      take(name, m.value);
    }
  } else {
    throw invalidParams('Expected array or object for params');
  }

  // CLN post_check: the leading required parameters must all be set.
  for (const name of names) {
    if (!table[name].required) break;
    if (!given.has(name)) throw invalidParams(`missing required parameter: ${name}`);
  }
  for (const name of names) if (!given.has(name)) values[name] = table[name].fallback;
  return { values: values as ParamValues<P>, given };
}

/** Usage string in CLN's style: `a b [c] [d]`. */
export function usage(table: ParamTable): string {
  return Object.entries(table)
    .map(([n, s]) => (s.required ? n : `[${n}]`))
    .join(' ');
}
