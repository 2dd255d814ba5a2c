// The device spending policy over the PTY (docs/firmware/onion.md "Policy",
// docs/protocol.md "get_policy / set_policy"): defaults, malformed
// set_policy payloads (its press: test/device-confirm*.test.ts), each limit refusing with the detail that names it, idempotent
// recording of a resent part, the spend log and limits surviving emulator
// restarts on the same state directory, the rolling 24-hour window (the
// emulator's clock moved with LNSIGNER_EMU_CLOCK_OFFSET), and a full log
// refusing rather than forgetting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import * as P from '../shared/protocol.js';
import { spawnEmulator, type SpawnedEmulator } from '../host/emulator/spawn.js';
import { DeviceClient } from '../host/device-client/client.js';
import { encodeSetPolicy, type BuildOnionHop, type SpendingLimits } from '../host/device-client/requests.js';
import { encodeHopPayload } from '../host/onion/payload.js';
import { secp } from '../host/crypto/noble.js';
import { join } from 'node:path';
import { x, ascii } from './helpers/bytes.js';
import { keyCases, refused, tmp } from './helpers/device-requests.js';

const K = keyCases[0];
const nodes = Array.from({ length: 3 }, (_, i) => secp.getPublicKey(sha256(ascii(`policy node ${i}`)), true));

/** Three-hop route delivering `amount` with a total fee of `fee` (first hop keeps it). */
function pay(tag: string, amount: bigint, fee: bigint, partId = 0n, total?: bigint) {
  const hops: BuildOnionHop[] = [
    { pubkey: nodes[0], payload: encodeHopPayload({ amountMsat: amount, cltv: 800100, shortChannelId: Uint8Array.of(0, 0, 1, 0, 0, 1, 0, 0) }) },
    { pubkey: nodes[1], payload: encodeHopPayload({ amountMsat: amount, cltv: 800050, shortChannelId: Uint8Array.of(0, 0, 1, 0, 0, 2, 0, 0) }) },
    { pubkey: nodes[2], payload: encodeHopPayload({ amountMsat: amount, cltv: 800000, paymentSecret: new Uint8Array(32).fill(9), totalMsat: total ?? amount }) },
  ];
  return { hops, paymentHash: sha256(ascii(tag)), partId, firstHopAmountMsat: amount + fee };
}

const LIMITS: SpendingLimits = { maxAmountMsat: 100_000n, maxFeeMsat: 1_000n, maxFeePpm: 10_000, dailyLimitMsat: 250_000n };
const state = tmp();
let emu: SpawnedEmulator;
let c: DeviceClient;

async function start(clockOffset = 0) {
  emu = await spawnEmulator(['--state', state, '--hsm-secret', x(K.file), '--control', join(state, 'control.sock'), '--confirm', 'approve'], { LNSIGNER_EMU_CLOCK_OFFSET: String(clockOffset) });
  c = await DeviceClient.open(emu.path, { timeoutMs: 10000 });
}
async function stop() {
  await c?.close();
  await emu?.stop();
}
beforeAll(() => start(0));
afterAll(stop);

describe('policy: defaults and set_policy', () => {
  it('a new device has no limits, an empty log and a running clock', async () => {
    const p = await c.getPolicy();
    expect(p).toMatchObject({ maxAmountMsat: null, maxFeeMsat: null, maxFeePpm: null, dailyLimitMsat: null, spentLast24hMsat: 0n, logUsed: 0, logCapacity: P.POLICY_LOG_CAP, seq: 0 });
    expect(Math.abs(p.clock - Math.floor(Date.now() / 1000))).toBeLessThan(600);
  });
  it('set_policy: max_fee_ppm above 1e6 and a short payload are malformed', async () => {
    const bad = encodeSetPolicy(LIMITS);
    new DataView(bad.buffer).setUint32(P.POLICY_OFF_MAX_FEE_PPM, 1_000_001, true);
    await refused(c.transport.request(P.MSG_SET_POLICY, bad), P.ERR_BAD_PAYLOAD);
    await refused(c.transport.request(P.MSG_SET_POLICY, encodeSetPolicy(LIMITS).subarray(0, P.SET_POLICY_SIZE - 1)), P.ERR_BAD_PAYLOAD);
    expect((await c.getPolicy()).seq).toBe(0);
  });
  it('set_policy stores the limits (reply = the stored policy)', async () => {
    const p = await c.setPolicy(LIMITS);
    expect(p).toMatchObject({ ...LIMITS, seq: 1, logUsed: 0 });
    expect(await c.getPolicy()).toMatchObject({ ...LIMITS, seq: 1 });
  });
});

describe('policy: each limit refuses with its own detail', () => {
  it('max_amount: one part above it, and parts of one payment hash together above it', async () => {
    await refused(c.buildOnion(pay('big', 100_001n, 0n)), P.ERR_POLICY, P.POLICY_LIMIT_MAX_AMOUNT);
    // Declared MPP total above the limit, though the part is small.
    await refused(c.buildOnion(pay('mpp-total', 10_000n, 0n, 1n, 100_001n)), P.ERR_POLICY, P.POLICY_LIMIT_MAX_AMOUNT);
    await c.buildOnion(pay('mpp', 60_000n, 0n, 1n, 100_000n));
    await refused(c.buildOnion(pay('mpp', 40_001n, 0n, 2n, 100_000n)), P.ERR_POLICY, P.POLICY_LIMIT_MAX_AMOUNT);
    await c.buildOnion(pay('mpp', 40_000n, 0n, 2n, 100_000n));
    expect((await c.getPolicy()).spentLast24hMsat).toBe(100_000n);
  });
  it('max_fee (absolute): fee = first-hop amount - final amt_to_forward', async () => {
    await refused(c.buildOnion(pay('fee-abs', 98_000n, 1_001n)), P.ERR_POLICY, P.POLICY_LIMIT_MAX_FEE_ABS);
  });
  it('max_fee_ppm: 1% of the delivered amount, exactly at the limit allowed', async () => {
    await refused(c.buildOnion(pay('fee-ppm', 50_000n, 501n)), P.ERR_POLICY, P.POLICY_LIMIT_MAX_FEE_PPM);
    await c.buildOnion(pay('fee-ppm', 50_000n, 500n));
    expect((await c.getPolicy()).spentLast24hMsat).toBe(150_500n);
  });
  it('a resent part (same hash, partid, route) returns the same onion and counts once', async () => {
    const a = await c.buildOnion(pay('fee-ppm', 50_000n, 500n));
    const b = await c.buildOnion(pay('fee-ppm', 50_000n, 500n));
    expect(x(a.onion)).toBe(x(b.onion));
    expect(await c.getPolicy()).toMatchObject({ spentLast24hMsat: 150_500n, logUsed: 3 });
  });
  it('daily limit: the rolling 24 h sum of amounts sent', async () => {
    await c.buildOnion(pay('day-1', 90_000n, 0n)); // 240_500
    await refused(c.buildOnion(pay('day-2', 10_000n, 0n)), P.ERR_POLICY, P.POLICY_LIMIT_DAILY);
    await c.buildOnion(pay('day-2', 9_500n, 0n)); // 250_000 exactly
    await refused(c.buildOnion(pay('day-3', 1n, 0n)), P.ERR_POLICY, P.POLICY_LIMIT_DAILY);
    expect((await c.getPolicy()).spentLast24hMsat).toBe(250_000n);
  });
});

describe('policy: persistence and the 24-hour window', () => {
  it('limits and spend log survive a restart of the emulator', async () => {
    await stop();
    await start(0);
    expect(await c.getPolicy()).toMatchObject({ ...LIMITS, spentLast24hMsat: 250_000n, logUsed: 5 });
    await refused(c.buildOnion(pay('day-3', 1n, 0n)), P.ERR_POLICY, P.POLICY_LIMIT_DAILY);
  });
  it('23 h later the day is still full; 24 h later it is empty again', async () => {
    await stop();
    await start(23 * 3600);
    await refused(c.buildOnion(pay('day-3', 1n, 0n)), P.ERR_POLICY, P.POLICY_LIMIT_DAILY);
    await stop();
    await start(24 * 3600 + 60);
    // More than a day past the clock floor: the window keeps the floor's time
    // until the jump is approved on the device (this board approves every
    // prompt; test/device-confirm.test.ts presses the button itself).
    expect(await c.getPolicy()).toMatchObject({ spentLast24hMsat: 250_000n, logUsed: 5 });
    await c.buildOnion(pay('day-3', 1n, 0n));
    expect(await c.getPolicy()).toMatchObject({ spentLast24hMsat: 1n, logUsed: 1 });
  });
  it('a full log refuses (log_full) rather than forget, while a limit reads it', async () => {
    await c.setPolicy({ maxAmountMsat: null, maxFeeMsat: null, maxFeePpm: null, dailyLimitMsat: 1_000_000_000n });
    for (let i = 1; i < P.POLICY_LOG_CAP; i++) await c.buildOnion(pay(`fill-${i}`, 1n, 0n));
    expect((await c.getPolicy()).logUsed).toBe(P.POLICY_LOG_CAP);
    await refused(c.buildOnion(pay('one-more', 1n, 0n)), P.ERR_POLICY, P.POLICY_LIMIT_LOG_FULL);
    // A resend of a recorded part still works (it adds nothing).
    await c.buildOnion(pay('fill-7', 1n, 0n));
    // With no limit reading the log, the oldest entry makes room.
    await c.setPolicy({ maxAmountMsat: null, maxFeeMsat: null, maxFeePpm: null, dailyLimitMsat: null });
    await c.buildOnion(pay('one-more', 1n, 0n));
    expect(await c.getPolicy()).toMatchObject({ logUsed: P.POLICY_LOG_CAP, spentLast24hMsat: BigInt(P.POLICY_LOG_CAP) });
  });
  it('the control socket moves the running device\'s clock (no restart needed)', async () => {
    const before = await c.getPolicy();
    expect(before.spentLast24hMsat).toBeGreaterThan(0n);
    const r = await emu.control({ op: 'clock', advance: 12 * 3600 });
    expect(r.clockOffset).toBe(24 * 3600 + 60 + 12 * 3600);
    expect((await c.getPolicy()).spentLast24hMsat).toBe(before.spentLast24hMsat);
    await emu.control({ op: 'clock', advance: 12 * 3600 + 1 });
    const after = await c.getPolicy();
    expect(after).toMatchObject({ spentLast24hMsat: 0n, logUsed: 0 });
    expect(after.clock - before.clock).toBeGreaterThanOrEqual(24 * 3600 + 1);
  });
});
