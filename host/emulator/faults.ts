// Fault injection between the serial line and the chip's pins (docs/emulator.md).
// Direction "rx" is host -> device, "tx" is device -> host. Faults are armed
// by count of bytes, not by time, so tests that use them are deterministic.

export type Dir = 'rx' | 'tx';

export type FaultCommand =
  /** Drop `count` bytes (default 1) after letting `skip` through (default 0). */
  | { op: 'drop'; dir: Dir; skip?: number; count?: number }
  /** XOR `count` bytes (default 1) with `xor` (default 0x20) after `skip`. */
  | { op: 'corrupt'; dir: Dir; skip?: number; count?: number; xor?: number }
  /** Reset the chip now, or once `afterRx` more bytes reached it. */
  | { op: 'reset'; afterRx?: number }
  /** Send raw bytes (hex) to the host, as line noise from the device. */
  | { op: 'inject'; hex: string }
  /** Disarm every fault. */
  | { op: 'clear' }
  /** Counters: bytes each way, resets, faults applied. */
  | { op: 'stats' }
  /** Board clock (env.clock_seconds): set its offset from the host's time
   *  (seconds, may be negative) and/or advance it by `advance` seconds. */
  | { op: 'clock'; offset?: number; advance?: number }
  /** The text of the prompt waiting for a press, or null. */
  | { op: 'prompt' }
  /** Press a button of the board (--confirm manual). */
  | { op: 'button'; press: 'approve' | 'deny' };

interface Armed {
  skip: number;
  count: number;
  xor: number; // 0 = drop
}

/** Byte filter of one direction. */
export class FaultFilter {
  private armed: Armed[] = [];
  applied = 0;

  arm(skip: number, count: number, xor: number): void {
    this.armed.push({ skip, count, xor });
  }

  clear(): void {
    this.armed = [];
  }

  /** The bytes that get through, after the armed faults (in arming order). */
  apply(bytes: Uint8Array): Uint8Array {
    if (!this.armed.length) return bytes;
    const out: number[] = [];
    for (const b of bytes) {
      const f = this.armed[0];
      if (!f) {
        out.push(b);
        continue;
      }
      if (f.skip > 0) {
        f.skip--;
        out.push(b);
        continue;
      }
      this.applied++;
      if (f.xor) out.push(b ^ f.xor);
      if (--f.count === 0) this.armed.shift();
    }
    return Uint8Array.from(out);
  }
}

/** Validates a command from the control socket; throws with a clear message. */
export function parseFault(x: unknown): FaultCommand {
  const c = x as Record<string, unknown>;
  const nat = (v: unknown, name: string, dflt: number) => {
    if (v === undefined) return dflt;
    if (!Number.isInteger(v) || (v as number) < 0) throw new Error(`${name} must be a non-negative integer`);
    return v as number;
  };
  if (!c || typeof c !== 'object') throw new Error('a command is a JSON object');
  const dir = () => {
    if (c.dir !== 'rx' && c.dir !== 'tx') throw new Error('dir must be "rx" (host to device) or "tx" (device to host)');
    return c.dir;
  };
  switch (c.op) {
    case 'drop':
      return { op: 'drop', dir: dir(), skip: nat(c.skip, 'skip', 0), count: Math.max(1, nat(c.count, 'count', 1)) };
    case 'corrupt': {
      const xor = nat(c.xor, 'xor', 0x20);
      if (xor < 1 || xor > 255) throw new Error('xor must be 1..255');
      return { op: 'corrupt', dir: dir(), skip: nat(c.skip, 'skip', 0), count: Math.max(1, nat(c.count, 'count', 1)), xor };
    }
    case 'reset':
      return c.afterRx === undefined ? { op: 'reset' } : { op: 'reset', afterRx: nat(c.afterRx, 'afterRx', 0) };
    case 'inject':
      if (typeof c.hex !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(c.hex)) throw new Error('hex must be a string of hex byte pairs');
      return { op: 'inject', hex: c.hex };
    case 'clear':
    case 'stats':
      return { op: c.op };
    case 'clock': {
      const int = (v: unknown, name: string) => {
        if (v !== undefined && !Number.isSafeInteger(v)) throw new Error(`${name} must be an integer number of seconds`);
        return v as number | undefined;
      };
      return { op: 'clock', offset: int(c.offset, 'offset'), advance: int(c.advance, 'advance') };
    }
    case 'prompt':
      return { op: 'prompt' };
    case 'button':
      if (c.press !== 'approve' && c.press !== 'deny') throw new Error('press must be "approve" or "deny"');
      return { op: 'button', press: c.press };
    default:
      throw new Error(`unknown op ${JSON.stringify(c.op)} (drop, corrupt, reset, inject, clear, stats, clock, prompt, button)`);
  }
}
