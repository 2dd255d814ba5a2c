// decode string                                  (cln-rpc-digest §1.13)
// Payer proofs (lnp1, BOLT 12 payer proofs) print as Core Lightning's
// json_add_payer_proof (host/bolt12/payer-proof-json.ts).
// The BOLT 12 part of CLN's decode as a daemon method: the codec's
// decodeToJson (optional `lightning:` prefix, every reader rule; softer
// problems give valid:false and warning_* fields). A string the decoders
// refuse is -32602 "string: <the decoder's reason>: invalid token ...", as CLN
// answers (plugins/offers.c param_decodable).
import { Bolt12Error, decodeToJson } from '../bolt12/index.js';
import { BadParamError } from '../rpc/errors.js';
import type { JsonObject } from '../bolt12/decode-json.js';
import { defineMethod } from '../rpc/method.js';
import { req } from '../rpc/params.js';
import { pString } from '../rpc/param-types.js';
import type { CommandContext } from './context.js';

/**
 * Core Lightning's `decode` as a plain function: the JSON result, or the
 * error CLN answers for a string nothing decodes (param_decodable's
 * command_fail_badparam: -32602 "string: <why>: ...").
 */
export function decodeString(input: string): { result: JsonObject } | { error: BadParamError } {
  const text = input.trim();
  const body = /^lightning:/i.test(text) ? text.slice('lightning:'.length) : text;
  const token = JSON.stringify(input);
  // CLN guesses the type by prefix; bolt11 and runes are not decoded here.
  if (!/^ln[orip]1/i.test(body)) {
    return { error: new BadParamError('string', 'Unparsable string: not a bolt12 offer (lno1), invoice_request (lnr1), invoice (lni1) or payer proof (lnp1)', token) };
  }
  try {
    return { result: decodeToJson(text).json };
  } catch (e) {
    if (e instanceof Bolt12Error) return { error: new BadParamError('string', e.message, token) };
    throw e;
  }
}

export const decode = defineMethod({
  name: 'decode',
  summary: 'Decode a BOLT 12 offer (lno1), invoice_request (lnr1), invoice (lni1) or payer proof (lnp1)',
  params: { string: req(pString(64 * 1024)) },
  run({ values }, _ctx: CommandContext) {
    const r = decodeString(values.string);
    if ('error' in r) throw r.error;
    return r.result;
  },
});
