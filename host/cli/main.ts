// lnsigner command-line entry: dispatches the first word to a subcommand.
// Each subcommand lives in its own module and is loaded only when used.
import type { CommandSpec } from './options.js';

export interface Subcommand {
  /** One-line summary for `lnsigner help`. */
  summary: string;
  /** Its options (for help and the --help test); several for a command with actions. */
  spec?: CommandSpec | readonly CommandSpec[];
  /** Runs it; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

type Loader = () => Promise<Subcommand>;

// Subcommands that are not JSON-RPC methods of the daemon.
const LOCAL: Record<string, Loader> = {
  decode: async () => (await import('./decode.js')).decode,
  daemon: async () => (await import('./daemon.js')).subcommand,
  demo: async () => (await import('./demo.js')).subcommand,
  device: async () => (await import('./device.js')).subcommand,
  emulator: async () => (await import('./emulator.js')).subcommand,
  firmware: async () => (await import('./firmware.js')).subcommand,
  flash: async () => (await import('./flash.js')).subcommand,
  simnet: async () => (await import('./simnet.js')).subcommand,
};

// One line each for `lnsigner help` (kept here so help loads no subcommand).
const LOCAL_SUMMARY: Record<string, string> = {
  daemon: 'run the bridge daemon: --device <path> --data-dir <dir> [--network ...]',
  decode: 'decode a BOLT 12 string (lno/lnr/lni) with no daemon or device',
  demo: 'emulated signer + daemon on local defaults (what npm start runs)',
  device: 'manage a device no daemon holds: info | provision (--hsm-secret-file <f> | --generate) | wipe, --device <path>',
  emulator: 'run the firmware behind a pseudo-terminal: --state <dir> [--hsm-secret <hex>] [--baud <n>] [--confirm approve|deny|manual]',
  firmware: 'firmware images: keygen | sign --key <file> <wasm> -o <image> | info <image>',
  flash: 'upload a signed image: --device <path> <image>',
  simnet: 'simulated Lightning network with a lightningd-compatible socket: --data-dir <dir> [--nodes N] [--seed S] [--plugin <path>]',
};


/** Help text; `methods` are the daemon's JSON-RPC methods (host/commands/index.ts). */
export function usage(methods: readonly string[]): string {
  const local = Object.keys(LOCAL).sort().map((k) => `  ${k.padEnd(10)} ${LOCAL_SUMMARY[k] ?? ''}`.trimEnd());
  return [
    'usage: lnsigner <command> [args...]',
    '       lnsigner [--data-dir <dir>] [-k] <method> [params...]   (sent to the daemon)',
    '',
    'commands:',
    ...local,
    '',
    `daemon methods: ${methods.join(', ')}`,
  ].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    const { COMMANDS } = await import('../commands/index.js');
    console.log(usage(COMMANDS.map((m) => m.name)));
    return cmd ? 0 : 1;
  }
  const load = LOCAL[cmd];
  if (!load) return (await import('./client.js')).runClient(argv); // anything else is a daemon JSON-RPC call
  const sub = await load();
  return sub.run(rest);
}
