// decode string                                  (cln-rpc-digest §1.13)
// The BOLT 12 part of CLN's decode as a daemon method: the codec's
// decodeToJson (optional `lightning:` prefix, every reader rule; softer
// problems give valid:false and warning_* fields). A string the decoders
// refuse is -32602 with the decoder's reason, as CLN answers.
import { Bolt12Error, decodeToJson } from '../bolt12/index.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';
import { defineMethod } from '../rpc/method.js';
import { req } from '../rpc/params.js';
import { pString } from '../rpc/param-types.js';
import type { CommandContext } from './context.js';

export const decode = defineMethod({
  name: 'decode',
  summary: 'Decode a BOLT 12 offer (lno1), invoice_request (lnr1) or invoice (lni1)',
  params: { string: req(pString(64 * 1024)) },
  run({ values }, _ctx: CommandContext) {
    const text = values.string.trim();
    const body = /^lightning:/i.test(text) ? text.slice('lightning:'.length) : text;
    // CLN guesses the type by prefix; bolt11 and runes are not decoded here.
    if (!/^ln[ori]1/i.test(body)) {
      throw new RpcError(ErrorCode.INVALID_PARAMS, 'Unparsable string: not a bolt12 offer (lno1), invoice_request (lnr1) or invoice (lni1)');
    }
    try {
      return decodeToJson(text).json;
    } catch (e) {
      if (e instanceof Bolt12Error) throw new RpcError(ErrorCode.INVALID_PARAMS, e.message);
      throw e;
    }
  },
});
