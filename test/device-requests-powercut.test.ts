// Power cut during provision and wipe: the provisioning record is written so
// that a cut at any flash operation — or in the middle of one — leaves either
// the old state or the new one (docs/protocol.md "provisioning record"). No
// PTY here: the flash is cut under the firmware in-process (the emulator's
// MemoryFlash with NOR rules), then a fresh instance boots on what is left.
import { describe, expect, it } from 'vitest';
import * as P from '../shared/protocol.js';
import { FLASH_ERR_IO, FLASH_SECRET_OFF, FLASH_SECRET_SIZE, FLASH_SECTOR } from '../shared/board.js';
import { MemoryFlash, type FlashDevice } from '../host/emulator/flash.js';
import { decodeError } from '../host/transport/messages.js';
import { decodeInfo } from '../host/device-client/info.js';
import { encodeProvision, encodeSignBolt12, verifySignBolt12Reply } from '../host/device-client/requests.js';
import { h, x } from './helpers/bytes.js';
import { powerUp as powerUpChip } from './helpers/chip.js';
import { INVREQ, keyCases, unsigned } from './helpers/device-requests.js';

const L2 = keyCases[1];

type Cut = { at: number; keep: number } | null;

/** Flash whose power fails at the `at`-th write/erase of the secret partition:
 *  that operation applies only its first `keep` bytes (a write) or its first
 *  `keep` sectors (an erase), and nothing after it reaches the flash. */
class CuttingFlash implements FlashDevice {
  ops = 0;
  constructor(readonly inner: MemoryFlash, readonly cut: Cut) {}
  private secret(off: number) {
    return off >= FLASH_SECRET_OFF && off < FLASH_SECRET_OFF + FLASH_SECRET_SIZE;
  }
  private gate(off: number): 'ok' | 'partial' | 'dead' {
    if (!this.cut || !this.secret(off)) return 'ok';
    const n = this.ops++;
    return n < this.cut.at ? 'ok' : n === this.cut.at ? 'partial' : 'dead';
  }
  read(off: number, out: Uint8Array) {
    return this.inner.read(off, out);
  }
  write(off: number, data: Uint8Array) {
    const g = this.gate(off);
    if (g === 'ok') return this.inner.write(off, data);
    if (g === 'partial' && this.cut!.keep > 0) this.inner.write(off, data.subarray(0, Math.min(this.cut!.keep, data.length)));
    return FLASH_ERR_IO;
  }
  erase(off: number, len: number) {
    const g = this.gate(off);
    if (g === 'ok') return this.inner.erase(off, len);
    if (g === 'partial' && this.cut!.keep > 0) this.inner.erase(off, Math.min(this.cut!.keep * FLASH_SECTOR, len));
    return FLASH_ERR_IO;
  }
}

/** One power-up of the chip on `flash`; the result sends a request and returns its reply frame. */
const powerUp = (flash: FlashDevice) => powerUpChip(flash).request;

/** The state after a fresh boot: null (unprovisioned) or the node id, which
 *  must then also sign correctly (the stored key matches it). */
function stateOf(flash: FlashDevice): string | null {
  const req = powerUp(flash);
  const info = decodeInfo(req(P.MSG_GET_INFO, new Uint8Array(0)).payload);
  if (!info.provisioned) {
    const f = req(P.MSG_SIGN_BOLT12, encodeSignBolt12('invoice_request', 'signature', unsigned(INVREQ)));
    expect(decodeError(f.payload)?.code).toBe(P.ERR_NOT_PROVISIONED);
    return null;
  }
  if (info.nodeId === L2.nodeId) {
    const tlv = unsigned(INVREQ);
    const f = req(P.MSG_SIGN_BOLT12, encodeSignBolt12('invoice_request', 'signature', tlv));
    expect(f.type).toBe(P.MSG_SIGN_BOLT12 | P.MSG_REPLY);
    verifySignBolt12Reply('invoice_request', tlv, f.payload);
  }
  return info.nodeId;
}

const keeps = (n: number) => [0, 1, 2, 3, Math.floor(n / 2), n - 1];

describe('power cut during provision and wipe', () => {
  it('provision: every cut point leaves the device unprovisioned or provisioned with the right key', () => {
    let sawNew = false;
    for (let at = 0; at < 4; at++) {
      for (const keep of keeps(132)) {
        const mem = new MemoryFlash();
        const flash = new CuttingFlash(mem, { at, keep });
        const req = powerUp(flash);
        req(P.MSG_PROVISION, encodeProvision({ hsmSecret: L2.file }));
        const s = stateOf(mem);
        expect([null, L2.nodeId], `cut at op ${at}, keep ${keep}`).toContain(s);
        if (s) sawNew = true;
        // Whatever was left, provisioning again (after a wipe if needed) works.
        const again = powerUp(mem);
        if (s) again(P.MSG_WIPE, h(s));
        expect(x(again(P.MSG_PROVISION, encodeProvision({ hsmSecret: L2.file })).payload)).toBe(L2.nodeId);
      }
    }
    expect(sawNew).toBe(true); // the commit is the last op: a cut after it keeps the new state
  });

  it('provision with the flash dead from the start is ERR_FLASH and leaves it unprovisioned', () => {
    const mem = new MemoryFlash();
    const req = powerUp(new CuttingFlash(mem, { at: 0, keep: 0 }));
    const f = req(P.MSG_PROVISION, encodeProvision({ hsmSecret: L2.file }));
    expect(decodeError(f.payload)?.code).toBe(P.ERR_FLASH);
    expect(stateOf(mem)).toBe(null);
  });

  it('wipe: every cut point leaves the old key (intact) or no key; never another one', () => {
    let sawOld = false;
    let sawNone = false;
    for (let at = 0; at < 4; at++) {
      for (const keep of keeps(132)) {
        const mem = new MemoryFlash();
        powerUp(mem)(P.MSG_PROVISION, encodeProvision({ hsmSecret: L2.file }));
        const req = powerUp(new CuttingFlash(mem, { at, keep }));
        req(P.MSG_WIPE, h(L2.nodeId));
        const s = stateOf(mem);
        expect([null, L2.nodeId], `cut at op ${at}, keep ${keep}`).toContain(s);
        if (s) sawOld = true;
        else sawNone = true;
      }
    }
    expect(sawNone).toBe(true);
    expect(sawOld).toBe(true); // a cut before the magic is cleared keeps the old state
  });
});
