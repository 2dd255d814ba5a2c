// Request round trips to the emulated device over a real PTY with the real
// serialport binding: unthrottled, and with the emulator pacing a 115200-baud
// UART, next to that line's raw byte time (wire bytes x 10 / baud) for the same
// bytes. Each round trip is one entry of ROUND_TRIPS; sign_bolt12 becomes one
// more entry once its handler exists.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as P from '../../shared/protocol.js';
import { spawnEmulator, type SpawnedEmulator } from '../../host/emulator/spawn.js';
import { SerialTransport } from '../../host/transport/serial.js';
import { encodeFrame } from '../../host/transport/codec.js';
import type { BenchCase, BenchSuite } from '../types.js';

const BAUD = 115200;

interface RoundTrip {
  name: string;
  type: number;
  payload: Uint8Array;
  /** Reply payload size, for the wire byte count. */
  replyLen: number;
}

const ROUND_TRIPS: RoundTrip[] = [
  { name: 'serial ping 0B', type: P.MSG_PING, payload: new Uint8Array(0), replyLen: 0 },
  { name: 'serial get_info', type: P.MSG_GET_INFO, payload: new Uint8Array(0), replyLen: P.INFO_SIZE },
  // Stand-in for sign_bolt12 until it exists: a 4 KiB stream in, ~100 bytes
  // out (ping echoes, so this moves more bytes back than signing will).
  { name: 'serial ping 4KiB', type: P.MSG_PING, payload: new Uint8Array(4096).fill(0x5a), replyLen: 4096 },
];

/** Bytes on the wire for one round trip (request frame + reply frame). */
function wireBytes(rt: RoundTrip): number {
  const req = encodeFrame(rt.type, 1, rt.payload).length;
  const rep = encodeFrame(rt.type | P.MSG_REPLY, 1, new Uint8Array(rt.replyLen).fill(0x5a)).length;
  return req + rep;
}

/** The raw line time as a reference row: holds the CPU for `ms`. Back-to-back
 *  calls continue from the previous deadline, so a late wake-up on a busy
 *  machine is not counted twice and the rate stays 1000 / ms. */
let deadline = 0;
function spin(ms: number): void {
  const now = performance.now();
  deadline = (now - deadline < 10 ? deadline : now) + ms;
  while (performance.now() < deadline);
}

let emus: SpawnedEmulator[] = [];
let links: SerialTransport[] = [];
let dir = '';

export const serialSuite: BenchSuite = {
  title: `Serial round trips over the PTY (unthrottled, paced at ${BAUD} baud, and that line's raw byte time)`,
  async setup() {
    dir = mkdtempSync(join(tmpdir(), 'lnsigner-bench-'));
    const fast = await spawnEmulator(['--state', join(dir, 'fast')]);
    const paced = await spawnEmulator(['--state', join(dir, 'paced'), '--baud', String(BAUD)]);
    emus = [fast, paced];
    const tFast = await SerialTransport.open(fast.path, { baudRate: BAUD });
    const tPaced = await SerialTransport.open(paced.path, { baudRate: BAUD });
    links = [tFast, tPaced];
    const cases: BenchCase[] = [];
    for (const rt of ROUND_TRIPS) {
      const bytes = wireBytes(rt);
      const lineMs = (bytes * 10 * 1000) / BAUD;
      const extra = { wire_bytes: bytes, line_ms: Math.round(lineMs * 1000) / 1000, line_ops_per_s: Math.round((10000 / lineMs)) / 10 };
      cases.push({ name: rt.name, impl: 'pty', fn: () => tFast.request(rt.type, rt.payload), extra });
      cases.push({ name: rt.name, impl: `pty@${BAUD}`, fn: () => tPaced.request(rt.type, rt.payload), extra });
      cases.push({ name: rt.name, impl: `line@${BAUD}`, fn: () => spin(lineMs), extra });
    }
    return cases;
  },
  async teardown() {
    await Promise.all(links.map((l) => l.close()));
    await Promise.all(emus.map((e) => e.stop()));
    links = [];
    emus = [];
    rmSync(dir, { recursive: true, force: true });
  },
};
