// The shared wire protocol on the host side: CRC-32C (shared definition and
// the host's table), COBS, the frame codec and its decoder's discard rules.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as P from '../shared/protocol.js';
import { crc32c, crc32cBitwise } from '../host/transport/crc.js';
import { FrameDecoder, cobsDecode, cobsEncode, encodeFrame, frameBody, type Discard, type Frame } from '../host/transport/codec.js';

const ascii = (s: string) => new TextEncoder().encode(s);

function decodeAll(chunks: Uint8Array[]): { frames: Frame[]; discards: Discard[] } {
  const frames: Frame[] = [];
  const discards: Discard[] = [];
  const d = new FrameDecoder((f) => frames.push(f), (x) => discards.push(x));
  for (const c of chunks) d.push(c);
  return { frames, discards };
}

describe('CRC-32C', () => {
  // Check value of the CRC catalogue and the iSCSI vectors of RFC 3720 B.4.
  const vectors: [string, Uint8Array, number][] = [
    ['"123456789"', ascii('123456789'), 0xe3069283],
    ['32 x 00', new Uint8Array(32), 0x8a9136aa],
    ['32 x FF', new Uint8Array(32).fill(0xff), 0x62a8ab43],
    ['00..1F', Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
    ['1F..00', Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
    ['empty', new Uint8Array(0), 0],
  ];
  for (const [name, data, want] of vectors) {
    it(`${name} -> ${want.toString(16)} (shared bitwise and host table)`, () => {
      expect(crc32cBitwise(data)).toBe(want);
      expect(crc32c(data)).toBe(want);
    });
  }

  it('table and bitwise forms agree on random data', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (d) => crc32c(d) === crc32cBitwise(d)));
  });
});

describe('frame limits', () => {
  it('are consistent: body = header + max payload + CRC; wire = body + COBS codes + 2 delimiters', () => {
    expect(P.FRAME_OVERHEAD).toBe(P.FRAME_HDR + P.FRAME_CRC);
    expect(P.FRAME_MAX_BODY).toBe(P.FRAME_OVERHEAD + P.FRAME_MAX_PAYLOAD);
    expect(P.FRAME_MAX_WIRE).toBe(P.FRAME_MAX_BODY + Math.ceil(P.FRAME_MAX_BODY / P.COBS_MAX_RUN) + 2);
    // An 8 KiB BOLT 12 stream plus request fields fits.
    expect(P.FRAME_MAX_PAYLOAD).toBeGreaterThanOrEqual(8192 + 64);
    // A frame of the largest payload with no zero byte is exactly the maximum.
    expect(encodeFrame(P.MSG_PING, 1, new Uint8Array(P.FRAME_MAX_PAYLOAD).fill(7)).length).toBeLessThanOrEqual(P.FRAME_MAX_WIRE);
  });

  it('refuse to encode a payload above the maximum', () => {
    expect(() => encodeFrame(P.MSG_PING, 1, new Uint8Array(P.FRAME_MAX_PAYLOAD + 1))).toThrow(/exceeds/);
  });
});

describe('message table', () => {
  const msgs = Object.entries(P).filter(([k]) => k.startsWith('MSG_') && k !== 'MSG_REPLY') as [string, number][];

  it('has distinct numbers; requests in 0x01..0x6F, device frames in 0xF0..0xFF', () => {
    const nums = msgs.map(([, v]) => v);
    expect(new Set(nums).size).toBe(nums.length);
    for (const [k, v] of msgs) {
      if (k === 'MSG_EVT_BOOT' || k === 'MSG_ERROR') expect(v).toBeGreaterThanOrEqual(0xf0);
      else {
        expect(v).toBeGreaterThanOrEqual(0x01);
        expect(v).toBeLessThanOrEqual(0x6f);
        expect(P.requestFlags(v) & P.REQ_KNOWN).toBe(P.REQ_KNOWN);
      }
    }
  });

  it('classes replies, events, errors and unassigned numbers as no request', () => {
    for (let t = 0; t < 256; t++) {
      const isReq = msgs.some(([k, v]) => v === t && k !== 'MSG_EVT_BOOT' && k !== 'MSG_ERROR');
      expect(P.requestFlags(t) !== 0).toBe(isReq);
    }
  });

  it('resends only what is harmless to repeat: provisioning, wipe, onion and commit are not idempotent', () => {
    for (const t of [P.MSG_PROVISION, P.MSG_WIPE, P.MSG_BUILD_ONION, P.MSG_FW_BEGIN, P.MSG_FW_COMMIT, P.MSG_REBOOT]) {
      expect(P.requestFlags(t) & P.REQ_IDEMPOTENT).toBe(0);
    }
    for (const t of [P.MSG_PING, P.MSG_GET_INFO, P.MSG_SIGN_BOLT12, P.MSG_ECDH, P.MSG_FW_CHUNK]) {
      expect(P.requestFlags(t) & P.REQ_IDEMPOTENT).toBe(P.REQ_IDEMPOTENT);
    }
  });

  it('status codes are distinct; frame errors are at most ERR_FRAME_LAST, refusals above', () => {
    const errs = Object.entries(P).filter(([k]) => k.startsWith('ERR_') && k !== 'ERR_FRAME_LAST') as [string, number][];
    expect(new Set(errs.map(([, v]) => v)).size).toBe(errs.length);
    for (const [k, v] of errs) expect(v <= P.ERR_FRAME_LAST).toBe(k.startsWith('ERR_FRAME_'));
  });
});

describe('COBS', () => {
  const edge = [0, 1, 253, 254, 255, 508, 509].flatMap((n) => [
    new Uint8Array(n).fill(1),
    Uint8Array.from({ length: n }, (_, i) => (i % 7 === 3 ? 0 : 9)),
    new Uint8Array(n),
  ]);

  it('round-trips, never emits 0x00, and adds at most one byte per 254', () => {
    const check = (d: Uint8Array) => {
      const e = cobsEncode(d);
      expect(e.includes(0)).toBe(false);
      expect(e.length).toBeLessThanOrEqual(d.length + Math.floor(d.length / 254) + 1);
      expect(cobsDecode(e)).toEqual(d);
    };
    edge.forEach(check);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (d) => check(d)));
    fc.assert(fc.property(fc.array(fc.constantFrom(0, 1, 255), { maxLength: 1200 }), (a) => check(Uint8Array.from(a))));
  });

  it('rejects a group that runs past the end', () => {
    expect(cobsDecode(Uint8Array.from([5, 1, 2]))).toBeUndefined();
  });
});

describe('FrameDecoder', () => {
  it('decodes frames split at any points, and back-to-back frames sharing delimiters', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ type: fc.integer({ min: 0, max: 255 }), id: fc.integer({ min: 0, max: 0xffff }), payload: fc.uint8Array({ maxLength: 700 }) }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 20 }),
        (msgs, cuts) => {
          const wire = Buffer.concat(msgs.map((m) => encodeFrame(m.type, m.id, m.payload)));
          const chunks: Uint8Array[] = [];
          for (let i = 0, k = 0; i < wire.length; k++) {
            const n = cuts[k % cuts.length];
            chunks.push(wire.subarray(i, i + n));
            i += n;
          }
          const { frames, discards } = decodeAll(chunks);
          expect(discards).toEqual([]);
          expect(frames).toEqual(msgs.map((m) => ({ type: m.type, id: m.id, payload: m.payload })));
        },
      ),
    );
  });

  it('throws away garbage, cut frames, bad CRCs, long frames and oversize runs, counting the bytes', () => {
    const good = encodeFrame(P.MSG_PING, 7, ascii('hello'));
    const enc = good.subarray(1, good.length - 1); // without delimiters
    const badCrc = Uint8Array.from(good);
    badCrc[good.indexOf(0x68)] ^= 0x01; // 'h' -> 'i': still framed, CRC now wrong
    const longer = Uint8Array.from([0, ...cobsEncode(Uint8Array.from([...frameBody(P.MSG_PING, 7, ascii('hi')), 0x55])), 0]);
    const cases: [string, Uint8Array, number, number][] = [
      ['truncated', Uint8Array.from([0, ...enc.subarray(0, 6), 0]), P.ERR_FRAME_TRUNCATED, 6],
      ['too short for a header', Uint8Array.from([0, 3, 1, 2, 0]), P.ERR_FRAME_TRUNCATED, 3],
      ['bad CRC', badCrc, P.ERR_FRAME_CRC, enc.length],
      ['longer than its len', longer, P.ERR_FRAME_LENGTH, longer.length - 2],
      ['oversize', Uint8Array.from([0, ...new Uint8Array(P.FRAME_MAX_WIRE).fill(0x41), 0]), P.ERR_FRAME_OVERSIZE, P.FRAME_MAX_WIRE],
    ];
    for (const [name, bytes, code, n] of cases) {
      const { frames, discards } = decodeAll([bytes, good]);
      expect(discards, name).toEqual([{ code, discarded: n }]);
      expect(frames, name).toEqual([{ type: P.MSG_PING, id: 7, payload: ascii('hello') }]);
    }
  });

  it('counts every non-delimiter byte of random garbage as discarded and then decodes the next frame', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 3000 }), (garbage) => {
        const { frames, discards } = decodeAll([garbage, encodeFrame(P.MSG_GET_INFO, 9)]);
        const total = discards.reduce((s, d) => s + d.discarded, 0);
        expect(total).toBe(garbage.filter((b) => b !== 0).length);
        expect(frames.at(-1)).toEqual({ type: P.MSG_GET_INFO, id: 9, payload: new Uint8Array(0) });
      }),
    );
  });
});
