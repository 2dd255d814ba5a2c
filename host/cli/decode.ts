// `lnsigner decode <string>`: prints a BOLT 12 offer, invoice_request or invoice
// as Core Lightning's `decode` JSON. Needs no daemon and no device.
//
// Exit codes: 0 decoded and valid; 1 refused (error on stderr, naming the
// layer); 3 decoded but not valid (JSON on stdout, warnings on stderr); 2 usage.
import { Bolt12Error } from '../bolt12/errors.js';
import { decodeToJson, stringifyJson } from '../bolt12/decode-json.js';
import type { Subcommand } from './main.js';
import { parseOrExit, type CommandSpec } from './options.js';

export const DECODE_SPEC: CommandSpec = {
  name: 'decode',
  summary: "Decode a BOLT 12 offer (lno1...), invoice_request (lnr1...) or invoice (lni1...) as Core Lightning's `decode` prints it; needs no daemon and no device.",
  positionals: ['<string>'],
  options: {},
  notes: ['Exit 0 decoded (the JSON says valid true or false), 1 not decodable (CLN\'s error object on stdout), 3 usage.'],
};

export const decode: Subcommand = {
  summary: 'print a BOLT 12 offer / invoice_request / invoice as Core Lightning decode JSON',
  spec: DECODE_SPEC,
  async run(args: string[]): Promise<number> {
    const p = parseOrExit(DECODE_SPEC, args);
    if (typeof p === 'number') return p;
    try {
      const d = decodeToJson(p.positionals[0]);
      process.stdout.write(`${stringifyJson(d.json)}\n`);
      if (!d.valid) {
        for (const [k, m] of d.warnings) console.error(`lnsigner decode: not valid: ${k}: ${m}`);
        return 3;
      }
      return 0;
    } catch (e) {
      if (e instanceof Bolt12Error) {
        console.error(`lnsigner decode: invalid string (${e.layer} layer): ${e.message}`);
        return 1;
      }
      throw e;
    }
  },
};

export default decode;
