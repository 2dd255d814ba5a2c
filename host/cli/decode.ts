// `lnsigner decode <string>`: prints a BOLT 12 offer, invoice_request or invoice
// as Core Lightning's `decode` JSON. Needs no daemon and no device.
//
// Exit codes: 0 decoded and valid; 1 refused (error on stderr, naming the
// layer); 3 decoded but not valid (JSON on stdout, warnings on stderr); 2 usage.
import { Bolt12Error } from '../bolt12/errors.js';
import { decodeToJson, stringifyJson } from '../bolt12/decode-json.js';
import type { Subcommand } from './main.js';

const USAGE = 'usage: lnsigner decode <bolt12 string>   (lno1... offer, lnr1... invoice_request, lni1... invoice)';

export const decode: Subcommand = {
  summary: 'print a BOLT 12 offer / invoice_request / invoice as Core Lightning decode JSON',
  async run(args: string[]): Promise<number> {
    if (args.length !== 1 || args[0] === '--help' || args[0] === '-h') {
      console.error(USAGE);
      return 2;
    }
    try {
      const d = decodeToJson(args[0]);
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
