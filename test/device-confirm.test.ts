// Confirmation on the device over the PTY, with the real emulator process in
// `--confirm manual` mode: the test is the user, reading the prompt and
// pressing the buttons through the control socket (docs/emulator.md
// "Confirmation", docs/protocol.md "Confirmation"). Each gated request
// approved and denied (set_policy loosening, wipe, provision from an
// hsm_secret and generated, build_onion above the threshold, a clock jump,
// fw_begin through `lnsigner flash`), a second gated request refused as busy,
// the board's timeout, and other requests answered while one waits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import * as P from '../shared/protocol.js';
import { spawnEmulator, type SpawnedEmulator } from '../host/emulator/spawn.js';
import { ConfirmWaitError, DeviceClient, type ConfirmInfo } from '../host/device-client/client.js';
import type { BuildOnionHop, SpendingLimits } from '../host/device-client/requests.js';
import { DeviceError } from '../host/transport/errors.js';
import { encodeHopPayload } from '../host/onion/payload.js';
import { secp } from '../host/crypto/noble.js';
import { SerialDeviceSigner } from '../host/daemon/serial-device.js';
import { FlashError, flashImage } from '../host/flash/flasher.js';
import { toHex } from '../host/flash/image.js';
import { ascii, x } from './helpers/bytes.js';
import { INVREQ, keyCases, refused, tmp, unsigned } from './helpers/device-requests.js';
import { Rig, WASM, cli, image, variant } from './helpers/flash.js';

const K = keyCases[1];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NONE: SpendingLimits = { maxAmountMsat: null, maxFeeMsat: null, maxFeePpm: null, dailyLimitMsat: null, confirmAboveMsat: null };
const nodes = [1, 2].map((i) => secp.getPublicKey(sha256(ascii(`confirm node ${i}`)), true));
function pay(tag: string, amount: bigint, fee = 10n) {
  const hops: BuildOnionHop[] = [
    { pubkey: nodes[0], payload: encodeHopPayload({ amountMsat: amount, cltv: 800100, shortChannelId: Uint8Array.of(0, 0, 1, 0, 0, 1, 0, 0) }) },
    { pubkey: nodes[1], payload: encodeHopPayload({ amountMsat: amount, cltv: 800000, paymentSecret: new Uint8Array(32).fill(9) }) },
  ];
  return { hops, paymentHash: sha256(ascii(tag)), firstHopAmountMsat: amount + fee };
}

/** The prompt the emulated board shows, once it shows one. */
async function waitPrompt(emu: SpawnedEmulator): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const r = await emu.control({ op: 'prompt' });
    if (typeof r.prompt === 'string') return r.prompt;
    await sleep(25);
  }
  throw new Error('no prompt appeared');
}
/** Reads the prompt, presses `which`, and returns the prompt and the request's outcome. */
async function press<T>(emu: SpawnedEmulator, p: Promise<T>, which: 'approve' | 'deny'): Promise<{ text: string; result: T | unknown }> {
  const text = await waitPrompt(emu);
  await emu.control({ op: 'button', press: which });
  return { text, result: await p.then((v) => v, (e: unknown) => e) };
}
const isStatus = (e: unknown, status: number) => e instanceof DeviceError && e.status === status;

describe('confirmation over the PTY (--confirm manual)', () => {
  const dir = tmp();
  let emu: SpawnedEmulator;
  let c: DeviceClient;
  const confirms: ConfirmInfo[] = [];

  beforeAll(async () => {
    emu = await spawnEmulator(['--state', join(dir, 'state'), '--hsm-secret', x(K.file), '--network', 'regtest',
      '--control', join(dir, 'ctl.sock'), '--confirm', 'manual', '--confirm-timeout', '60']);
    c = await DeviceClient.open(emu.path, { timeoutMs: 5000, onConfirm: (i) => confirms.push(i), confirmPollMs: 50 });
  });
  afterAll(async () => {
    await c?.close();
    await emu?.stop();
  });

  it('--hsm-secret provisions without a press (the operator asked on the command line); no prompt is left', async () => {
    expect((await c.getInfo()).nodeId).toBe(K.nodeId);
    expect((await emu.control({ op: 'prompt' })).prompt).toBeNull();
    await expect(emu.control({ op: 'button', press: 'approve' })).rejects.toThrow(/no prompt is waiting for a press/);
    await expect(emu.control({ op: 'button', press: 'maybe' } as never)).rejects.toThrow(/press must be "approve" or "deny"/);
  });

  it('set_policy: tightening applies at once; loosening waits for the press, denied changes nothing, approved applies', async () => {
    const tight = { ...NONE, dailyLimitMsat: 1_000_000n, confirmAboveMsat: 100_000n };
    expect(await c.setPolicy(tight)).toMatchObject(tight);
    expect(confirms).toEqual([]);
    const loose = { ...tight, dailyLimitMsat: 5_000_000n };
    const denied = await press(emu, c.setPolicy(loose), 'deny');
    expect(denied.text).toBe('Loosen spending limits?\n daily\n');
    expect(isStatus(denied.result, P.ERR_CONFIRM_DENIED)).toBe(true);
    expect((denied.result as Error).message).toMatch(/ERR_CONFIRM_DENIED/);
    expect(await c.getPolicy()).toMatchObject(tight);
    expect(confirms).toEqual([{ request: 'set_policy', text: expect.stringMatching(/daily 5000000/) }]);
    const approved = await press(emu, c.setPolicy(loose), 'approve');
    expect(approved.result).toMatchObject(loose);
    expect(await c.getPolicy()).toMatchObject(loose);
    expect(confirms.length).toBe(2);
    expect(emu.stderr()).toMatch(/confirm on the device \(60 s\):\n {2}Loosen spending limits\?/);
  });

  it('while set_policy waits for the button, ping, get_info and sign_bolt12 are answered; a second gated request is busy', async () => {
    const pending = c.setPolicy(NONE);
    const text = await waitPrompt(emu);
    expect(text).toBe('Loosen spending limits?\n daily confirm\n');
    // The client polls set_policy meanwhile; every one of these goes between two polls.
    expect(x(await c.ping(ascii('between polls')))).toBe(x(ascii('between polls')));
    expect((await c.getInfo()).nodeId).toBe(K.nodeId);
    const sig = await c.signBolt12('invoice_request', unsigned(INVREQ));
    expect(sig.signature.length).toBe(64);
    await refused(c.wipe(K.nodeId), P.ERR_CONFIRM_BUSY);
    expect((await emu.control({ op: 'prompt' })).prompt).toBe(text);
    await emu.control({ op: 'button', press: 'approve' });
    expect(await pending).toMatchObject(NONE);
  });

  it('build_onion above confirm_above_msat waits for the press (amount, fee, final node shown); at or below it does not', async () => {
    await c.setPolicy({ ...NONE, confirmAboveMsat: 50_000n });
    const n0 = confirms.length;
    await c.buildOnion(pay('small', 50_000n));
    expect(confirms.length).toBe(n0);
    const denied = await press(emu, c.buildOnion(pay('big', 50_001n, 25n)), 'deny');
    expect(denied.text).toBe(`Pay 50001 msat?\nFee 25 msat\nTo ${x(nodes[1]).slice(0, 16)}...\n`);
    expect(isStatus(denied.result, P.ERR_CONFIRM_DENIED)).toBe(true);
    expect((await c.getPolicy()).spentLast24hMsat).toBe(50_010n);
    const approved = await press(emu, c.buildOnion(pay('big', 50_001n, 25n)), 'approve');
    expect((approved.result as { onion: Uint8Array }).onion.length).toBe(P.ONION_PACKET_SIZE);
    expect((await c.getPolicy()).spentLast24hMsat).toBe(100_036n);
    expect(confirms.at(-1)).toMatchObject({ request: 'build_onion' });
  });

  it('the daemon\'s device signer logs "confirm on the device" while a payment waits', async () => {
    await c.close();
    const lines: string[] = [];
    const signer = await SerialDeviceSigner.open(emu.path, { log: { info: (m) => lines.push(m) } });
    try {
      const req = pay('daemon', 70_000n);
      const built = signer.buildOnion({
        hops: req.hops.map((h) => ({ pubkey: h.pubkey, payload: Uint8Array.from([h.payload.length, ...h.payload]) })),
        assocData: req.paymentHash, firstHopAmountMsat: req.firstHopAmountMsat,
      });
      const r = await press(emu, built, 'approve');
      expect((r.result as { onion: Uint8Array }).onion.length).toBe(P.ONION_PACKET_SIZE);
      expect(lines).toEqual([expect.stringMatching(/confirm on the device: payment [0-9a-f]{64}/)]);
    } finally {
      await signer.close();
      c = await DeviceClient.open(emu.path, { timeoutMs: 5000, onConfirm: (i) => confirms.push(i), confirmPollMs: 50 });
    }
  });

  it('a forward clock jump of more than a day asks before it frees the 24-hour window', async () => {
    // Removing the threshold loosens (a press); the daily limit tightens.
    await press(emu, c.setPolicy({ ...NONE, dailyLimitMsat: 200_000n, confirmAboveMsat: null }), 'approve');
    expect(await c.getPolicy()).toMatchObject({ dailyLimitMsat: 200_000n, confirmAboveMsat: null });
    const spent = (await c.getPolicy()).spentLast24hMsat;
    expect(spent).toBeGreaterThan(0n);
    await emu.control({ op: 'clock', advance: 30 * 3600 });
    // The window keeps the floor's time until the jump is approved.
    expect((await c.getPolicy()).spentLast24hMsat).toBe(spent);
    const denied = await press(emu, c.buildOnion(pay('after jump', 1_000n)), 'deny');
    expect(denied.text).toMatch(/^Clock jumped \+30 h\n/);
    expect(isStatus(denied.result, P.ERR_CONFIRM_DENIED)).toBe(true);
    expect((await c.getPolicy()).spentLast24hMsat).toBe(spent);
    const approved = await press(emu, c.buildOnion(pay('after jump', 1_000n)), 'approve');
    expect(approved.text).toMatch(/^Clock jumped \+30 h\n/);
    const p = await c.getPolicy();
    expect(p).toMatchObject({ spentLast24hMsat: 1_010n, logUsed: 1 });
    expect(p.clockFloor).toBeGreaterThanOrEqual(p.clock - 5);
  });

  it('wipe: denied keeps the secret, approved erases it; provision from an hsm_secret and generated, each denied then approved', async () => {
    const w1 = await press(emu, c.wipe(K.nodeId), 'deny');
    expect(w1.text).toBe(`Wipe the device?\nNode ${K.nodeId.slice(0, 16)}...\nThe secret is erased for good\n`);
    expect(isStatus(w1.result, P.ERR_CONFIRM_DENIED)).toBe(true);
    expect((await c.getInfo()).provisioned).toBe(true);
    await press(emu, c.wipe(K.nodeId), 'approve');
    expect((await c.getInfo()).provisioned).toBe(false);

    const g1 = await press(emu, c.provision({ generate: true, network: 'regtest' }), 'deny');
    expect(g1.text).toBe('Provision the device?\nGenerate a new secret\nNetwork regtest\n');
    expect(isStatus(g1.result, P.ERR_CONFIRM_DENIED)).toBe(true);
    expect((await c.getInfo()).provisioned).toBe(false);
    const g2 = await press(emu, c.provision({ generate: true, network: 'regtest' }), 'approve');
    const generated = x((g2.result as { nodeId: Uint8Array }).nodeId);
    expect((await c.getInfo()).nodeId).toBe(generated);
    await press(emu, c.wipe(generated), 'approve');

    const s1 = await press(emu, c.provision({ hsmSecret: K.file, network: 'regtest' }), 'deny');
    expect(s1.text).toBe('Provision the device?\nImport an hsm_secret\nNetwork regtest\n');
    expect(isStatus(s1.result, P.ERR_CONFIRM_DENIED)).toBe(true);
    expect((await c.getInfo()).provisioned).toBe(false);
    const s2 = await press(emu, c.provision({ hsmSecret: K.file, network: 'regtest' }), 'approve');
    expect(x((s2.result as { nodeId: Uint8Array }).nodeId)).toBe(K.nodeId);
    const reqs = confirms.map((i) => i.request);
    expect(reqs.filter((r) => r === 'wipe').length).toBe(3);
    expect(reqs.filter((r) => r === 'provision').length).toBe(4);
  });

  it('the host gives up after confirmMaxMs (ConfirmWaitError, nothing changed); the device keeps the prompt until answered', async () => {
    const e = await c.wipe(K.nodeId, { confirmMaxMs: 300 }).then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(ConfirmWaitError);
    expect((e as Error).message).toMatch(/wipe: no answer on the device/);
    expect(await waitPrompt(emu)).toMatch(/^Wipe the device\?/);
    await emu.control({ op: 'button', press: 'approve' });
    // The approval is abandoned with the request: the next gated request asks anew.
    const again = await press(emu, c.setPolicy(NONE), 'deny');
    expect(again.text).toMatch(/^Loosen spending limits\?/);
    expect((await c.getInfo()).provisioned).toBe(true);
  });
});

describe('the board\'s timeout and the other modes', () => {
  it('--confirm-timeout: an unanswered prompt times out (ERR_CONFIRM_TIMEOUT) and changes nothing', async () => {
    const dir = tmp();
    const emu = await spawnEmulator(['--state', join(dir, 's'), '--hsm-secret', x(K.file), '--control', join(dir, 'c.sock'),
      '--confirm', 'manual', '--confirm-timeout', '1']);
    const c = await DeviceClient.open(emu.path, { timeoutMs: 5000 });
    try {
      const t0 = Date.now();
      const e = await refused(c.wipe(K.nodeId), P.ERR_CONFIRM_TIMEOUT);
      expect(e.message).toMatch(/ERR_CONFIRM_TIMEOUT/);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
      expect((await c.getInfo()).provisioned).toBe(true);
      expect((await emu.control({ op: 'prompt' })).prompt).toBeNull();
      expect(emu.stderr()).toMatch(/prompt timed out/);
    } finally {
      await c.close();
      await emu.stop();
    }
  });

  it('--confirm deny refuses every gated request at once; the buttons cannot be pressed', async () => {
    const dir = tmp();
    const emu = await spawnEmulator(['--state', join(dir, 's'), '--hsm-secret', x(K.file), '--control', join(dir, 'c.sock'), '--confirm', 'deny']);
    const c = await DeviceClient.open(emu.path, { timeoutMs: 5000 });
    try {
      await refused(c.wipe(K.nodeId), P.ERR_CONFIRM_DENIED);
      await c.setPolicy({ ...NONE, maxFeeMsat: 10n }); // tightening needs no press
      await refused(c.setPolicy(NONE), P.ERR_CONFIRM_DENIED);
      await expect(emu.control({ op: 'button', press: 'approve' })).rejects.toThrow(/--confirm deny/);
    } finally {
      await c.close();
      await emu.stop();
    }
  });
});

describe('fw_begin waits for the press: lnsigner flash says "confirm on the device"', () => {
  const rig = new Rig();
  afterAll(() => rig.stop());

  it('denied: nothing is written or switched; approved: the image is installed', async () => {
    await rig.start(undefined, ['--confirm', 'manual']);
    const c = await rig.connect();
    const img = image(variant('confirm'), '0.4.0');
    const said: ConfirmInfo[] = [];
    const denied = await press(rig.emu!, flashImage(c, img, { onConfirm: (i) => said.push(i) }), 'deny');
    expect(denied.text).toBe(`Install firmware 0.4.0?\nDEV image: key is public\nSHA256 ${toHex(img.hash).slice(0, 16)}...\n`);
    expect(denied.result).toBeInstanceOf(FlashError);
    expect((denied.result as FlashError).message).toMatch(/fw_begin: denied on the device/);
    expect(said).toEqual([{ request: 'fw_begin', text: expect.stringMatching(/install firmware 0\.4\.0/) }]);
    expect((await c.getInfo()).firmwareVersion).not.toBe('0.4.0');
    await rig.closeClients();

    // The CLI, with the user pressing approve while it waits.
    const file = join(rig.dir, 'fw.img');
    writeFileSync(file, img.bytes);
    const run = cli(['flash', '--device', rig.link, file]);
    const text = await waitPrompt(rig.emu!);
    expect(text).toMatch(/^Install firmware 0\.4\.0\?/);
    await rig.emu!.control({ op: 'button', press: 'approve' });
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/confirm on the device: install firmware 0\.4\.0/);
    const c2 = await rig.connect();
    expect((await c2.getInfo()).firmwareVersion).toBe('0.4.0');
    expect(WASM.length).toBeGreaterThan(0);
  });
});
