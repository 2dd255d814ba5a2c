// The policy record under power cuts and hostile payloads, in-process (the
// emulator's MemoryFlash with NOR rules under the firmware): a cut at any
// flash operation of set_policy, allowlist or build_onion — or inside it — leaves the old
// record or the new one, an onion is only ever returned once its spend is
// recorded, and random build_onion / set_policy / get_policy payloads always
// get a reply (never a trap). docs/firmware/onion.md "Policy".
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import * as P from '../shared/protocol.js';
import { BOOT_INFO_SIZE, FLASH_ERR_IO, FLASH_POLICY_OFF, FLASH_POLICY_SIZE, FLASH_SECTOR } from '../shared/board.js';
import { FIRMWARE_WASM } from '../host/paths.js';
import { autoPrompt, instantiateFirmware } from '../host/firmware/load.js';
import { MemoryFlash, type FlashDevice } from '../host/emulator/flash.js';
import { FrameDecoder, encodeFrame, type Frame } from '../host/transport/codec.js';
import { decodeError } from '../host/transport/messages.js';
import { decodePolicy, encodeBuildOnion, encodeProvision, encodeSetPolicy, type SpendingLimits } from '../host/device-client/requests.js';
import { decodeAllowlist } from '../host/device-client/allowlist-requests.js';
import { encodeHopPayload } from '../host/onion/payload.js';
import { secp } from '../host/crypto/noble.js';
import { ascii, cat, h } from './helpers/bytes.js';
import { keyCases } from './helpers/device-requests.js';

const wasm = readFileSync(FIRMWARE_WASM);
const K = keyCases[0];

type Cut = { at: number; keep: number } | null;

/** Power fails at the `at`-th write/erase of the policy partition: that
 *  operation applies its first `keep` bytes (write) or sectors (erase) only. */
class CuttingFlash implements FlashDevice {
  ops = 0;
  constructor(readonly inner: MemoryFlash, readonly cut: Cut) {}
  private gate(off: number): 'ok' | 'partial' | 'dead' {
    if (!this.cut || off < FLASH_POLICY_OFF || off >= FLASH_POLICY_OFF + FLASH_POLICY_SIZE) return 'ok';
    const n = this.ops++;
    return n < this.cut.at ? 'ok' : n === this.cut.at ? 'partial' : 'dead';
  }
  read(off: number, out: Uint8Array) { return this.inner.read(off, out); }
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

function powerUp(flash: FlashDevice, clock?: () => number) {
  const frames: Frame[] = [];
  const dec = new FrameDecoder((f) => frames.push(f), () => undefined);
  const fw = instantiateFirmware(wasm, { entropy: (b) => b.fill(0x5a), serialWrite: (b) => dec.push(b), flash, clock, prompt: autoPrompt() });
  const e = fw.exports;
  fw.write(e.fw_boot_info_ptr() >>> 0, new Uint8Array(BOOT_INFO_SIZE));
  e.fw_boot();
  let id = 1;
  return (type: number, payload: Uint8Array): Frame => {
    frames.length = 0;
    const bytes = encodeFrame(type, ++id, payload);
    const ptr = e.serial_rx_ptr() >>> 0, cap = e.serial_rx_cap() >>> 0;
    for (let i = 0; i < bytes.length; i += cap) {
      const n = Math.min(cap, bytes.length - i);
      fw.write(ptr, bytes.subarray(i, i + n));
      e.serial_rx(n);
    }
    const f = frames.find((fr) => fr.id === id);
    if (!f) throw new Error('no reply');
    return f;
  };
}

const nodeId = secp.getPublicKey(K.nodePriv, true);
const nodes = [1, 2].map((i) => secp.getPublicKey(sha256(Uint8Array.of(i)), true));
const onionReq = (tag: string, amount: bigint) => encodeBuildOnion({
  hops: [
    { pubkey: nodes[0], payload: encodeHopPayload({ amountMsat: amount, cltv: 800040, shortChannelId: new Uint8Array(8).fill(1) }) },
    { pubkey: nodes[1], payload: encodeHopPayload({ amountMsat: amount, cltv: 800000, paymentSecret: new Uint8Array(32).fill(3) }) },
  ],
  paymentHash: sha256(ascii(tag)), firstHopAmountMsat: amount + 5n,
});
const L1: SpendingLimits = { maxAmountMsat: null, maxFeeMsat: 100n, maxFeePpm: null, dailyLimitMsat: 1_000_000n, confirmAboveMsat: 5_000_000n };
const L2: SpendingLimits = { maxAmountMsat: 500_000n, maxFeeMsat: 50n, maxFeePpm: 5_000, dailyLimitMsat: 2_000_000n, confirmAboveMsat: 400_000n };

/** A provisioned device with limits L1 and one recorded 10_005 msat part. */
function baseline(): MemoryFlash {
  const mem = new MemoryFlash();
  const req = powerUp(mem);
  expect(req(P.MSG_PROVISION, encodeProvision({ hsmSecret: K.file })).type).toBe(P.MSG_PROVISION | P.MSG_REPLY);
  expect(req(P.MSG_SET_POLICY, encodeSetPolicy(L1)).type).toBe(P.MSG_SET_POLICY | P.MSG_REPLY);
  expect(req(P.MSG_BUILD_ONION, onionReq('first', 10_000n)).type).toBe(P.MSG_BUILD_ONION | P.MSG_REPLY);
  return mem;
}
const policyOf = (flash: FlashDevice) => decodePolicy(powerUp(flash)(P.MSG_GET_POLICY, new Uint8Array(0)).payload);
// Bytes of the cut operation that land: up to the record's end (3164 bytes since issue 12).
const keeps = [0, 1, 2, 3, 4, 100, 2000, 2627, 2700, 3159];

describe('policy record: power cut at every flash operation', () => {
  it('build_onion: old record (spent 10_005) or new (20_010); an onion only when recorded', () => {
    let sawOld = false, sawNew = false;
    for (let at = 0; at < 4; at++) {
      for (const keep of keeps) {
        const mem = baseline();
        const f = powerUp(new CuttingFlash(mem, { at, keep }))(P.MSG_BUILD_ONION, onionReq('second', 10_000n));
        const p = policyOf(mem);
        expect([10_005n, 20_010n], `cut at ${at} keep ${keep}`).toContain(p.spentLast24hMsat);
        expect(p).toMatchObject(L1);
        if (f.type === (P.MSG_BUILD_ONION | P.MSG_REPLY)) expect(p.spentLast24hMsat).toBe(20_010n);
        else expect(decodeError(f.payload)?.code).toBe(P.ERR_FLASH);
        if (p.spentLast24hMsat === 10_005n) sawOld = true; else sawNew = true;
        // Either way the device keeps working on what is left.
        expect(powerUp(mem)(P.MSG_BUILD_ONION, onionReq('third', 1_000n)).type).toBe(P.MSG_BUILD_ONION | P.MSG_REPLY);
      }
    }
    expect(sawOld && sawNew).toBe(true);
  });

  it('set_policy: old limits or new limits (confirmation threshold included), the spend log and clock floor kept either way', () => {
    const floor0 = policyOf(baseline()).clockFloor;
    expect(floor0).toBeGreaterThan(0);
    for (let at = 0; at < 4; at++) {
      for (const keep of keeps) {
        const mem = baseline();
        powerUp(new CuttingFlash(mem, { at, keep }))(P.MSG_SET_POLICY, encodeSetPolicy(L2));
        const p = policyOf(mem);
        const limits = {
          maxAmountMsat: p.maxAmountMsat, maxFeeMsat: p.maxFeeMsat, maxFeePpm: p.maxFeePpm, dailyLimitMsat: p.dailyLimitMsat,
          confirmAboveMsat: p.confirmAboveMsat,
        };
        expect([L1, L2], `cut at ${at} keep ${keep}`).toContainEqual(limits);
        expect(p.spentLast24hMsat).toBe(10_005n);
        // The floor never goes back (it may only move to the time of the new record).
        expect(p.clockFloor).toBeGreaterThanOrEqual(floor0);
      }
    }
  });

  it('allowlist add and set_policy of 52 bytes (issue 12): the old state or the new one, the spend log kept', () => {
    const id = sha256(ascii('powercut offer'));
    const L12 = { ...L1, payeeDailyMsat: 70_000n, periodCapMsat: 9_000n };
    let sawOld = false, sawNew = false;
    for (let at = 0; at < 4; at++) {
      for (const keep of keeps) {
        const mem = baseline();
        powerUp(new CuttingFlash(mem, { at, keep }))(P.MSG_ALLOWLIST, Uint8Array.of(P.ALLOWLIST_OP_ADD, ...id));
        const list = decodeAllowlist(powerUp(mem)(P.MSG_ALLOWLIST, Uint8Array.of(P.ALLOWLIST_OP_LIST)).payload);
        expect([0, 1], `cut at ${at} keep ${keep}`).toContain(list.length);
        if (list.length) { expect(list[0]).toEqual(id); sawNew = true; } else sawOld = true;
        expect(policyOf(mem)).toMatchObject({ ...L1, spentLast24hMsat: 10_005n, allowlistCount: list.length });
        const mem2 = baseline();
        powerUp(new CuttingFlash(mem2, { at, keep }))(P.MSG_SET_POLICY, encodeSetPolicy(L12));
        const p = policyOf(mem2);
        expect([[null, null], [70_000n, 9_000n]], `cut at ${at} keep ${keep}`).toContainEqual([p.payeeDailyMsat, p.periodCapMsat]);
        expect(p.spentLast24hMsat).toBe(10_005n);
      }
    }
    expect(sawOld && sawNew).toBe(true);
  });

  it('with the policy flash dead, build_onion is ERR_FLASH and nothing is returned', () => {
    const mem = baseline();
    const f = powerUp(new CuttingFlash(mem, { at: 0, keep: 0 }))(P.MSG_BUILD_ONION, onionReq('dead', 1n));
    expect(decodeError(f.payload)?.code).toBe(P.ERR_FLASH);
    expect(policyOf(mem).spentLast24hMsat).toBe(10_005n);
  });
});

describe('amounts from the payloads (in-process)', () => {
  const hop = (pubkey: Uint8Array, payload: Uint8Array) => ({ pubkey, payload });
  const blindedData = Uint8Array.of(0x0a, 0x03, 1, 2, 3); // encrypted_recipient_data (10), opaque here
  it('blinded intermediate hops may omit amt_to_forward; plain ones may not', () => {
    const req = powerUp(baseline());
    const final = encodeHopPayload({ amountMsat: 1_000n, cltv: 800000 });
    // BOLT 4 shapes (docs/firmware/blinding.md): the introduction node carries
    // encrypted_recipient_data and current_path_key (12), the final blinded hop
    // encrypted_recipient_data, amt_to_forward, outgoing_cltv_value, total_amount_msat.
    const intro = cat(blindedData, Uint8Array.of(0x0c, 33), nodes[1]);
    const finalBlinded = cat(encodeHopPayload({ amountMsat: 1_000n, cltv: 800000 }), blindedData, Uint8Array.of(0x12, 0x02, 0x03, 0xe8));
    const ok = req(P.MSG_BUILD_ONION, encodeBuildOnion({
      hops: [hop(nodes[0], intro), hop(nodes[1], finalBlinded)], paymentHash: sha256(ascii('blinded')), firstHopAmountMsat: 1_050n,
    }));
    expect(ok.type).toBe(P.MSG_BUILD_ONION | P.MSG_REPLY);
    const bad = req(P.MSG_BUILD_ONION, encodeBuildOnion({
      hops: [hop(nodes[0], Uint8Array.of(0x04, 0x01, 0x05)), hop(nodes[1], final)], paymentHash: sha256(ascii('plain')), firstHopAmountMsat: 1_050n,
    }));
    expect(decodeError(bad.payload)).toMatchObject({ code: P.ERR_ONION_AMOUNT, detail: P.ONION_AMT_MISSING | (0 << 8) });
  });
  it('amounts above 21 M BTC are refused (ONION_AMT_RANGE)', () => {
    const req = powerUp(baseline());
    const f = req(P.MSG_BUILD_ONION, encodeBuildOnion({
      hops: [hop(nodes[0], encodeHopPayload({ amountMsat: 1n, cltv: 1 }))], paymentHash: sha256(ascii('range')),
      firstHopAmountMsat: 2_100_000_000_000_000_001n,
    }));
    expect(decodeError(f.payload)).toMatchObject({ code: P.ERR_ONION_AMOUNT, detail: P.ONION_AMT_RANGE });
  });
  it('a board clock reading 0 refuses while a daily limit is set (POLICY_LIMIT_CLOCK), not without one', () => {
    const mem = baseline(); // daily limit set
    const f = powerUp(mem, () => 0)(P.MSG_BUILD_ONION, onionReq('no clock', 1n));
    expect(decodeError(f.payload)).toMatchObject({ code: P.ERR_POLICY, detail: P.POLICY_LIMIT_CLOCK });
    const req = powerUp(mem, () => 0);
    req(P.MSG_SET_POLICY, encodeSetPolicy({ ...L1, dailyLimitMsat: null }));
    expect(req(P.MSG_BUILD_ONION, onionReq('no clock', 1n)).type).toBe(P.MSG_BUILD_ONION | P.MSG_REPLY);
  });
});

describe('hostile payloads never trap', () => {
  it('random build_onion, set_policy, get_policy and allowlist payloads get a reply or an error frame', () => {
    const req = powerUp(baseline());
    const good = onionReq('fuzz', 100n);
    fc.assert(fc.property(
      fc.constantFrom(P.MSG_BUILD_ONION, P.MSG_SET_POLICY, P.MSG_GET_POLICY, P.MSG_ALLOWLIST),
      fc.oneof(
        fc.uint8Array({ maxLength: 400 }),
        // Mutations of a valid request: flipped bytes, truncations, hop counts.
        fc.tuple(fc.nat({ max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.nat({ max: good.length }))
          .map(([i, v, cut]) => { const b = good.slice(0, Math.max(cut, i + 1)); b[i] = v; return b; }),
      ),
      (type, payload) => {
        const f = req(type, payload);
        expect([type | P.MSG_REPLY, P.MSG_ERROR]).toContain(f.type);
      },
    ), { numRuns: 300 });
    // and it still builds onions
    expect(req(P.MSG_BUILD_ONION, onionReq('after fuzz', 10n)).type).toBe(P.MSG_BUILD_ONION | P.MSG_REPLY);
  });
});
