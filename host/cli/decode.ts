// `lnsigner decode <string>`: prints a BOLT 12 offer, invoice_request or invoice
// as Core Lightning's `decode` JSON. Needs no daemon and no device.
//
// Exactly the daemon's (and Core Lightning's) answer, printed as lightning-cli
// prints it. Exit codes as lightning-cli's: 0 decoded (valid true, or false
// with warning_* fields), 1 not decodable (CLN's error object on stdout), 3 usage.
import { stringifyJson } from '../bolt12/decode-json.js';
import { decodeString } from '../commands/decode.js';
import { badParamMessage, ErrorCode } from '../rpc/errors.js';
import type { Subcommand } from './main.js';
import { EXIT_ERROR, EXIT_OK, parseOrExit, type CommandSpec } from './options.js';

export const DECODE_SPEC: CommandSpec = {
  name: 'decode',
  summary: "Decode a BOLT 12 offer (lno1...), invoice_request (lnr1...) or invoice (lni1...) as Core Lightning's `decode` prints it; needs no daemon and no device.",
  positionals: ['<string>'],
  options: {},
  notes: ['Exit 0 decoded (the JSON says valid true or false, with warning_* fields saying why not), 1 not decodable (Core Lightning\'s error object on stdout), 3 usage.'],
};

export const decode: Subcommand = {
  summary: 'print a BOLT 12 offer / invoice_request / invoice as Core Lightning decode JSON',
  spec: DECODE_SPEC,
  async run(args: string[]): Promise<number> {
    const p = parseOrExit(DECODE_SPEC, args);
    if (typeof p === 'number') return p;
    // The same function as the daemon's `decode` method; printed as
    // lightning-cli prints its answer: the result (valid true or false: exit
    // 0), or CLN's error object on stdout (exit 1).
    const r = decodeString(p.positionals[0]);
    if ('error' in r) {
      const error = { code: ErrorCode.INVALID_PARAMS, message: badParamMessage(r.error, false) };
      process.stdout.write(`${JSON.stringify(error, null, 2)}\n`);
      return EXIT_ERROR;
    }
    process.stdout.write(`${stringifyJson(r.result)}\n`);
    return EXIT_OK;
  },
};

export default decode;
