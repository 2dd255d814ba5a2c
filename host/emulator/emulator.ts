// The emulated device (docs/emulator.md): the chip (firmware.wasm) behind a
// raw pseudo-terminal, with its flash in the state directory, optional UART
// pacing and fault injection. Byte path:
//   host -> PTY -> rx UartLine -> rx faults -> chip.receive
//   chip serial_write -> tx faults -> tx UartLine -> PTY -> host
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:net';
import { PROMPT_APPROVED, RESET_PIN, RESET_POWER_ON } from '../../shared/board.js';
import * as P from '../../shared/protocol.js';
import { DEFAULT_FIRMWARE_PATH, boardClockSeconds } from '../firmware/load.js';
import { FrameDecoder, encodeFrame, type Frame } from '../transport/codec.js';
import { statusName } from '../transport/errors.js';
import { decodeError } from '../transport/messages.js';
import { Chip } from './chip.js';
import { NativeChip } from './native-chip.js';
import type { BuiltinImage } from './boot-rom.js';
import { isImage, parseImage } from '../flash/image.js';
import { serveControl } from './control.js';
import { FaultFilter, type FaultCommand } from './faults.js';
import { FileFlash } from './flash.js';
import { UartLine } from './line.js';
import { openPty, type Pty } from './pty.js';
import { DEFAULT_CONFIRM_TIMEOUT_S, EmulatorPrompt, type ConfirmMode } from './prompt.js';

export interface EmulatorOptions {
  /** The device's flash: one file per partition; created if missing. */
  stateDir: string;
  /** Firmware image to run (default build/firmware.wasm). */
  image?: string;
  /** The chip's CPU: firmware.wasm in V8 (default), or the host build of
   *  `npm run build:native` (docs/emulator.md "Engines"). */
  engine?: 'v8' | 'native';
  /** UART speed to pace both directions at; unthrottled when absent. */
  baud?: number;
  /** Provision with this Core Lightning hsm_secret file (32-byte legacy, or
   *  mnemonic format without passphrase) before serving. */
  hsmSecret?: Uint8Array;
  /** Network for --hsm-secret provisioning (NET_*). */
  network?: number;
  /** Also make this path a symlink to the PTY (stable across restarts). */
  link?: string;
  /** Serve the fault-injection control socket here. */
  control?: string;
  /** How the board's buttons answer prompts (default manual: the control socket's `button`). */
  confirm?: ConfirmMode;
  /** The board's own prompt timeout, seconds (default 120). */
  confirmTimeout?: number;
  log?: (msg: string) => void;
  /** Called if the PTY dies under the emulator (it has stopped itself by then). */
  onFatal?: (why: string) => void;
}

export class Emulator {
  readonly rxFaults = new FaultFilter();
  readonly txFaults = new FaultFilter();
  private resetAfterRx = -1;
  private rxBytes = 0;
  private txBytes = 0;
  private server?: Server;
  private stopped = false;

  private constructor(
    readonly options: EmulatorOptions,
    private readonly chip: ChipEngine,
    private readonly flash: FileFlash,
    private readonly pty: Pty,
    private readonly rxLine: UartLine,
    private readonly txLine: UartLine,
    private readonly pidFile: string,
    readonly prompt: EmulatorPrompt,
  ) {}

  get path(): string {
    return this.pty.path;
  }

  static async start(o: EmulatorOptions): Promise<Emulator> {
    const log = o.log ?? (() => undefined);
    mkdirSync(o.stateDir, { recursive: true });
    const pidFile = claimStateDir(o.stateDir);
    let pty: Pty | undefined;
    let flash: FileFlash | undefined;
    let native: NativeChip | undefined;
    try {
      const builtin = loadBuiltinImage(o.image ?? DEFAULT_FIRMWARE_PATH);
      const sha256 = builtin.sha256;
      flash = new FileFlash(o.stateDir);
      const prompt = new EmulatorPrompt(o.confirm ?? 'manual', 1000 * (o.confirmTimeout ?? DEFAULT_CONFIRM_TIMEOUT_S), log);
      const chip: ChipEngine = o.engine === 'native'
        ? (native = new NativeChip(builtin, flash, () => undefined, log, prompt))
        : new Chip(builtin, flash, () => undefined, log, prompt);
      chip.boot(RESET_POWER_ON);
      if (o.hsmSecret) {
        // The operator asked for this provisioning on the command line: that
        // is the press (whatever --confirm says for the host's requests).
        prompt.override = PROMPT_APPROVED;
        try {
          provisionDirect(chip, o.hsmSecret, o.network ?? P.NET_BITCOIN, log);
        } finally {
          prompt.override = undefined;
          prompt.reset();
        }
      }
      const p = (pty = await openPty());
      let emu: Emulator | undefined;
      const txLine = new UartLine(o.baud, (b) => p.write(b));
      const rxLine = new UartLine(o.baud, (b) => emu?.toChip(b));
      emu = new Emulator(o, chip, flash, p, rxLine, txLine, pidFile, prompt);
      const e = emu;
      chip.out = (b) => e.fromChip(b);
      p.onData((b) => rxLine.send(b));
      p.onExit((why) => {
        log(`${why}; stopping`);
        void e.stop().finally(() => o.onFatal?.(why));
      });
      if (o.link) makeLink(o.link, p.path);
      if (o.control) e.server = await serveControl(o.control, (c) => e.fault(c));
      log(`firmware ${Buffer.from(sha256).toString('hex').slice(0, 16)}... on ${p.path}, state ${o.stateDir}` +
        `${chip.slot ? `, running slot ${chip.slot === 1 ? 'A' : 'B'}` : ''}` +
        `${o.baud ? `, ${o.baud} baud` : ', unthrottled'}, confirm ${prompt.mode}${o.engine === 'native' ? ', native engine' : ''}`);
      return e;
    } catch (err) {
      await pty?.close();
      native?.close();
      flash?.close();
      rmSync(pidFile, { force: true });
      throw err;
    }
  }

  /** Resets the chip (reset pin): RAM and untransmitted bytes are lost, flash stays. */
  reset(reason = RESET_PIN): void {
    this.resetAfterRx = -1;
    this.rxLine.clear();
    this.txLine.clear();
    this.chip.boot(reason);
  }

  /** Applies a fault-injection command (docs/emulator.md). */
  fault(c: FaultCommand): Record<string, unknown> {
    const f = (d: 'rx' | 'tx') => (d === 'rx' ? this.rxFaults : this.txFaults);
    switch (c.op) {
      case 'drop':
        f(c.dir).arm(c.skip ?? 0, c.count ?? 1, 0);
        break;
      case 'corrupt':
        f(c.dir).arm(c.skip ?? 0, c.count ?? 1, c.xor ?? 0x20);
        break;
      case 'reset':
        if (c.afterRx === undefined || c.afterRx === 0) this.reset();
        else this.resetAfterRx = c.afterRx;
        break;
      case 'inject':
        this.txLine.send(Buffer.from(c.hex, 'hex'));
        break;
      case 'clear':
        this.rxFaults.clear();
        this.txFaults.clear();
        this.resetAfterRx = -1;
        break;
      case 'stats':
        break;
      case 'prompt':
        return { prompt: this.prompt.pending() };
      case 'button':
        this.prompt.press(c.press);
        return { prompt: null };
      case 'clock': {
        // The board clock reads LNSIGNER_EMU_CLOCK_OFFSET on every call
        // (host/firmware/load.ts boardClockSeconds).
        let off = c.offset ?? (Number.parseInt(process.env.LNSIGNER_EMU_CLOCK_OFFSET ?? '0', 10) || 0);
        off += c.advance ?? 0;
        process.env.LNSIGNER_EMU_CLOCK_OFFSET = String(off);
        return { clockOffset: off, clock: boardClockSeconds() };
      }
    }
    return {
      rxBytes: this.rxBytes, txBytes: this.txBytes, boots: this.chip.boots,
      rxFaults: this.rxFaults.applied, txFaults: this.txFaults.applied,
    };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.rxLine.clear();
    this.txLine.clear();
    if (this.server) {
      await new Promise<void>((r) => this.server!.close(() => r()));
      if (this.options.control) rmSync(this.options.control, { force: true });
    }
    this.removeLink();
    await this.pty.close();
    this.chip.close?.();
    this.flash.close();
    rmSync(this.pidFile, { force: true });
  }

  /** Removes the --link if it still points to this emulator's PTY (another
   *  emulator may have taken the path since). Synchronous: also run from the
   *  process's 'exit' handler, so any exit but SIGKILL leaves no link behind. */
  removeLink(): void {
    const link = this.options.link;
    if (!link) return;
    try {
      if (lstatSync(link).isSymbolicLink() && readlinkSync(link) === this.pty.path) rmSync(link);
    } catch {
      // already gone
    }
  }

  private toChip(bytes: Uint8Array): void {
    let b = this.rxFaults.apply(bytes);
    if (this.resetAfterRx > 0) {
      if (b.length >= this.resetAfterRx) {
        // The chip sees the first bytes, then resets; the rest of this burst
        // arrives while it is in reset and is lost.
        const head = b.subarray(0, this.resetAfterRx);
        this.rxBytes += head.length;
        this.chip.receive(head);
        this.reset();
        return;
      }
      this.resetAfterRx -= b.length;
    }
    this.rxBytes += b.length;
    this.chip.receive(b);
  }

  private fromChip(bytes: Uint8Array): void {
    const b = this.txFaults.apply(bytes);
    this.txBytes += b.length;
    this.txLine.send(b);
  }
}

/** What the emulator needs of a chip, whichever engine runs it. */
interface ChipEngine {
  boots: number;
  slot: number;
  out: (bytes: Uint8Array) => void;
  boot(reason: number): void;
  receive(bytes: Uint8Array): void;
  close?(): void;
}

/** One emulator per state directory: two would corrupt each other's flash. */
function claimStateDir(dir: string): string {
  const pidFile = join(dir, 'emulator.pid');
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(pidFile, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return pidFile;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (pid > 0 && isAlive(pid)) throw new Error(`state directory ${dir} is in use by another emulator (pid ${pid})`);
      rmSync(pidFile, { force: true }); // stale: its emulator died without cleaning up
    }
  }
  throw new Error(`cannot claim state directory ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function makeLink(link: string, target: string): void {
  clearLinkPath(link);
  symlinkSync(target, link);
}

function clearLinkPath(link: string): void {
  try {
    if (lstatSync(link).isSymbolicLink()) rmSync(link);
    else throw new Error(`--link ${link} exists and is not a symlink; not touching it`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** Provisions through the firmware's own provision request, on the chip's
 *  pins (not the PTY): the emulator never writes a secret behind its back. */
function provisionDirect(chip: ChipEngine, secret: Uint8Array, network: number, log: (m: string) => void): void {
  const frames: Frame[] = [];
  const dec = new FrameDecoder((f) => frames.push(f), () => undefined);
  const saved = chip.out;
  chip.out = (b) => dec.push(b);
  try {
    // provision, mode PROVISION_HSM_SECRET: mode | network | hsm_secret file.
    const payload = Uint8Array.from([P.PROVISION_HSM_SECRET, network, ...secret]);
    chip.receive(encodeFrame(P.MSG_PROVISION, 1, payload));
  } finally {
    chip.out = saved;
  }
  const reply = frames.find((f) => f.id === 1);
  if (reply?.type === (P.MSG_PROVISION | P.MSG_REPLY)) return log('provisioned from --hsm-secret');
  const err = reply?.type === P.MSG_ERROR ? decodeError(reply.payload) : undefined;
  if (err?.code === P.ERR_ALREADY_PROVISIONED) return log('already provisioned; --hsm-secret ignored');
  if (err?.code === P.ERR_UNSUPPORTED) {
    throw new Error('--hsm-secret: this firmware does not implement the provision request yet (ERR_UNSUPPORTED)');
  }
  throw new Error(`--hsm-secret: the firmware refused provisioning (${err ? `${statusName(err.code)}${err.detail ? `, detail ${err.detail}` : ''}` : 'no reply'})`);
}

/** The chip's built-in image: a bare wasm, or a signed image (docs/firmware-images.md)
 *  whose wasm runs with the header's version and hash (loaded as a debugger
 *  would: the signature is the bootloader's business, not the ROM's). */
function loadBuiltinImage(path: string): BuiltinImage {
  const file = new Uint8Array(readFileSync(path));
  if (isImage(file)) {
    const img = parseImage(file);
    return { wasm: img.wasm, sha256: img.hash, version: img.version };
  }
  return { wasm: file, sha256: new Uint8Array(createHash('sha256').update(file).digest()), version: 0 };
}
