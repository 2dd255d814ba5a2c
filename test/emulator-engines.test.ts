// The serial protocol over the PTY on both emulator engines (docs/emulator.md
// "Engines"): firmware.wasm in V8, and the wasm2c + gcc host build of
// `npm run build:native` running as the chip's CPU. The same requests, the
// same byte-for-byte answers (Core Lightning vectors), the same flash state,
// resets and faults. Without the native build the native half is skipped
// with the reason; in CI (process.env.CI) a missing build is a failure.
// Any other PTY suite runs on the native engine with LNSIGNER_EMU_ENGINE=native.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { RESET_PIN } from '../shared/board.js';
import { FIRMWARE_WASM } from '../host/paths.js';
import { spawnEmulator, type SpawnedEmulator } from '../host/emulator/spawn.js';
import { NATIVE_CHIP_BIN, NativeChip, nativeEngineProblem } from '../host/emulator/native-chip.js';
import { MemoryFlash } from '../host/emulator/flash.js';
import { directInfo } from '../host/emulator/boot-rom.js';
import { DeviceClient } from '../host/device-client/client.js';
import { merkleRoot } from '../host/bolt12/merkle.js';
import { h, x, vector } from './helpers/bytes.js';
import { INVREQ, keyCases, payerKeyRef, streamOf, sv, tmp, unsigned, withRecord } from './helpers/device-requests.js';
import type { BootEvent } from '../host/transport/messages.js';

const wasm = new Uint8Array(readFileSync(FIRMWARE_WASM));
const problem = nativeEngineProblem(wasm);
const L2 = keyCases[1];
const OV = vector('onion-test.json');
const EV = vector('onion-error-test.json');

if (problem && !process.env.CI) console.warn(`emulator-engines: native engine skipped: ${problem}`);

it('the native engine is built where CI runs (npm run build:native)', () => {
  if (process.env.CI) expect(problem).toBeUndefined();
});

for (const engine of ['v8', 'native'] as const) {
  const skip = engine === 'native' && problem !== undefined;
  describe.skipIf(skip)(`engine ${engine}${skip ? ` (skipped: ${problem})` : ''}`, () => {
    let emu: SpawnedEmulator;
    let c: DeviceClient;
    let state: string;
    let control: string;
    beforeAll(async () => {
      state = tmp();
      control = `${tmp()}/ctl.sock`;
      emu = await spawnEmulator(['--engine', engine, '--state', state, '--control', control, '--hsm-secret', x(L2.file)]);
      c = await DeviceClient.open(emu.path, { timeoutMs: 5000 });
    });
    afterAll(async () => {
      await c?.close();
      await emu?.stop();
    });

    it('says which engine runs, and passes every byte value both ways', async () => {
      if (engine === 'native') expect(emu.stderr()).toMatch(/native engine/);
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      expect(await c.ping(all)).toEqual(all);
      const big = new Uint8Array(3000).map((_, i) => i * 7);
      expect(await c.ping(big.subarray(0, 1000))).toEqual(big.subarray(0, 1000));
    });

    it('get_info: provisioned by --hsm-secret through the firmware, with the node id and image hash', async () => {
      const i = await c.getInfo();
      expect(i.provisioned).toBe(true);
      expect(i.nodeId).toBe(L2.nodeId);
      expect(i.imageHash).toBe(execFileSync('sha256sum', [FIRMWARE_WASM], { encoding: 'utf8' }).split(' ')[0]);
    });

    it('sign_bolt12: Core Lightning signatures byte for byte, node and payer keys', async () => {
      // Invoices are signed only by sign_invoice (issue 11): the invoice_request vectors here.
      for (const v of sv.filter((v) => v.messagename === 'invoice_request')) {
        const s = await c.signBolt12('invoice_request', unsigned(streamOf(v.bolt12)));
        expect(x(s.merkleRoot)).toBe(v.merkle_root_hex);
        expect(x(s.signature)).toBe(v['signature_hex (BIP340, aux_rand = 32 zero bytes)']);
      }
      const m = h('c15842a4877db5b1c15842a4877db5b1');
      const ref = payerKeyRef(L2.secretData, L2.nodePriv, m);
      const tlv = withRecord(withRecord(unsigned(INVREQ), 0n, m), 88n, h(ref.id));
      const s = await c.signBolt12('invoice_request', tlv);
      expect(s.keyKind).toBe('payer');
      expect(x(s.publicKey)).toBe(ref.id);
      expect(x(s.merkleRoot)).toBe(x(merkleRoot(tlv)));
    });

    it('createonion: onion-test.json byte for byte, shared secrets of onion-error-test.json', async () => {
      const hops = OV.generate.hops.map((hp: any) => ({ pubkey: h(hp.pubkey), payload: h(hp.payload) }));
      const o = await c.createOnion({ hops, assocData: h(OV.generate.associated_data), sessionKey: h(OV.generate.session_key), onionSize: 1300 });
      expect(x(o.onion)).toBe(OV.onion);
      expect(o.sharedSecrets.map(x)).toEqual(EV.generate.hops.map((hp: any) => hp.hop_shared_secret));
    });

    it('a reset from the control socket: a boot event from the reset pin, flash kept, still serving', async () => {
      const before = await c.getInfo();
      const boot = new Promise<BootEvent>((r) => c.transport.once('boot', r));
      await emu.control({ op: 'reset' });
      const ev = await boot;
      expect(ev.reason).toBe(RESET_PIN);
      const after = await c.getInfo();
      expect(after.bootCount).toBe(before.bootCount + 1);
      expect(after.nodeId).toBe(L2.nodeId);
      expect(after.session).not.toBe(before.session);
    });

    it('a corrupted byte on the way in: the device rejects the frame, the client retries once', async () => {
      const retries = c.transport.stats.retries;
      await emu.control({ op: 'corrupt', dir: 'rx', skip: 12, xor: 0x10 });
      const data = new Uint8Array(64).map((_, i) => (i * 37) | 1);
      expect(await c.ping(data)).toEqual(data);
      expect(c.transport.stats.retries - retries).toBe(1);
    });

    it('keeps its flash across an emulator restart (boot count, provisioning)', async () => {
      const n = (await c.getInfo()).bootCount;
      await c.close();
      expect(await emu.stop()).toBe(0);
      emu = await spawnEmulator(['--engine', engine, '--state', state]);
      c = await DeviceClient.open(emu.path, { timeoutMs: 5000 });
      const i = await c.getInfo();
      expect(i.bootCount).toBe(n + 1);
      expect(i.nodeId).toBe(L2.nodeId);
    });
  });
}

describe.skipIf(problem !== undefined)('native chip in process', () => {
  it('runs the firmware self-test (selftest() = 0) and the host binary\'s own self-test', () => {
    const chip = new NativeChip({ wasm, sha256: new Uint8Array(32) }, new MemoryFlash(), () => undefined);
    try {
      chip.boot(1);
      expect(chip.selftest()).toBe(0);
    } finally {
      chip.close();
    }
    expect(execFileSync(NATIVE_CHIP_BIN, ['selftest'], { encoding: 'utf8' })).toMatch(/native self-test passed/);
  });

  it('refuses to start from a binary built from another firmware.wasm', () => {
    const other = Uint8Array.from(wasm);
    other[other.length - 1] ^= 1;
    expect(() => new NativeChip({ wasm: other, sha256: new Uint8Array(32) }, new MemoryFlash(), () => undefined))
      .toThrow(/built from another firmware.wasm/);
    expect(directInfo({ wasm, sha256: new Uint8Array(32) }).length).toBe(48);
  });
});
