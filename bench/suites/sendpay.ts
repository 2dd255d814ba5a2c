// End-to-end sendpay latency, impl `rpc→daemon→device(115200)→simnet`: a
// JSON-RPC client on the daemon's socket sends `sendpay` then `waitsendpay`
// until the part is complete. The daemon runs in this process (so its pieces
// can be timed); the emulator paces its UART at 115200 baud over a real PTY
// (build_onion moves ~1.6 KB each way); the simulated network runs in this
// process behind its lightningd-compatible socket (every hop peels the onion
// with its own key). Each request pays a fresh invoice of 1000 msat to a node
// two hops away along a route found once.
// Extra fields: mean µs per payment of the whole sendpay→complete round trip,
// of the device's build_onion, of sendonion on the node, of the rest (SQLite
// commits, JSON-RPC, payload encoding, waiting for the HTLC to settle), and
// the raw UART time of the build_onion bytes at 115200 baud.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from '../../host/daemon/daemon.js';
import { connectSerialDevice } from '../../host/daemon/serial-device.js';
import { spawnEmulator, type SpawnedEmulator } from '../../host/emulator/spawn.js';
import { startSimnet, type RunningSimnet } from '../../host/simnet/server.js';
import { LightningRpcClient } from '../../host/node/client.js';
import type { PayNode } from '../../host/payments/engine.js';
import type { BenchCase, BenchSuite } from '../types.js';

// test/vectors/cln-key-derivation-vectors.json: pyln-testing "lightning-2" (a public test seed).
const HSM_SECRET_L2 = '0000000000000000000000000000000000000000000000000000000000000000686f636b657920656e726f6c6c2073757265207472697020747261636b20726573637565206f726967696e616c20706c6179206162616e646f6e206162616e646f6e206162616e646f6e2061636869657665';
const BAUD = 115200;

class Timer {
  total = 0;
  count = 0;
  async time<T>(f: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      this.total += performance.now() - t0;
      this.count++;
    }
  }
}

let emulator: SpawnedEmulator | undefined;
let daemon: RunningDaemon | undefined;
let sim: RunningSimnet | undefined;
let node: LightningRpcClient | undefined;
let client: LightningRpcClient | undefined;
let dir: string | undefined;

export const sendpaySuite: BenchSuite = {
  title: `sendpay end to end: JSON-RPC → daemon → emulator (PTY, ${BAUD} baud) → simulated network`,
  async setup() {
    dir = mkdtempSync(join(tmpdir(), 'lns-bench-pay-'));
    const link = join(dir, 'tty');
    emulator = await spawnEmulator(['--state', join(dir, 'device'), '--link', link, '--network', 'regtest', '--baud', String(BAUD), '--hsm-secret', HSM_SECRET_L2, '--confirm', 'approve']);
    sim = await startSimnet(join(dir, 'sim'), { nodes: 5, seed: 'bench-sendpay' });
    node = new LightningRpcClient(sim.rpcFile);
    const device = new Timer();
    const sendonion = new Timer();
    let onionBytes = 0;
    daemon = await startDaemon(
      { dataDir: join(dir, 'data'), network: 'regtest', device: link, lightningRpc: sim.rpcFile, logLevel: 'warn' },
      {
        connectDevice: connectSerialDevice,
        connectNode(socket) {
          const c = new LightningRpcClient(socket);
          const timed: PayNode & { close(): void } = {
            getinfo: () => c.getinfo(),
            sendonion: (p) => sendonion.time(() => c.sendonion(p)),
            waitsendpay: (p) => c.waitsendpay(p),
            listsendpays: (p) => c.listsendpays(p),
            close: () => c.close(),
          };
          return timed;
        },
        onContext(ctx) {
          const signer = ctx.device!.signer;
          const build = signer.buildOnion!.bind(signer);
          signer.buildOnion = (r) => device.time(async () => {
            const out = await build(r);
            // request: header 50 + hops (33 + length + payload); reply: packet + secrets
            onionBytes = 50 + r.hops.reduce((n, h) => n + 33 + h.payload.length, 0) + out.onion.length + 32 * out.sharedSecrets.length;
            return out;
          });
        },
      },
    );
    client = new LightningRpcClient(daemon.rpcFile);
    const nodes = (await node.call('dev-simnet-nodes', {})) as { nodes: { id: string; alias: string }[] };
    const dest = nodes.nodes.find((n) => n.alias === 'carol')!.id;
    const route = (await node.getroute({ id: dest, amount_msat: 1000n, riskfactor: 10, cltv: 18 })).map((h) => ({ ...h, amount_msat: Number(h.amount_msat) }));

    const total = new Timer();
    let d0 = { t: 0, n: 0 };
    let s0 = { t: 0, n: 0 };
    const us = (ms: number, count: number) => (count ? Math.round((ms / count) * 1000) : 0);
    const c: BenchCase = {
      name: 'sendpay-e2e',
      impl: `rpc→daemon→device(${BAUD})→simnet`,
      fn: async () => {
        if (total.count === 0) d0 = { t: device.total, n: device.count }, s0 = { t: sendonion.total, n: sendonion.count };
        const inv = (await node!.call('dev-simnet-invoice', { node: 'carol', amount_msat: 1000 })) as { payment_hash: string; payment_secret: string };
        await total.time(async () => {
          await client!.call('sendpay', { route, payment_hash: inv.payment_hash, payment_secret: inv.payment_secret });
          const done = (await client!.call('waitsendpay', { payment_hash: inv.payment_hash, timeout: 60 })) as { status: string };
          if (done.status !== 'complete') throw new Error(`payment ${inv.payment_hash} ${done.status}`);
        });
      },
      extra: {
        hops: route.length,
        get payments() { return total.count; },
        get sendpay_to_complete_us() { return us(total.total, total.count); },
        get device_build_onion_us() { return us(device.total - d0.t, total.count); },
        get node_sendonion_us() { return us(sendonion.total - s0.t, total.count); },
        get rest_us() { return us(total.total - (device.total - d0.t) - (sendonion.total - s0.t), total.count); },
        get build_onion_uart_bytes() { return onionBytes; },
        get build_onion_uart_raw_us() { return Math.round((onionBytes * 10 * 1e6) / BAUD); },
      },
    };
    return [c];
  },
  async teardown() {
    client?.close();
    await daemon?.stop();
    node?.close();
    await sim?.close();
    await emulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
};
