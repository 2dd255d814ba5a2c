// Request round trips to the emulated device over a real PTY with the real
// serialport binding: unthrottled, and with the emulator pacing a 115200-baud
// UART, next to that line's raw byte time (wire bytes x 10 / baud) for the same
// bytes. Each round trip is one entry of ROUND_TRIPS. Both emulators are
// provisioned (--hsm-secret, pyln-testing "lightning-2", a public test seed) so
// sign_bolt12 runs the whole device path: stream walk, merkle root, key
// choice, BIP-340 sign and self-verify — plus the host's verification when
// called through DeviceClient.signBolt12 (the `+verify` rows).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as P from '../../shared/protocol.js';
import { spawnEmulator, type SpawnedEmulator } from '../../host/emulator/spawn.js';
import { SerialTransport } from '../../host/transport/serial.js';
import { encodeFrame } from '../../host/transport/codec.js';
import type { BenchCase, BenchSuite } from '../types.js';
import { decodeBolt12 } from '../../host/bolt12/index.js';
import { encodeTlvStream, readTlvRecords } from '../../host/bolt12/tlv.js';
import { DeviceClient } from '../../host/device-client/client.js';
import { encodeSignBolt12 } from '../../host/device-client/requests.js';

// test/vectors/cln-key-derivation-vectors.json: lightning-2's hsm_secret file
// and the invoicerequest example it signed (payer id = its node id).
const HSM_SECRET_L2 = '0000000000000000000000000000000000000000000000000000000000000000686f636b657920656e726f6c6c2073757265207472697020747261636b20726573637565206f726967696e616c20706c6179206162616e646f6e206162616e646f6e206162616e646f6e2061636869657665';
const INVREQ_L2 = decodeBolt12(
  'lnr1qqgv27pu76evyr7zc4urea4jcg8uyzst2d5k6urvv5s8getnw3gzqp3zderpzxstt8927ynqg044h0egcd8n5h3n9g0u0v4h8ncc3yg02gps7sjqtqssxwz9sqkjtd8qwnx06lxckvu6g8w8t0ue0zsrfqqygj636s4sw7v67pqwvcxd9ngrvwv4ccd2dc9vtyskuqpl6kskculsxsldq88hahcmyfp4mr3pqeeas9hsywx65c288qjcx5qj2lf73matnke66c2p32e67g',
).bytes;
/** The invreq without its signature, optionally padded with an odd
 *  experimental record (1000000001) to `size` bytes. */
function invreq(size?: number): Uint8Array {
  const recs = readTlvRecords(INVREQ_L2).filter((r) => r.type < 240n).map((r) => ({ type: r.type, value: r.value }));
  const base = encodeTlvStream(recs);
  if (size === undefined) return base;
  return encodeTlvStream([...recs, { type: 1000000001n, value: new Uint8Array(size - base.length - 8).fill(0x5a) }]);
}
const SIGN_SMALL = invreq();
const SIGN_4K = invreq(4096);

const BAUD = 115200;

interface RoundTrip {
  name: string;
  type: number;
  payload: Uint8Array;
  /** Reply payload size, for the wire byte count. */
  replyLen: number;
  /** sign_bolt12: the stream, for the DeviceClient (+verify) rows. */
  tlv?: Uint8Array;
}

const ROUND_TRIPS: RoundTrip[] = [
  { name: 'serial ping 0B', type: P.MSG_PING, payload: new Uint8Array(0), replyLen: 0 },
  { name: 'serial get_info', type: P.MSG_GET_INFO, payload: new Uint8Array(0), replyLen: P.INFO_SIZE },
  // Stand-in for sign_bolt12 until it exists: a 4 KiB stream in, ~100 bytes
  // out (ping echoes, so this moves more bytes back than signing will).
  { name: 'serial ping 4KiB', type: P.MSG_PING, payload: new Uint8Array(4096).fill(0x5a), replyLen: 4096 },
  {
    name: `serial sign_bolt12 invreq ${SIGN_SMALL.length}B`, type: P.MSG_SIGN_BOLT12,
    payload: encodeSignBolt12('invoice_request', 'signature', SIGN_SMALL), replyLen: P.SIGN_REPLY_SIZE,
    tlv: SIGN_SMALL,
  },
  {
    name: `serial sign_bolt12 invreq ${SIGN_4K.length}B`, type: P.MSG_SIGN_BOLT12,
    payload: encodeSignBolt12('invoice_request', 'signature', SIGN_4K), replyLen: P.SIGN_REPLY_SIZE,
    tlv: SIGN_4K,
  },
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
    const fast = await spawnEmulator(['--state', join(dir, 'fast'), '--hsm-secret', HSM_SECRET_L2, '--confirm', 'approve']);
    const paced = await spawnEmulator(['--state', join(dir, 'paced'), '--baud', String(BAUD), '--hsm-secret', HSM_SECRET_L2, '--confirm', 'approve']);
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
      if (rt.tlv) {
        const tlv = rt.tlv;
        const cFast = new DeviceClient(tFast);
        cases.push({ name: rt.name, impl: 'pty+verify', fn: () => cFast.signBolt12('invoice_request', tlv), extra });
      }
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
