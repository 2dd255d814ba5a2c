// Provision writes only into a partition it has verified empty (issue 9): a
// flash read error is not "empty" (the device refuses instead of erasing a
// secret it could not read), a damaged record is scrubbed, and the erase is
// read back blank before anything is written. Flash faults are injected under
// the in-process chip (the emulator's MemoryFlash with NOR rules).
import { describe, expect, it } from 'vitest';
import * as P from '../shared/protocol.js';
import {
  FLASH_ERR_IO, FLASH_OK, FLASH_SECRET_OFF, FLASH_SECRET_SIZE, PROV_OFF_NODE_KEY, PROV_RECORD_SIZE,
} from '../shared/board.js';
import { MemoryFlash, type FlashDevice } from '../host/emulator/flash.js';
import { decodeError } from '../host/transport/messages.js';
import { decodeInfo } from '../host/device-client/info.js';
import { encodeProvision } from '../host/device-client/requests.js';
import { powerUp } from './helpers/chip.js';
import { keyCases } from './helpers/device-requests.js';

const A = keyCases[0];
const B = keyCases[1];
const STORE_ERR_NOT_BLANK = 0x101; // device/keys/store.ts

const inSecret = (off: number) => off >= FLASH_SECRET_OFF && off < FLASH_SECRET_OFF + FLASH_SECRET_SIZE;

/** Flash with faults on the secret partition: failing reads (the next
 *  `failReads` of them, or all while `readsDead`), and an erase that reports
 *  success without erasing (`eraseStuck`). */
class FaultyFlash implements FlashDevice {
  failReads = 0;
  readsDead = false;
  eraseStuck = false;
  constructor(readonly inner: MemoryFlash) {}
  read(off: number, out: Uint8Array) {
    if (inSecret(off) && (this.readsDead || this.failReads > 0)) {
      if (this.failReads > 0) this.failReads--;
      return FLASH_ERR_IO;
    }
    return this.inner.read(off, out);
  }
  write(off: number, data: Uint8Array) {
    return this.inner.write(off, data);
  }
  erase(off: number, len: number) {
    if (inSecret(off) && this.eraseStuck) return FLASH_OK;
    return this.inner.erase(off, len);
  }
}

const provisionA = (mem: MemoryFlash) => {
  const f = powerUp(mem).request(P.MSG_PROVISION, encodeProvision({ hsmSecret: A.file, passphrase: A.passphrase, network: 'regtest' }));
  expect(f.type).toBe(P.MSG_PROVISION | P.MSG_REPLY);
};
const provisionB = (flash: FlashDevice) =>
  powerUp(flash).request(P.MSG_PROVISION, encodeProvision({ hsmSecret: B.file, passphrase: B.passphrase, network: 'regtest' }));
const nodeIdOf = (flash: FlashDevice) => {
  const info = decodeInfo(powerUp(flash).request(P.MSG_GET_INFO, new Uint8Array(0)).payload);
  return info.provisioned ? info.nodeId : null;
};
const secretBytes = (mem: MemoryFlash) => {
  const b = new Uint8Array(FLASH_SECRET_SIZE);
  expect(mem.read(FLASH_SECRET_OFF, b)).toBe(FLASH_OK);
  return b;
};
const contains = (hay: Uint8Array, needle: Uint8Array) => Buffer.from(hay).includes(Buffer.from(needle));

describe('provision: only into a partition verifiably empty', () => {
  it('a read error of the secret partition is refused (ERR_FLASH), never taken for "empty": the stored key survives', () => {
    for (const transient of [true, false]) {
      const mem = new MemoryFlash();
      provisionA(mem);
      const flash = new FaultyFlash(mem);
      if (transient) flash.failReads = 1; // only the provision's first look fails
      else flash.readsDead = true;
      const e = decodeError(provisionB(flash).payload);
      expect(e).toMatchObject({ code: P.ERR_FLASH, detail: FLASH_ERR_IO });
      expect(nodeIdOf(mem)).toBe(A.nodeId);
      expect(contains(secretBytes(mem), A.nodePriv)).toBe(true);
    }
  });

  it('a record with the magic but a bad CRC is scrubbed and replaced; nothing of its key is left', () => {
    const mem = new MemoryFlash();
    provisionA(mem);
    // Damage one bit of the stored node key (NOR: clearing a bit needs no erase).
    const at = FLASH_SECRET_OFF + PROV_OFF_NODE_KEY;
    const byte = new Uint8Array(1);
    mem.read(at + 5, byte);
    expect(byte[0]).not.toBe(0);
    mem.write(at + 5, Uint8Array.of(byte[0] & (byte[0] - 1)));
    expect(nodeIdOf(mem)).toBe(null); // not a record any more
    const f = provisionB(mem);
    expect(f.type).toBe(P.MSG_PROVISION | P.MSG_REPLY);
    expect(nodeIdOf(mem)).toBe(B.nodeId);
    expect(contains(secretBytes(mem), A.nodePriv.subarray(16))).toBe(false);
  });

  it('an erase that does not erase is found by reading back: refused, and the old bits are scrubbed', () => {
    const mem = new MemoryFlash();
    provisionA(mem);
    // A damaged record (bad CRC) plus a stale byte beyond the record.
    mem.write(FLASH_SECRET_OFF + PROV_RECORD_SIZE - 1, Uint8Array.of(0));
    mem.write(FLASH_SECRET_OFF + 2000, Uint8Array.of(0x5a));
    expect(nodeIdOf(mem)).toBe(null);
    const flash = new FaultyFlash(mem);
    flash.eraseStuck = true;
    expect(decodeError(provisionB(flash).payload)).toMatchObject({ code: P.ERR_FLASH, detail: STORE_ERR_NOT_BLANK });
    expect(nodeIdOf(mem)).toBe(null);
    expect(contains(secretBytes(mem), A.nodePriv.subarray(0, 16))).toBe(false); // zeroed although not erased
    // With a working erase the device provisions again.
    expect(provisionB(mem).type).toBe(P.MSG_PROVISION | P.MSG_REPLY);
    expect(nodeIdOf(mem)).toBe(B.nodeId);
  });

  it('a provisioned device still refuses with ERR_ALREADY_PROVISIONED', () => {
    const mem = new MemoryFlash();
    provisionA(mem);
    expect(decodeError(provisionB(mem).payload)?.code).toBe(P.ERR_ALREADY_PROVISIONED);
    expect(nodeIdOf(mem)).toBe(A.nodeId);
  });
});
