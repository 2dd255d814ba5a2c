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
  demo: 'emulated signer, simulated network and lnsigner as its plugin on local defaults (what npm start runs; --once walks the BOLT 12 loop)',
  device: 'manage a device no daemon holds: info | provision (--hsm-secret-file <f> | --generate) | wipe, --device <path>',
  emulator: 'run the firmware behind a pseudo-terminal: --state <dir> [--hsm-secret <hex>] [--baud <n>] [--confirm approve|deny|manual] [--engine v8|native]',
  firmware: 'firmware images: keygen | sign --key <file> <wasm> -o <image> | info <image>',
  flash: 'upload a signed image: --device <path> <image>',
  simnet: 'simulated Lightning network with a lightningd-compatible socket: --data-dir <dir> [--nodes N] [--seed S] [--plugin <path>]',
};


/** `lnsigner help`: every command with one line; `methods` are the daemon's (host/commands/index.ts). */
export function usage(methods: readonly { name: string; summary: string }[]): string {
  const local = Object.keys(LOCAL).sort().map((k) => `  ${k.padEnd(22)} ${LOCAL_SUMMARY[k] ?? ''}`.trimEnd());
  return [
    'usage: lnsigner <command> [args...]',
    '       lnsigner [--data-dir <dir>] [--rpc-file <path>] [-k|-o] [-R] [-N <level>] <method> [params...]   (sent to the daemon)',
    '       lnsigner help <command> | lnsigner <command> --help | lnsigner --version',
    '',
    'local commands (no daemon needed):',
    ...local,
    '',
    'daemon methods (lightning-cli style: positional, or key=value with -k):',
    ...methods.map((m) => `  ${m.name.padEnd(22)} ${m.summary}`),
    '',
    'exit codes (as lightning-cli): 0 ok, 1 error reply, 2 cannot talk to the daemon or device, 3 usage',
  ].join('\n');
}

/** Help of one command (local or daemon method), or undefined if there is no such command. */
async function commandHelp(name: string): Promise<string | undefined> {
  const help = await import('./help.js');
  const { COMMANDS } = await import('../commands/index.js');
  const m = COMMANDS.find((c) => c.name === name);
  const load = LOCAL[name];
  if (load) {
    const sub = await load();
    const local = sub.spec ? help.localHelp(sub.spec) : sub.summary;
    // `decode` is both: the local command, and the daemon method of the same name.
    return m ? `${local}\n\nThe daemon method (lnsigner --data-dir <dir> ${name} ...):\n\n${help.methodHelp(m)}` : local;
  }
  return m && help.methodHelp(m);
}

/** Client options that take a value (the method word is the first other word). */
const CLIENT_VALUED = new Set(['--data-dir', '--rpc-file', '-N', '--notifications']);

export async function run(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '--version' || cmd === '-V') {
    console.log(await (await import('./help.js')).versionText());
    return 0;
  }
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    if (cmd === 'help' && rest.length > 0) {
      const text = await commandHelp(rest[0]);
      if (text === undefined) {
        console.error(`lnsigner: no command '${rest[0]}' (lnsigner help lists them)`);
        return 3;
      }
      console.log(text);
      return 0;
    }
    const { COMMANDS } = await import('../commands/index.js');
    const text = usage(COMMANDS);
    if (cmd) console.log(text);
    else console.error(text);
    return cmd ? 0 : 3;
  }
  const load = LOCAL[cmd];
  if (!load) {
    // `lnsigner [client options] <method> ... --help`: the method's help, no daemon needed.
    if (argv.includes('--help') || argv.includes('-h')) {
      let i = 0;
      while (i < argv.length && argv[i].startsWith('-')) i += CLIENT_VALUED.has(argv[i]) ? 2 : 1;
      const text = argv[i] === undefined ? undefined : await commandHelp(argv[i]);
      if (text !== undefined) {
        console.log(text);
        return 0;
      }
    }
    return (await import('./client.js')).runClient(argv); // anything else is a daemon JSON-RPC call
  }
  const sub = await load();
  return sub.run(rest);
}
