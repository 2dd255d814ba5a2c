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
import { CONFIRM_MODES, type ConfirmMode } from '../emulator/prompt.js';

const USAGE = `usage: lnsigner emulator --state <dir> [--image <file.wasm>] [--hsm-secret <hex>]
                          [--baud <n>] [--network bitcoin|testnet|signet|regtest]
                          [--link <path>] [--control <socket>]
                          [--confirm approve|deny|manual] [--confirm-timeout <seconds>] [--engine v8|native]`;

const NETWORKS: Record<string, number> = {
  bitcoin: P.NET_BITCOIN, testnet: P.NET_TESTNET, signet: P.NET_SIGNET, regtest: P.NET_REGTEST,
};

class UsageError extends Error {}

export function parseEmulatorArgs(args: string[]): EmulatorOptions {
  const o: Partial<EmulatorOptions> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--state': o.stateDir = value(); break;
      case '--image': o.image = value(); break;
      case '--link': o.link = value(); break;
      case '--control': o.control = value(); break;
      case '--confirm': {
        const v = value();
        if (!(CONFIRM_MODES as readonly string[]).includes(v)) throw new UsageError(`--confirm must be one of ${CONFIRM_MODES.join(', ')}, not ${v}`);
        o.confirm = v as ConfirmMode;
        break;
      }
      case '--confirm-timeout': {
        const v = value();
        const n = Number(v);
        if (!/^\d+(\.\d+)?$/.test(v) || !(n > 0) || n > 86400) throw new UsageError(`--confirm-timeout must be a number of seconds (0 < s <= 86400), not ${v}`);
        o.confirmTimeout = n;
        break;
      }
      case '--engine': {
        const v = value();
        if (v !== 'v8' && v !== 'native') throw new UsageError('--engine must be v8 (firmware.wasm in V8) or native (npm run build:native)');
        o.engine = v;
        break;
      }
      case '--baud': {
        const v = value();
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < 50 || n > 20_000_000) throw new UsageError(`--baud must be a whole number of bits per second (50..20000000), not ${v}`);
        o.baud = n;
        break;
      }
      case '--hsm-secret': {
        const v = value().trim();
        // A 32-byte legacy hsm_secret, or a whole v25.12+ mnemonic-format file
        // without passphrase (32-byte zero header + BIP39 words), in hex.
        if (!/^([0-9a-fA-F]{2}){32,}$/.test(v) || v.length > 2 * 4096) {
          throw new UsageError('--hsm-secret must be 64 hex digits (the 32 bytes of an unencrypted hsm_secret) or the hex of a whole hsm_secret file without passphrase');
        }
        o.hsmSecret = Uint8Array.from(Buffer.from(v, 'hex'));
        break;
      }
      case '--network': {
        const v = value();
        if (!(v in NETWORKS)) throw new UsageError(`--network must be one of ${Object.keys(NETWORKS).join(', ')}`);
        o.network = NETWORKS[v];
        break;
      }
      default:
        throw new UsageError(`unknown option ${a}`);
    }
  }
  // LNSIGNER_EMU_ENGINE picks the default engine, so any PTY suite can run on
  // the native engine unchanged (docs/emulator.md "Engines").
  const env = process.env.LNSIGNER_EMU_ENGINE;
  if (o.engine === undefined && (env === 'v8' || env === 'native')) o.engine = env;
  if (!o.stateDir) throw new UsageError('--state <dir> is required (the device\'s flash lives there)');
  return o as EmulatorOptions;
}

async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let options: EmulatorOptions;
  try {
    options = parseEmulatorArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`lnsigner emulator: ${e.message}\n${USAGE}`);
    return 2;
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

export const subcommand: Subcommand = { summary: 'run the device firmware behind a pseudo-terminal', run };
