// Loads firmware.wasm into this Node process: the emulator's "chip", and the
// harness through which tests and benchmarks reach the firmware's exports.
import { readFileSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { FIRMWARE_WASM } from '../paths.js';
import { FLASH_ERR_IO, FLASH_ERR_RANGE, PROMPT_APPROVED, PROMPT_DENIED, PROMPT_MAX_TEXT } from '../../shared/board.js';
import { MemoryFlash, type FlashDevice } from '../emulator/flash.js';

export const DEFAULT_FIRMWARE_PATH = FIRMWARE_WASM;

/** Host-side implementations of the firmware's imports (see shared/firmware-abi.ts). */
export interface FirmwareHal {
  /** Fills `out` with hardware randomness. */
  entropy(out: Uint8Array): void;
  /** Bytes the firmware sends on its serial line (a copy; default: dropped). */
  serialWrite?(bytes: Uint8Array): void;
  /** The device's flash (default: a fresh, erased MemoryFlash per instance). */
  flash?: FlashDevice;
  /** The board's real-time clock, Unix seconds (default: boardClockSeconds). */
  clock?(): number;
  /** The board's display and buttons (env.prompt_show / env.prompt_poll).
   *  Default: none, so every request that needs a press is refused
   *  (ERR_CONFIRM_DENIED, detail 1). Tests pass autoPrompt(...) or their own. */
  prompt?: BoardPrompt;
}

/** The user prompt of a board (docs/firmware.md "Imports"). */
export interface BoardPrompt {
  /** Shows `text` (UTF-8, ≤ 4 lines of ≤ 32 characters) and arms the
   *  buttons; '' clears the display. Returns 0 when shown. */
  show(text: string): number;
  /** PROMPT_WAITING, PROMPT_APPROVED, PROMPT_DENIED or PROMPT_TIMEOUT. Never blocks. */
  poll(): number;
  /** The board reset: the display is cleared and a pending press forgotten. */
  reset?(): void;
}

/** A board whose user answers every prompt at once with `answer`
 *  (PROMPT_APPROVED or PROMPT_DENIED); `shown` collects the texts. */
export function autoPrompt(answer: number = PROMPT_APPROVED, shown: string[] = []): BoardPrompt {
  return {
    show(text) {
      if (text) shown.push(text);
      return 0;
    },
    poll: () => answer,
  };
}

/** No display: nothing can be shown, so nothing can be confirmed. */
const noPrompt: BoardPrompt = { show: (text) => (text ? 1 : 0), poll: () => PROMPT_DENIED };

/** Default board clock: the host's time plus LNSIGNER_EMU_CLOCK_OFFSET seconds
 *  (an integer, may be negative), so tests can move the device's clock
 *  (e.g. past the 24-hour spending window) without waiting. */
export function boardClockSeconds(): number {
  const off = Number.parseInt(process.env.LNSIGNER_EMU_CLOCK_OFFSET ?? '0', 10);
  return Math.floor(Date.now() / 1000) + (Number.isFinite(off) ? off : 0);
}

export const defaultHal: FirmwareHal = {
  entropy: (out) => void randomFillSync(out),
};

export interface Firmware {
  readonly instance: WebAssembly.Instance;
  readonly exports: Record<string, any>;
  readonly memory: WebAssembly.Memory;
  /** Base and size of the chip-interface scratch area. */
  readonly io: number;
  readonly ioSize: number;
  /** Current view of linear memory (memory never grows: initial = maximum). */
  bytes(): Uint8Array;
  write(ptr: number, data: Uint8Array): void;
  read(ptr: number, len: number): Uint8Array;
}

export function firmwareImports(getMemory: () => WebAssembly.Memory, hal: FirmwareHal): WebAssembly.Imports {
  const flash = hal.flash ?? new MemoryFlash();
  // A view of firmware memory, or undefined when [ptr, ptr+len) is outside it.
  const view = (ptr: number, len: number): Uint8Array | undefined => {
    const buf = getMemory().buffer;
    ptr >>>= 0;
    len >>>= 0;
    return ptr + len <= buf.byteLength ? new Uint8Array(buf, ptr, len) : undefined;
  };
  // Imports never throw into the firmware: failures become its error codes.
  const flashCall = (f: () => number): number => {
    try {
      return f();
    } catch {
      return FLASH_ERR_IO;
    }
  };
  return {
    env: {
      serial_write(ptr: number, len: number): void {
        const v = view(ptr, len);
        if (v && hal.serialWrite) hal.serialWrite(v.slice());
      },
      flash_read(offset: number, ptr: number, len: number): number {
        const v = view(ptr, len);
        return v ? flashCall(() => flash.read(offset >>> 0, v)) : FLASH_ERR_RANGE;
      },
      flash_write(offset: number, ptr: number, len: number): number {
        const v = view(ptr, len);
        return v ? flashCall(() => flash.write(offset >>> 0, v)) : FLASH_ERR_RANGE;
      },
      flash_erase(offset: number, len: number): number {
        return flashCall(() => flash.erase(offset >>> 0, len >>> 0));
      },
      clock_seconds(): number {
        try {
          return (hal.clock ?? boardClockSeconds)() >>> 0 | 0;
        } catch {
          return 0;
        }
      },
      prompt_show(ptr: number, len: number): number {
        try {
          len >>>= 0;
          if (len > PROMPT_MAX_TEXT) return 1;
          const v = view(ptr, len);
          if (!v) return 1;
          return (hal.prompt ?? noPrompt).show(new TextDecoder().decode(v)) | 0;
        } catch {
          return 1;
        }
      },
      prompt_poll(): number {
        try {
          return (hal.prompt ?? noPrompt).poll() | 0;
        } catch {
          return PROMPT_DENIED;
        }
      },
      entropy(ptr: number, len: number): number {
        try {
          hal.entropy(new Uint8Array(getMemory().buffer, ptr, len));
          return 0;
        } catch {
          return 1;
        }
      },
    },
  };
}

export function instantiateFirmware(wasm: BufferSource, hal: FirmwareHal = defaultHal): Firmware {
  const module = new WebAssembly.Module(wasm);
  let memory: WebAssembly.Memory | undefined;
  const instance = new WebAssembly.Instance(module, firmwareImports(() => memory!, hal));
  const exports = instance.exports as Record<string, any>;
  memory = exports.memory as WebAssembly.Memory;
  const mem = memory;
  const io = exports.io_ptr() >>> 0;
  const ioSize = exports.io_size() >>> 0;
  return {
    instance,
    exports,
    memory: mem,
    io,
    ioSize,
    bytes: () => new Uint8Array(mem.buffer),
    write(ptr, data) {
      new Uint8Array(mem.buffer).set(data, ptr);
    },
    read(ptr, len) {
      return new Uint8Array(mem.buffer).slice(ptr, ptr + len);
    },
  };
}

export function loadFirmware(path: string = DEFAULT_FIRMWARE_PATH, hal: FirmwareHal = defaultHal): Firmware {
  return instantiateFirmware(readFileSync(path), hal);
}
