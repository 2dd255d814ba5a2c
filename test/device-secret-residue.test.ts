// Nothing of the hsm_secret outlives the provision request that carried it:
// after the reply, no 16-byte run of the secret is left anywhere in the chip's
// memory — not in the raw serial receive chunk, not in the decoded frame, not
// in scratch (docs/protocol.md: provision wipes what it used). Only the derived
// node key, alias base and node id stay, as the device needs them to sign.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import * as P from '../shared/protocol.js';
import { MemoryFlash } from '../host/emulator/flash.js';
import { encodeProvision } from '../host/device/requests.js';
import { powerUp } from './helpers/chip.js';

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

  it('the check is not vacuous: a secret written into memory is found', () => {
    const chip = powerUp(new MemoryFlash());
    const secret = Uint8Array.from(randomBytes(32), (b) => b | 1);
    chip.fw.write(chip.fw.io + 100, secret);
    expect(residue(chip.fw.bytes(), secret).length).toBeGreaterThan(0);
  });
});
