// Core Lightning's JSON-RPC notifications (lightning-notifications(7)): a
// connection that sent `notifications {"enable":true}` receives, during its
// later requests, `{"jsonrpc":"2.0","method":"message","params":{"id":<request
// id>,"level":"info","message":...}}` objects; no other connection does. The
// daemon's device commands send "Confirm on the device: ..." while the device
// waits for its button, and log it; denied / timed out / busy become 2101 /
// 2102 / 2103. The device here is a double of the confirming serial client
// of issue 9 (it calls onConfirm, then answers with the status the limits
// ask for), so the daemon's side is tested before the firmware side merges.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hexToBytes } from '@noble/hashes/utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as P from '../shared/protocol.js';
import { startDaemon, type RunningDaemon } from '../host/daemon/daemon.js';
import type { DeviceSigner } from '../host/daemon/device-signer.js';
import type { PolicyLimits, PolicyState } from '../host/device-admin/confirm-adapter.js';
import { DeviceError } from '../host/transport/errors.js';
import { RpcConn } from './helpers/rpc-conn.js';
import { cli } from './helpers/e2e.js';

const NODE_ID = '033845802d25b4e074ccfd7cd8b339a41dc75bf9978a034800444b51d42b07799a';
/** max_amount_msat values that make the double answer like a device whose user did not approve. */
const DENY = 666n, TIMEOUT = 667n, BUSY = 668n, REFUSE = 669n;

function confirmingDevice(): DeviceSigner {
  let policy: PolicyState = {
    maxAmountMsat: null, maxFeeMsat: null, maxFeePpm: null, dailyLimitMsat: null, confirmAboveMsat: null,
    spentLast24hMsat: 0n, logUsed: 0, logCapacity: 64, clock: 1_700_000_000, seq: 0,
  };
  return {
    getInfo: async () => ({ nodeId: hexToBytes(NODE_ID), firmwareVersion: 'double', imageHash: '00'.repeat(32) }),
    signBolt12: async () => { throw new Error('not here'); },
    // build_onion above the confirmation threshold: the device asks; 999 msat is denied.
    buildOnion: async (req) => {
      req.onConfirm?.({ request: 'build_onion', text: `Pay ${req.firstHopAmountMsat} msat?` });
      if (req.firstHopAmountMsat === 999n) throw new DeviceError(0x19, P.MSG_BUILD_ONION, 0);
      return { onion: new Uint8Array(P.ONION_PACKET_SIZE), sharedSecrets: req.hops.map(() => new Uint8Array(32)) };
    },
    getPolicy: async () => policy,
    setPolicy: async (l: PolicyLimits, opts) => {
      opts?.onConfirm?.({ request: 'set_policy', text: `Change limits?\nmax ${l.maxAmountMsat ?? 'none'}` });
      await new Promise((r) => setTimeout(r, 20)); // the press
      const status = { [`${DENY}`]: 0x19, [`${TIMEOUT}`]: 0x1a, [`${BUSY}`]: 0x1b, [`${REFUSE}`]: P.ERR_BAD_PAYLOAD }[`${l.maxAmountMsat}`];
      if (status !== undefined) throw new DeviceError(status, P.MSG_SET_POLICY, 0);
      policy = { ...policy, ...l, seq: policy.seq + 1 };
      return policy;
    },
    close: async () => undefined,
  };
}

let dir: string;
let daemon: RunningDaemon;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lns-notify-'));
  // A node that takes every onion (sendpay's other end).
  const node = {
    getinfo: async () => ({ blockheight: 100, id: '02'.padEnd(66, '1') }),
    sendonion: async () => ({ status: 'pending' }),
    waitsendpay: async () => new Promise<never>(() => undefined),
    listsendpays: async () => [],
    close: () => undefined,
  };
  daemon = await startDaemon({ dataDir: dir, network: 'regtest', device: '/dev/double', lightningRpc: '/dev/null' },
    { connectDevice: async () => confirmingDevice(), connectNode: () => node });
});
afterAll(async () => {
  await daemon.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('notifications', () => {
  it('`notifications` answers {} and takes a boolean `enable`, as lightningd', async () => {
    const c = await RpcConn.open(daemon.rpcFile);
    c.send('n1', 'notifications', { enable: true });
    expect(await c.until('n1')).toEqual([{ jsonrpc: '2.0', id: 'n1', result: {} }]);
    c.send('n2', 'notifications', [false]);
    expect(await c.until('n2')).toEqual([{ jsonrpc: '2.0', id: 'n2', result: {} }]);
    c.send('n3', 'notifications', { enable: 'yes' });
    expect((await c.until('n3'))[0].error).toEqual({ code: -32602, message: "enable: should be 'true' or 'false': invalid token (see logs for details)" });
    c.send('n4', 'notifications', {});
    expect((await c.until('n4'))[0].error).toEqual({ code: -32602, message: 'missing required parameter: enable' });
    c.close();
  });

  it('"Confirm on the device" reaches the connection that enabled notifications, tagged with its request id, and the log', async () => {
    const a = await RpcConn.open(daemon.rpcFile);
    const b = await RpcConn.open(daemon.rpcFile);
    a.send('en', 'notifications', { enable: true });
    await a.until('en');
    a.send(7 as unknown as string, 'setpolicy', { max_amount_msat: '1000sat' });
    b.send('b1', 'setpolicy', { max_fee_msat: 5 });
    const fromA = await a.until(7 as unknown as string);
    expect(fromA.slice(0, -1)).toEqual([
      { jsonrpc: '2.0', method: 'message', params: { id: 7, level: 'info', message: "Setting the device's spending policy: max_amount_msat none -> 1000000" } },
      { jsonrpc: '2.0', method: 'message', params: { id: 7, level: 'info', message: 'Confirm on the device: Change limits? / max 1000000' } },
    ]);
    expect(fromA.at(-1).result).toMatchObject({ max_amount_msat: 1000000 });
    // b never enabled them: its answer only.
    const fromB = await b.until('b1');
    expect(fromB).toHaveLength(1);
    expect(fromB[0].result).toMatchObject({ max_fee_msat: 5 });
    // The two ran one after the other: neither change was written over by the other's merge.
    b.send('b2', 'getpolicy', {});
    expect((await b.until('b2'))[0].result).toMatchObject({ max_amount_msat: 1000000, max_fee_msat: 5 });
    // Disabled again: nothing more.
    a.send('dis', 'notifications', { enable: false });
    await a.until('dis');
    a.send('a2', 'setpolicy', { max_fee_msat: 6 });
    expect(await a.until('a2')).toHaveLength(1);
    a.close();
    b.close();
    const log = readFileSync(join(dir, 'lnsigner.log'), 'utf8');
    expect(log).toContain('INFO setpolicy id=7: Confirm on the device: Change limits? / max 1000000');
    expect(log).toMatch(/INFO setpolicy id="b1": Confirm on the device: Change limits\? \/ max (none|1000000)\n/);
  });

  it('each request\'s notifications go to its own connection only', async () => {
    const [a, b] = [await RpcConn.open(daemon.rpcFile), await RpcConn.open(daemon.rpcFile)];
    for (const c of [a, b]) {
      c.send('on', 'notifications', { enable: true });
      await c.until('on');
    }
    a.send('a', 'setpolicy', { daily_limit_msat: '1btc' });
    b.send('b', 'getpolicy', []);
    const got = await b.until('b');
    expect(got).toHaveLength(1);
    const fromA = await a.until('a');
    expect(fromA.filter((o) => o.method === 'message').every((o) => o.params.id === 'a')).toBe(true);
    a.close();
    b.close();
  });

  it('the CLI prints them as "# <message>" on stderr', async () => {
    const r = await cli(['--data-dir', dir, 'setpolicy', '2000sat']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("# Setting the device's spending policy: max_amount_msat 1000000 -> 2000000\n# Confirm on the device: Change limits? / max 2000000\n");
    expect(JSON.parse(r.stdout)).toMatchObject({ max_amount_msat: 2000000 });
    const quiet = await cli(['--data-dir', dir, '-N', 'warn', 'setpolicy', '3000sat']);
    expect([quiet.code, quiet.stderr]).toEqual([0, '']);
  });

  it('denied, timed out, busy and refused on the device: 2101, 2102, 2103, 2100; nothing changes', async () => {
    const before = JSON.parse((await cli(['--data-dir', dir, 'getpolicy'])).stdout);
    const cases: Array<[bigint, number, string]> = [
      [DENY, 2101, 'Could not change the spending policy: denied on the device: nothing was changed'],
      [TIMEOUT, 2102, "Could not change the spending policy: the device's prompt timed out with no answer: nothing was changed"],
      [BUSY, 2103, 'Could not change the spending policy: the device is waiting for a press for another request: answer it on the device, then try again'],
      [REFUSE, 2100, 'Could not change the spending policy: the device refused the request as malformed (ERR_BAD_PAYLOAD): nothing was changed'],
    ];
    for (const [amount, code, message] of cases) {
      const r = await cli(['--data-dir', dir, 'setpolicy', `${amount}msat`]);
      expect([r.code, JSON.parse(r.stdout)]).toEqual([1, { code, message }]);
      expect(r.stderr).toContain('# Confirm on the device');
    }
    expect(JSON.parse((await cli(['--data-dir', dir, 'getpolicy'])).stdout)).toEqual(before);
  });

  it('sendpay: the device\'s question about a payment reaches the client; denied is 213 (the signer declined, as CLN) and nothing is sent', async () => {
    const route = (amount: number) => JSON.stringify([{ id: NODE_ID, channel: '103x1x0', amount_msat: amount, delay: 20 }]);
    const ok = await cli(['--data-dir', dir, 'sendpay', route(5000), 'aa'.repeat(32)]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe('# Confirm on the device: Pay 5000 msat?\n');
    const no = await cli(['--data-dir', dir, 'sendpay', route(999), 'bb'.repeat(32)]);
    expect([no.code, JSON.parse(no.stdout)]).toMatchObject([1, { code: 213, message: 'The signing device declined the payment: denied on the device' }]);
    expect(no.stderr).toBe('# Confirm on the device: Pay 999 msat?\n');
    expect(JSON.parse((await cli(['--data-dir', dir, 'listsendpays', 'null', 'bb'.repeat(32)])).stdout)).toEqual({ payments: [] });
    expect(readFileSync(join(dir, 'lnsigner.log'), 'utf8')).toMatch(/INFO sendpay id="cli:sendpay#\d+": Confirm on the device: Pay 999 msat\?/);
  });
});
