// The firmware's frame handler and dispatcher, driven in-process through its
// board interface (fw_boot, serial_rx, env.serial_write, env.flash_*): every
// frame rule, every error reply and its discard count, and that no input
// makes it trap or stop serving. The same firmware behind the real PTY is
// tested in test/transport-serial.test.ts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as P from '../shared/protocol.js';
import { RESET_PIN, RESET_POWER_ON } from '../shared/board.js';
import { FIRMWARE_WASM } from '../host/paths.js';
import { Chip } from '../host/emulator/chip.js';
import { MemoryFlash } from '../host/emulator/flash.js';
import { FrameDecoder, cobsEncode, encodeFrame, frameBody, type Frame } from '../host/transport/codec.js';
import { decodeBoot, decodeError } from '../host/transport/messages.js';
import { decodeInfo } from '../host/device-client/info.js';

const wasm = readFileSync(FIRMWARE_WASM);
const sha256 = createHash('sha256').update(wasm).digest();

/** A powered-up chip whose replies are decoded into `frames`. */
function board(flash = new MemoryFlash()) {
  const frames: Frame[] = [];
  const hostDiscards: number[] = [];
  const dec = new FrameDecoder((f) => frames.push(f), (d) => hostDiscards.push(d.code));
  const chip = new Chip({ wasm, sha256 }, flash, (b) => dec.push(b), (m) => {
    throw new Error(`chip: ${m}`);
  });
  chip.boot(RESET_POWER_ON);
  const take = () => frames.splice(0);
  /** Sends bytes, returns the frames the device answered with. */
  const send = (bytes: Uint8Array) => {
    take();
    chip.receive(bytes);
    expect(hostDiscards).toEqual([]); // the device only ever sends well-formed frames
    return take();
  };
  const errorsOf = (fs: Frame[]) => fs.filter((f) => f.type === P.MSG_ERROR).map((f) => ({ id: f.id, ...decodeError(f.payload)! }));
  return { chip, frames, flash, take, send, errorsOf };
}

const ping = (id: number, data: Uint8Array) => encodeFrame(P.MSG_PING, id, data);

describe('firmware boot', () => {
  it('announces itself with a boot event and counts boots in flash', () => {
    const flash = new MemoryFlash();
    const b = board(flash);
    const [evt] = b.take();
    expect(evt.type).toBe(P.MSG_EVT_BOOT);
    expect(evt.id).toBe(P.ID_NONE);
    expect(decodeBoot(evt.payload)).toMatchObject({ reason: RESET_POWER_ON, protoVersion: P.PROTO_VERSION, bootCount: 1 });
    b.chip.boot(RESET_PIN);
    const again = decodeBoot(b.take()[0].payload)!;
    expect(again).toMatchObject({ reason: RESET_PIN, bootCount: 2 });
    expect(board(flash).take().map((f) => decodeBoot(f.payload)!.bootCount)).toEqual([3]);
  });
});

describe('firmware requests', () => {
  it('ping echoes payloads of every size class up to the maximum', () => {
    const b = board();
    for (const n of [0, 1, 253, 254, 255, 1000, P.FRAME_MAX_PAYLOAD]) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff);
      expect(b.send(ping(n & 0xffff || 1, data))).toEqual([{ type: P.MSG_PING | P.MSG_REPLY, id: n & 0xffff || 1, payload: data }]);
    }
  });

  it('get_info describes the device and never a secret', () => {
    const b = board();
    const [r] = b.send(encodeFrame(P.MSG_GET_INFO, 2));
    expect(r.type).toBe(P.MSG_GET_INFO | P.MSG_REPLY);
    expect(r.payload.length).toBe(P.INFO_SIZE);
    expect(decodeInfo(r.payload)).toMatchObject({
      protocolVersion: P.PROTO_VERSION, firmwareVersion: '0.1.0', imageHash: sha256.toString('hex'),
      activeSlot: 'direct', network: 'none', provisioned: false, devBuild: true, nodeId: null, bootCount: 1,
      maxPayload: P.FRAME_MAX_PAYLOAD,
    });
  });

  it('refuses a get_info with a payload (ERR_BAD_PAYLOAD, exact id)', () => {
    const b = board();
    expect(b.errorsOf(b.send(encodeFrame(P.MSG_GET_INFO, 3, Uint8Array.of(1))))).toEqual([
      { id: 3, code: P.ERR_BAD_PAYLOAD, refType: P.MSG_GET_INFO, discarded: 0, detail: 0 },
    ]);
  });

  it('refuses requests that need a secret while unprovisioned; a provision without its fields is ERR_BAD_PAYLOAD', () => {
    const b = board();
    for (const t of [P.MSG_SIGN_BOLT12, P.MSG_ECDH, P.MSG_BUILD_ONION, P.MSG_WIPE]) {
      expect(b.errorsOf(b.send(encodeFrame(t, 4, Uint8Array.of(1, 2)))).map((e) => [e.code, e.refType])).toEqual([[P.ERR_NOT_PROVISIONED, t]]);
    }
    // provision, wipe, sign_bolt12, ecdh: test/device-requests-*.test.ts;
    // fw_begin..reboot: test/boot-*.test.ts, test/flash-*.test.ts
    expect(b.errorsOf(b.send(encodeFrame(P.MSG_PROVISION, 5))).map((e) => [e.code, e.refType])).toEqual([[P.ERR_BAD_PAYLOAD, P.MSG_PROVISION]]);
  });

  it('answers an intact frame of an unknown type, or of a reply/event type, with ERR_UNKNOWN_TYPE and its size', () => {
    const b = board();
    for (const t of [0x00, 0x6e, P.MSG_PING | P.MSG_REPLY, P.MSG_EVT_BOOT, P.MSG_ERROR]) {
      const f = encodeFrame(t, 0x4242, Uint8Array.of(9));
      expect(b.errorsOf(b.send(f))).toEqual([{ id: 0x4242, code: P.ERR_UNKNOWN_TYPE, refType: t, discarded: f.length - 2, detail: 0 }]);
    }
  });
});

describe('firmware frame errors', () => {
  const good = ping(0x0707, new TextEncoder().encode('hello'));
  const enc = good.subarray(1, good.length - 1);

  it('answers each bad frame with its code and discarded byte count, then serves the next frame', () => {
    const badCrc = Uint8Array.from(good);
    badCrc[good.indexOf(0x68)] ^= 0x01;
    const longer = Uint8Array.from([0, ...cobsEncode(Uint8Array.from([...frameBody(P.MSG_PING, 0x0707, Uint8Array.of(1)), 0x55])), 0]);
    const cases: [string, Uint8Array, number, number][] = [
      ['bad CRC', badCrc, P.ERR_FRAME_CRC, enc.length],
      ['truncated, then a new frame', Uint8Array.from([0, ...enc.subarray(0, 7)]), P.ERR_FRAME_TRUNCATED, 7],
      ['header only', Uint8Array.from([0, 4, 1, 7, 7, 0]), P.ERR_FRAME_TRUNCATED, 4],
      ['longer than its len', longer, P.ERR_FRAME_LENGTH, longer.length - 2],
      ['oversize', new Uint8Array(P.FRAME_MAX_WIRE + 5).fill(0x41), P.ERR_FRAME_OVERSIZE, P.FRAME_MAX_WIRE + 5],
    ];
    const b = board();
    for (const [name, bytes, code, n] of cases) {
      const replies = b.send(Uint8Array.from([...bytes, ...good]));
      expect(b.errorsOf(replies).map((e) => [e.code, e.discarded]), name).toEqual([[code, n]]);
      expect(replies.at(-1), name).toMatchObject({ type: P.MSG_PING | P.MSG_REPLY, id: 0x0707 });
    }
  });

  it('echoes the id read from a damaged frame as a hint', () => {
    const b = board();
    const bad = Uint8Array.from(good);
    bad[good.indexOf(0x6f)] ^= 0x02; // 'o' -> 'm'
    expect(b.errorsOf(b.send(bad))[0]).toMatchObject({ id: 0x0707, code: P.ERR_FRAME_CRC, refType: P.MSG_PING });
  });

  it('stays silent for idle delimiters', () => {
    const b = board();
    expect(b.send(new Uint8Array(100))).toEqual([]);
  });

  it('never traps and keeps serving after any byte stream; discards add up to the non-delimiter bytes', () => {
    const b = board();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 0xffff }), (noise, id) => {
        const replies = b.send(Uint8Array.from([...noise, ...ping(id, Uint8Array.of(1, 2, 3))]));
        // Noise can, very rarely, contain an intact frame; then it is answered like any other.
        const discarded = b.errorsOf(replies).filter((e) => e.code <= P.ERR_FRAME_LAST || e.code === P.ERR_UNKNOWN_TYPE).reduce((s, e) => s + e.discarded, 0);
        expect(discarded).toBe(noise.filter((x) => x !== 0).length);
        expect(replies.at(-1)).toEqual({ type: P.MSG_PING | P.MSG_REPLY, id, payload: Uint8Array.of(1, 2, 3) });
      }),
      { numRuns: 300 },
    );
  });

  it('decodes the same byte stream identically whether it arrives whole or byte by byte', () => {
    const stream = Uint8Array.from([0x33, 0x44, 0, ...good.subarray(0, 9), ...good, ...encodeFrame(P.MSG_GET_INFO, 9)]);
    const whole = board();
    const byByte = board();
    const a = whole.send(stream).filter((f) => f.type !== (P.MSG_GET_INFO | P.MSG_REPLY));
    byByte.take();
    for (const x of stream) byByte.chip.receive(Uint8Array.of(x));
    const bFrames = byByte.take().filter((f) => f.type !== (P.MSG_GET_INFO | P.MSG_REPLY));
    expect(bFrames).toEqual(a);
    expect(a.length).toBe(3);
  });
});
