// lnsigner command-line entry: dispatches the first word to a subcommand.
// Each subcommand lives in its own module and is loaded only when used.

export interface Subcommand {
  /** One-line summary for `lnsigner help`. */
  summary: string;
  /** Runs it; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

type Loader = () => Promise<Subcommand>;

// Subcommands that are not JSON-RPC methods of the daemon.
const LOCAL: Record<string, Loader> = {
  decode: async () => (await import('./decode.js')).decode,
  daemon: async () => (await import('./daemon.js')).subcommand,
  demo: async () => (await import('./demo.js')).subcommand,
  emulator: async () => (await import('./emulator.js')).subcommand,
  firmware: async () => (await import('./firmware.js')).subcommand,
  flash: async () => (await import('./flash.js')).subcommand,
};

export function usage(): string {
  const lines = Object.keys(LOCAL).sort().map((k) => `  ${k}`);
  return ['usage: lnsigner <command> [args...]', '', 'commands:', ...lines].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    console.log(usage());
    return cmd ? 0 : 1;
  }
  const load = LOCAL[cmd];
  if (!load) return (await import('./client.js')).runClient(argv); // anything else is a daemon JSON-RPC call
  const sub = await load();
  return sub.run(rest);
}
