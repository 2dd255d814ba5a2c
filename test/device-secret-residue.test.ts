// Nothing of the hsm_secret outlives the provision request that carried it:
// after the reply, no 16-byte run of the secret is left anywhere in the chip's
// memory — not in the raw serial receive chunk, not in the decoded frame, not
// in scratch (docs/protocol.md: provision wipes what it used). Only the derived
// node key, alias base and node id stay, as the device needs them to sign.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import * as P from '../shared/protocol.js';
import { MemoryFlash } from '../host/emulator/flash.js';
import { encodeProvision } from '../host/device-client/requests.js';
import { powerUp } from './helpers/chip.js';
import { cobsEncode, frameBody } from '../host/transport/codec.js';
import { PROMPT_APPROVED, PROMPT_WAITING } from '../shared/board.js';
import { decodeError } from '../host/transport/messages.js';

/** Offsets in `mem` where any 16-byte window of `secret` appears. */
function residue(mem: Uint8Array, secret: Uint8Array): number[] {
  const hits: number[] = [];
  const hay = Buffer.from(mem.buffer, mem.byteOffset, mem.length);
  for (let i = 0; i + 16 <= secret.length; i++) {
    const needle = Buffer.from(secret.subarray(i, i + 16));
    for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + 1)) hits.push(at);
  }
  return hits;
}

describe('provision leaves no copy of the hsm_secret in memory', () => {
  it('for a legacy 32-byte hsm_secret, whatever its bytes (no zero bytes: COBS leaves them contiguous on the line)', () => {
    for (let n = 0; n < 5; n++) {
      const secret = Uint8Array.from(randomBytes(32), (b) => b | 1);
      const chip = powerUp(new MemoryFlash());
      const reply = chip.request(P.MSG_PROVISION, encodeProvision({ hsmSecret: secret, network: 'regtest' }));
      expect(reply.type).toBe(P.MSG_PROVISION | P.MSG_REPLY);
      expect(residue(chip.fw.bytes(), secret)).toEqual([]);
    }
  });

  it('nor while provision waits for the press: the host re-sends the secret at every poll, and every ERR_CONFIRM_PENDING reply wipes it', () => {
    for (const mode of ['legacy', 'passphrase'] as const) {
      const secret = Uint8Array.from(randomBytes(32), (b) => b | 1);
      const pass = Uint8Array.from(randomBytes(24), (b) => b | 1);
      let answer = PROMPT_WAITING;
      const chip = powerUp(new MemoryFlash(), { show: () => 0, poll: () => answer });
      const req = encodeProvision(mode === 'legacy'
        ? { hsmSecret: secret, network: 'regtest' }
        : { hsmSecret: secret, passphrase: pass, network: 'regtest' });
      for (let poll = 0; poll < 3; poll++) {
        const f = chip.request(P.MSG_PROVISION, req);
        expect(decodeError(f.payload)?.code).toBe(P.ERR_CONFIRM_PENDING);
        expect(residue(chip.fw.bytes(), secret)).toEqual([]);
        expect(residue(chip.fw.bytes(), pass)).toEqual([]);
      }
      answer = PROMPT_APPROVED;
      const f = chip.request(P.MSG_PROVISION, req);
      // A legacy 32-byte file with a passphrase is refused (ERR_HSM_SECRET): wiped all the same.
      expect([P.MSG_PROVISION | P.MSG_REPLY, P.MSG_ERROR]).toContain(f.type);
      expect(residue(chip.fw.bytes(), secret)).toEqual([]);
      expect(residue(chip.fw.bytes(), pass)).toEqual([]);
    }
  });

  it('the check is not vacuous: a secret written into memory is found', () => {
    const chip = powerUp(new MemoryFlash());
    const secret = Uint8Array.from(randomBytes(32), (b) => b | 1);
    chip.fw.write(chip.fw.io + 100, secret);
    expect(residue(chip.fw.bytes(), secret).length).toBeGreaterThan(0);
  });
});

describe('a rejected frame leaves no copy of the hsm_secret in memory', () => {
  const wire = (body: Uint8Array): Uint8Array => Uint8Array.from([0, ...cobsEncode(body), 0]);
  const provisionBody = (secret: Uint8Array): Uint8Array =>
    frameBody(P.MSG_PROVISION, 7, encodeProvision({ hsmSecret: secret, network: 'regtest' }));
  const cases: [string, number, (secret: Uint8Array) => Uint8Array][] = [
    ['CRC mismatch', P.ERR_FRAME_CRC, (s) => {
      const b = provisionBody(s);
      b[b.length - 1] ^= 0x40;
      return wire(b);
    }],
    ['body longer than its length field', P.ERR_FRAME_LENGTH, (s) => wire(Uint8Array.from([...provisionBody(s), 0x55]))],
    ['body shorter than its length field', P.ERR_FRAME_TRUNCATED, (s) => wire(provisionBody(s).subarray(0, 40))],
    ['COBS group cut by the next frame', P.ERR_FRAME_TRUNCATED, (s) => {
      const enc = cobsEncode(provisionBody(s));
      return Uint8Array.from([0, ...enc.subarray(0, enc.length - 3), 0]);
    }],
    ['oversize (the secret inside a frame longer than the maximum)', P.ERR_FRAME_OVERSIZE, (s) => {
      const payload = new Uint8Array(P.FRAME_MAX_PAYLOAD + 100).fill(0x11);
      payload.set(s, 20);
      payload.set(s, P.FRAME_MAX_PAYLOAD - 10); // also near the end of the buffer
      const body = new Uint8Array(P.FRAME_HDR + payload.length + 4);
      body.set([P.MSG_PROVISION, 7, 0, 0xff, 0xff]);
      body.set(payload, P.FRAME_HDR);
      return wire(body);
    }],
  ];
  for (const [name, code, make] of cases) {
    it(`for ${name}`, () => {
      const secret = Uint8Array.from(randomBytes(32), (b) => b | 1);
      const chip = powerUp(new MemoryFlash());
      const frames = chip.send(make(secret));
      expect(frames.map((f) => [f.type, f.payload[P.ERROR_OFF_CODE]])).toEqual([[P.MSG_ERROR, code]]);
      expect(residue(chip.fw.bytes(), secret)).toEqual([]);
      // and the device still serves the next request
      expect(chip.request(P.MSG_PING, Uint8Array.of(1, 2, 3)).payload).toEqual(Uint8Array.of(1, 2, 3));
    });
  }

  it('for a partial frame forgotten at a reset (fw_boot)', () => {
    const secret = Uint8Array.from(randomBytes(32), (b) => b | 1);
    const chip = powerUp(new MemoryFlash());
    const enc = cobsEncode(provisionBody(secret));
    expect(chip.send(Uint8Array.from([0, ...enc.subarray(0, enc.length - 2)]))).toEqual([]);
    chip.fw.exports.fw_boot();
    expect(residue(chip.fw.bytes(), secret)).toEqual([]);
  });
});
