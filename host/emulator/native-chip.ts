// The emulated chip with the native engine (`lnsigner emulator --engine
// native`, docs/emulator.md "Engines"): the firmware compiled ahead of time
// by `npm run build:native` (wasm2c + gcc) runs as a child process, the
// chip's CPU; the emulator keeps the PTY, the flash files, the clock, the
// prompt and the control socket. They talk over two FIFOs with blocking
// reads, so the chip stays synchronous exactly like the V8 engine (chip.ts):
// receive() returns once the firmware has processed the bytes.
//
// Pipe protocol: every message is [type u8][len u32 LE][payload].
//   emulator -> chip: 'B' boot info (48 bytes; a reset: fresh RAM, fw_boot)
//                     'R' received serial bytes (<= serial_rx_cap)
//                     'S' run selftest()
//                     'A' the answer to a chip request: [status i32 LE][data]
//   chip -> emulator: 'H' hello [serial_rx_cap u32][memory bytes u32], once
//                     'W' serial_write bytes (no answer)
//                     'F' flash_read [offset u32][len u32] -> A [status][bytes]
//                     'P' flash_write [offset u32][bytes] -> A [status]
//                     'E' flash_erase [offset u32][len u32] -> A [status]
//                     'N' entropy [len u32] -> A [0][bytes]
//                     'T' clock_seconds -> A [seconds]
//                     'Q' prompt_show [UTF-8 text] -> A [status]
//                     'O' prompt_poll -> A [PROMPT_*]
//                     'D' done [trap u32: 0 or wasm_rt_trap_t][value u32]
//                         (B: 0; R: fw_reset_pending(); S: selftest())
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOOT_INFO_OFF_REASON, FLASH_ERR_IO, RESET_SOFTWARE, RESET_WATCHDOG, SLOT_DIRECT } from '../../shared/board.js';
import { boardClockSeconds } from '../firmware/load.js';
import { PROJECT_ROOT } from '../paths.js';
import { directInfo, type BuiltinImage } from './boot-rom.js';
import type { FlashDevice } from './flash.js';

/** The host build of `npm run build:native`. */
export const NATIVE_CHIP_BIN = join(PROJECT_ROOT, 'build', 'native', 'host', 'lnsigner-native');

/** The board's display and buttons, as the V8 engine's loader takes them
 *  (host/firmware/load.ts BoardPrompt: show, poll, reset). */
export interface NativePrompt {
  show(text: string): number;
  poll(): number;
  reset?(): void;
}

/** Why the native engine cannot run `image`, or undefined when it can. */
export function nativeEngineProblem(wasm: Uint8Array, bin = NATIVE_CHIP_BIN): string | undefined {
  if (!existsSync(bin)) return `${bin} is missing: run npm run build:native (Debian packages wabt, gcc)`;
  let built = '';
  try {
    built = readFileSync(join(bin, '..', 'firmware.sha256'), 'utf8').trim();
  } catch {
    return `${bin} has no firmware.sha256 beside it: run npm run build:native`;
  }
  const sha = createHash('sha256').update(wasm).digest('hex');
  if (built !== sha) return `${bin} was built from another firmware.wasm (${built.slice(0, 16)}..., this image ${sha.slice(0, 16)}...): run npm run build:native`;
  return undefined;
}

const PROMPT_DENIED = 2;

class ChipDied extends Error {}

export class NativeChip {
  boots = 0;
  /** The native engine always runs its compiled image. */
  slot = SLOT_DIRECT;
  private proc?: ChildProcess;
  private toFd = -1;
  private fromFd = -1;
  private rxCap = 0;
  private halted = false;

  constructor(
    private readonly image: BuiltinImage,
    private readonly flash: FlashDevice,
    /** Where the firmware's serial output goes. */
    public out: (bytes: Uint8Array) => void,
    private readonly log: (msg: string) => void = () => undefined,
    private readonly prompt?: NativePrompt,
    private readonly bin = NATIVE_CHIP_BIN,
  ) {
    const why = nativeEngineProblem(image.wasm, bin);
    if (why) throw new Error(`--engine native: ${why}`);
  }

  /** Powers up or resets the chip with the given RESET_* reason. */
  boot(reason: number): void {
    this.boots++;
    this.halted = false;
    this.prompt?.reset?.();
    const info = directInfo(this.image);
    info[BOOT_INFO_OFF_REASON] = reason;
    try {
      if (!this.proc) this.start();
      const [trap] = this.request('B', info);
      if (trap) {
        this.log(`firmware trapped while booting (trap ${trap}); halted`);
        this.halted = true;
      }
    } catch (e) {
      this.died(e);
      this.halted = true;
    }
  }

  /** Bytes arriving at the chip's UART. */
  receive(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length && !this.halted; i += this.rxCap) {
      const n = Math.min(this.rxCap, bytes.length - i);
      let trap: number, resetPending: number;
      try {
        [trap, resetPending] = this.request('R', bytes.subarray(i, i + n));
      } catch (e) {
        this.died(e);
        return this.boot(RESET_WATCHDOG);
      }
      // The firmware must never trap; if it does (a bug), the watchdog resets it.
      if (trap) {
        this.log(`firmware trapped (trap ${trap}); watchdog reset`);
        return this.boot(RESET_WATCHDOG);
      }
      // The reboot request: its reply is out; the firmware asks for a reset.
      if (resetPending) return this.boot(RESET_SOFTWARE);
    }
  }

  /** Runs the firmware's selftest() on the running instance (tests). */
  selftest(): number {
    const [trap, value] = this.request('S', new Uint8Array(0));
    if (trap) throw new Error(`selftest trapped (trap ${trap})`);
    return value;
  }

  /** Powers the chip off: ends the process. */
  close(): void {
    this.proc?.kill('SIGKILL');
    this.proc = undefined;
    for (const fd of [this.toFd, this.fromFd]) if (fd >= 0) closeSync(fd);
    this.toFd = this.fromFd = -1;
  }

  private died(e: unknown): void {
    const why = e instanceof Error ? e.message : String(e);
    this.log(`native chip stopped (${why}); restarting it`);
    this.close();
  }

  private start(): void {
    const dir = mkdtempSync(join(tmpdir(), 'lnsigner-native-'));
    try {
      const to = join(dir, 'to-chip'), from = join(dir, 'from-chip');
      execFileSync('mkfifo', [to, from]);
      // O_RDWR opens of a FIFO do not wait for the other end (Linux).
      this.toFd = openSync(to, 'r+');
      const fromRw = openSync(from, 'r+');
      this.proc = spawn(this.bin, ['chip'], { stdio: [this.toFd, fromRw, 'inherit'] });
      // Read through a read-only descriptor, so the chip's exit is an end of file.
      this.fromFd = openSync(from, 'r');
      closeSync(fromRw);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const [type, hello] = this.readMsg();
    if (type !== 'H' || hello.length !== 8) throw new ChipDied('no hello from the native chip');
    this.rxCap = new DataView(hello.buffer, hello.byteOffset).getUint32(0, true);
  }

  private send(type: string, payload: Uint8Array): void {
    const h = Buffer.alloc(5);
    h[0] = type.charCodeAt(0);
    h.writeUInt32LE(payload.length, 1);
    const msg = Buffer.concat([h, payload]);
    for (let off = 0; off < msg.length;) off += writeSync(this.toFd, msg, off);
  }

  private readFull(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let off = 0; off < n;) {
      const r = readSync(this.fromFd, b, off, n - off, null);
      if (r === 0) throw new ChipDied('the native chip exited');
      off += r;
    }
    return b;
  }

  private readMsg(): [string, Buffer] {
    const h = this.readFull(5);
    return [String.fromCharCode(h[0]), this.readFull(h.readUInt32LE(1))];
  }

  private answer(status: number, data?: Uint8Array): void {
    const s = Buffer.alloc(4);
    s.writeInt32LE(status | 0);
    this.send('A', data ? Buffer.concat([s, data]) : s);
  }

  /** Sends a request and serves the chip's imports until it is done: [trap, value]. */
  private request(type: string, payload: Uint8Array): [number, number] {
    this.send(type, payload);
    for (;;) {
      const [t, p] = this.readMsg();
      const u32 = (at: number) => p.readUInt32LE(at);
      switch (t) {
        case 'D':
          return [u32(0), u32(4)];
        case 'W':
          this.out(Uint8Array.from(p));
          break;
        case 'F': {
          const buf = new Uint8Array(u32(4));
          const s = this.flashCall(() => this.flash.read(u32(0), buf));
          this.answer(s, buf);
          break;
        }
        case 'P':
          this.answer(this.flashCall(() => this.flash.write(u32(0), Uint8Array.from(p.subarray(4)))));
          break;
        case 'E':
          this.answer(this.flashCall(() => this.flash.erase(u32(0), u32(4))));
          break;
        case 'N': {
          const buf = new Uint8Array(u32(0));
          randomFillSync(buf);
          this.answer(0, buf);
          break;
        }
        case 'T': {
          let s = 0;
          try {
            s = boardClockSeconds() >>> 0;
          } catch {
            s = 0;
          }
          this.answer(s);
          break;
        }
        case 'Q': {
          // No display: nothing can be shown, so nothing can be confirmed (as the V8 loader).
          const text = new TextDecoder().decode(p);
          let r = text ? 1 : 0;
          try {
            if (this.prompt) r = this.prompt.show(text) | 0;
          } catch {
            r = 1;
          }
          this.answer(r);
          break;
        }
        case 'O': {
          let r = PROMPT_DENIED;
          try {
            if (this.prompt) r = this.prompt.poll() | 0;
          } catch {
            r = PROMPT_DENIED;
          }
          this.answer(r);
          break;
        }
        default:
          throw new ChipDied(`unknown message ${JSON.stringify(t)} from the native chip`);
      }
    }
  }

  private flashCall(f: () => number): number {
    try {
      return f();
    } catch {
      return FLASH_ERR_IO;
    }
  }
}
