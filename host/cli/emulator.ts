// `lnsigner emulator --state <dir> [--image <file>] [--hsm-secret <hex>] [--baud <n>]
//                    [--network <name>] [--link <path>] [--control <socket>]
//                    [--confirm approve|deny|manual] [--confirm-timeout <s>] [--engine v8|native]`
// Runs the firmware behind a raw pseudo-terminal (docs/emulator.md). Prints
// exactly one JSON line {"path":"/dev/pts/N"} on stdout once a host may open
// the port; logs go to stderr. SIGTERM/SIGINT stop it cleanly; SIGHUP resets
// the device (like its reset pin).
import * as P from '../../shared/protocol.js';
import { Emulator, type EmulatorOptions } from '../emulator/emulator.js';
import type { Subcommand } from './main.js';
import { parseOptions, parseOrExit, str, usageFailure, UsageError, type CommandSpec } from './options.js';
import { cut } from '../rpc/cut.js';
import { CONFIRM_MODES, type ConfirmMode } from '../emulator/prompt.js';

const NETWORKS: Record<string, number> = {
  bitcoin: P.NET_BITCOIN, testnet: P.NET_TESTNET, signet: P.NET_SIGNET, regtest: P.NET_REGTEST,
};

export const EMULATOR_SPEC: CommandSpec = {
  name: 'emulator',
  summary: 'Run the device firmware behind a raw pseudo-terminal (docs/emulator.md). Prints {"path":"/dev/pts/N"} once a host may open it.',
  options: {
    state: { type: 'string', value: '<dir>', required: true, description: "the device's flash lives there" },
    image: { type: 'string', value: '<file.wasm>', default: 'build/firmware.wasm', description: 'firmware to run' },
    'hsm-secret': { type: 'string', value: '<hex>', description: 'provision with this hsm_secret (64 hex digits, or a whole file without passphrase in hex)' },
    baud: { type: 'string', value: '<n>', description: 'emulated line speed, 50..20000000 bits per second' },
    network: { type: 'string', value: Object.keys(NETWORKS).join('|'), description: 'network for --hsm-secret' },
    link: { type: 'string', value: '<path>', description: 'a symlink to the PTY, removed when the emulator stops' },
    control: { type: 'string', value: '<socket>', description: 'control socket (reset, button presses)' },
    confirm: { type: 'string', value: CONFIRM_MODES.join('|'), description: 'how the emulated button answers prompts' },
    'confirm-timeout': { type: 'string', value: '<seconds>', description: 'how long a prompt waits (0 < s <= 86400)' },
    engine: { type: 'string', value: 'v8|native', default: 'v8 ($LNSIGNER_EMU_ENGINE)', description: 'firmware.wasm in V8 or the wasm2c native build' },
  },
  notes: ['SIGTERM / Ctrl-C stop it (exit 0); SIGHUP resets the device.'],
};

export function parseEmulatorArgs(args: string[]): EmulatorOptions {
  const v = parseOptions(EMULATOR_SPEC, args).values;
  const o: Partial<EmulatorOptions> = {
    stateDir: str(v, 'state'), image: str(v, 'image'), link: str(v, 'link'), control: str(v, 'control'),
  };
  for (const k of Object.keys(o) as (keyof EmulatorOptions)[]) if (o[k] === undefined) delete o[k];
  const confirm = str(v, 'confirm');
  if (confirm !== undefined) {
    if (!(CONFIRM_MODES as readonly string[]).includes(confirm)) throw new UsageError(`--confirm must be one of ${CONFIRM_MODES.join(', ')}, not ${cut(confirm)}`);
    o.confirm = confirm as ConfirmMode;
  }
  const timeout = str(v, 'confirm-timeout');
  if (timeout !== undefined) {
    const n = Number(timeout);
    if (!/^\d+(\.\d+)?$/.test(timeout) || !(n > 0) || n > 86400) throw new UsageError(`--confirm-timeout must be a number of seconds (0 < s <= 86400), not ${cut(timeout)}`);
    o.confirmTimeout = n;
  }
  const engine = str(v, 'engine');
  if (engine !== undefined) {
    if (engine !== 'v8' && engine !== 'native') throw new UsageError('--engine must be v8 (firmware.wasm in V8) or native (npm run build:native)');
    o.engine = engine;
  }
  const baud = str(v, 'baud');
  if (baud !== undefined) {
    const n = Number(baud);
    if (!/^\d+$/.test(baud) || n < 50 || n > 20_000_000) throw new UsageError(`--baud must be a whole number of bits per second (50..20000000), not ${cut(baud)}`);
    o.baud = n;
  }
  const secret = str(v, 'hsm-secret')?.trim();
  if (secret !== undefined) {
    // A 32-byte legacy hsm_secret, or a whole v25.12+ mnemonic-format file
    // without passphrase (32-byte zero header + BIP39 words), in hex.
    if (!/^([0-9a-fA-F]{2}){32,}$/.test(secret) || secret.length > 2 * 4096) {
      throw new UsageError('--hsm-secret must be 64 hex digits (the 32 bytes of an unencrypted hsm_secret) or the hex of a whole hsm_secret file without passphrase');
    }
    o.hsmSecret = Uint8Array.from(Buffer.from(secret, 'hex'));
  }
  const network = str(v, 'network');
  if (network !== undefined) {
    if (!(network in NETWORKS)) throw new UsageError(`--network must be one of ${Object.keys(NETWORKS).join(', ')}`);
    o.network = NETWORKS[network];
  }
  // LNSIGNER_EMU_ENGINE picks the default engine, so any PTY suite can run on
  // the native engine unchanged (docs/emulator.md "Engines").
  const env = process.env.LNSIGNER_EMU_ENGINE;
  if (o.engine === undefined && (env === 'v8' || env === 'native')) o.engine = env;
  return o as EmulatorOptions;
}

async function run(args: string[]): Promise<number> {
  const p = parseOrExit(EMULATOR_SPEC, args);
  if (typeof p === 'number') return p;
  let options: EmulatorOptions;
  try {
    options = parseEmulatorArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return usageFailure(EMULATOR_SPEC, e.message);
  }
  const log = (m: string) => process.stderr.write(`lnsigner emulator: ${m}\n`);
  let emu: Emulator;
  let fatal: (() => void) | undefined;
  try {
    emu = await Emulator.start({ ...options, log, onFatal: () => fatal?.() });
  } catch (e) {
    log(e instanceof Error ? e.message : String(e));
    return 1;
  }
  // Rule (issue 9): the --link goes when the emulator goes, however it exits
  // (SIGTERM/SIGINT stop() above; an error or a normal exit here), so a
  // stale link never points at a PTY number another program gets next.
  process.once('exit', () => emu.removeLink());
  const done = new Promise<number>((resolve) => {
    fatal = () => resolve(1);
    const stop = (sig: string) => {
      log(`${sig}: stopping`);
      emu.stop().then(() => resolve(0), () => resolve(1));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      log('SIGHUP: reset');
      emu.reset();
    });
  });
  // The one line on stdout: the PTY is raw and the device is booted.
  process.stdout.write(JSON.stringify({ path: emu.path }) + '\n');
  return done;
}

export const subcommand: Subcommand = { summary: 'run the device firmware behind a pseudo-terminal', spec: EMULATOR_SPEC, run };
