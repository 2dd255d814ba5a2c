// The payer side end to end (issue 12 item 8), impl
// `rpc→plugin→device(115200)→simnet`: lnsigner's own `fetchinvoice` and
// `pay` in the real plugin process under the simulated lightningd, the
// emulator on a PTY with its UART paced at 115200 baud as the device, and a
// simulated merchant (`dev-simnet-offer`, @noble, independent of lnsigner)
// two hops away behind a one-hop blinded path.
//   fetchinvoice: payer key and signature on the device, reply path and
//   onion message built on the device, injectonionmessage, the merchant's
//   invoice back through the reply path, the payer's checks.
//   pay: routes from the node (getroutes), every part built on the device
//   (pay_invoice: the invoice and request re-checked, the pay log written),
//   sendonion and waitsendpay until the merchant settles.
// Extra fields split the mean time per command from the plugin's log line
// (host/payer/timing.ts): the device (every device request: UART +
// firmware), lightningd (its RPCs, incl. sendonion/waitsendpay for pay and
// injectonionmessage for fetchinvoice), the wait for the invoice (onion
// messages through the simulated network and the merchant), and the rest
// (host checks, store, JSON-RPC). Each fetch has fresh invreq_metadata, so
// each `pay` is a new invoice.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { PROJECT_ROOT } from '../../host/paths.js';
import { spawnEmulator, type SpawnedEmulator } from '../../host/emulator/spawn.js';
import { startSimnet, type RunningSimnet } from '../../host/simnet/server.js';
import { clnNodeSecret } from '../../host/simnet/node-key.js';
import { SIMNET_LOG_FILE } from '../../host/simnet/log.js';
import { LightningRpcClient } from '../../host/node/client.js';
import type { BenchCase, BenchSuite } from '../types.js';

const BAUD = 115200;
const HSM_SECRET = sha256(new TextEncoder().encode('lnsigner payer bench'));

let emulator: SpawnedEmulator | undefined;
let sim: RunningSimnet | undefined;
let ld: LightningRpcClient | undefined;
let lns: LightningRpcClient | undefined;
let dir: string | undefined;

interface Split { n: number; device: number; node: number; wait: number; other: number; total: number }

/** The plugin's timing line of each command (host/payer/fetch.ts, pay.ts). */
const LINE: Record<string, string> = { fetchinvoice: 'fetchinvoice: invoice for ', pay: ': complete: ' };

/** Sums (ms) of the plugin's timing lines for `what` (fetchinvoice / pay), from match `from` on. */
function split(what: string, from: number): Split {
  const lines = readFileSync(join(dir!, 'sim', SIMNET_LOG_FILE), 'utf8').split('\n').filter((l) => l.includes(LINE[what]) && l.includes('; ms: device')).slice(from);
  const s: Split = { n: 0, device: 0, node: 0, wait: 0, other: 0, total: 0 };
  for (const l of lines) {
    const m = /ms: device ([\d.]+) node ([\d.]+) wait ([\d.]+) other ([\d.]+) total ([\d.]+)/.exec(l);
    if (!m) continue;
    s.n++;
    s.device += Number(m[1]);
    s.node += Number(m[2]);
    s.wait += Number(m[3]);
    s.other += Number(m[4]);
    s.total += Number(m[5]);
  }
  return s;
}
const us = (ms: number, n: number) => (n ? Math.round((ms / n) * 1000) : 0);

function splitExtra(what: string, state: { from: number; count: number; total: number }) {
  return {
    get commands() { return state.count; },
    get command_us() { return us(state.total, state.count); },
    get device_us() { const s = split(what, state.from); return us(s.device, s.n); },
    get lightningd_us() { const s = split(what, state.from); return us(s.node, s.n); },
    get wait_invoice_us() { const s = split(what, state.from); return us(s.wait, s.n); },
    get host_us() { const s = split(what, state.from); return us(s.other, s.n); },
  };
}

export const payerSuite: BenchSuite = {
  title: `payer side end to end: lnsigner fetchinvoice / pay → plugin → emulator (PTY, ${BAUD} baud) → simulated network → merchant`,
  async setup() {
    dir = mkdtempSync(join(tmpdir(), 'lns-bench-payer-'));
    const link = join(dir, 'tty');
    emulator = await spawnEmulator(['--state', join(dir, 'device'), '--link', link, '--network', 'regtest', '--baud', String(BAUD), '--hsm-secret', bytesToHex(HSM_SECRET), '--confirm', 'approve']);
    sim = await startSimnet(join(dir, 'sim'), { nodes: 5, seed: 'bench-payer', node0Secret: clnNodeSecret(HSM_SECRET) }, undefined, {
      paths: [join(PROJECT_ROOT, 'bin', 'lnsigner-plugin.js')],
      options: [['lnsigner-device', link], ['lnsigner-data-dir', join(dir, 'lns')]],
    });
    ld = new LightningRpcClient(sim.rpcFile, { timeoutMs: 120_000 });
    lns = new LightningRpcClient(((await ld.call('lnsigner-getinfo', {})) as { rpc_file: string }).rpc_file, { timeoutMs: 120_000 });
    const nodes = ((await ld.call('dev-simnet-nodes', {})) as { nodes: { id: string }[] }).nodes.map((n) => n.id);
    const offer = ((await ld.call('dev-simnet-offer', { node: nodes[3], amount_msat: 1000, description: 'bench', paths: 1 })) as { offer: string }).offer;
    const fetch = async () => ((await lns!.call('fetchinvoice', { offer, timeout: 60 })) as { invoice: string }).invoice;
    await lns.call('pay', { bolt11: await fetch() }); // warm-up: connections, JIT

    const f = { from: 0, count: 0, total: 0 };
    const fetchCase: BenchCase = {
      name: 'payer-fetchinvoice-e2e',
      impl: `rpc→plugin→device(${BAUD})→simnet`,
      fn: async () => {
        if (f.count === 0) f.from = split('fetchinvoice', 0).n;
        const t = performance.now();
        await fetch();
        f.total += performance.now() - t;
        f.count++;
      },
      extra: splitExtra('fetchinvoice', f),
    };
    const p = { from: 0, count: 0, total: 0 };
    const payCase: BenchCase = {
      name: 'payer-pay-e2e',
      impl: `rpc→plugin→device(${BAUD})→simnet`,
      fn: async () => {
        const invoice = await fetch(); // not timed: a new invoice each time
        if (p.count === 0) p.from = split('pay', 0).n;
        const t = performance.now();
        await lns!.call('pay', { bolt11: invoice });
        p.total += performance.now() - t;
        p.count++;
      },
      extra: splitExtra('pay', p),
    };
    return [fetchCase, payCase];
  },
  async teardown() {
    lns?.close();
    ld?.close();
    await sim?.close();
    await emulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
};
