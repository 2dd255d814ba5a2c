// Invoice requests answered end to end (issue 11 item 9), impl
// `payer→simnet→plugin→device(115200)→reply`: a simulated payer's
// `dev-simnet-fetchinvoice` for a device-key offer made by lnsigner — the
// invoice_request built and signed by the payer, carried by onion messages
// along the offer's blinded path into node 0, handed to the lnsigner plugin
// process (`onion_message_recv_secret`), answered with the device's
// payment_hash and sign_invoice over the emulator's PTY (UART paced at 115200
// baud), re-checked and stored by the host, sent back along the reply path
// and checked by the payer. Node 0 is the device's node (`node0Secret` from
// the emulator's hsm_secret). Each request has fresh invreq_metadata, so each
// is a new invoice.
// Extra fields: mean µs per request of the whole round trip, and, from the
// plugin's per-request log line, of the device's payment_hash and
// sign_invoice (request + UART + firmware), of the host's checks and storing,
// of the reply (onion message build + injectonionmessage), and the rest
// (payer, onion messages through the simulated network, hook dispatch,
// JSON-RPC). The concurrent case runs 8 payers' requests at once (alice, bob,
// carol, dave, two each): its ops/s × 8 is requests answered per second.
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
const HSM_SECRET = sha256(new TextEncoder().encode('lnsigner merchant bench'));
const PARALLEL = 8;

let emulator: SpawnedEmulator | undefined;
let sim: RunningSimnet | undefined;
let ld: LightningRpcClient | undefined;
let dir: string | undefined;

/** Means (ms) of the plugin's per-request timing lines in the simnet log, from line `from` on. */
function pluginTimes(from: number): { n: number; paymentHash: number; signInvoice: number; host: number; reply: number } {
  const lines = readFileSync(join(dir!, 'sim', SIMNET_LOG_FILE), 'utf8').split('\n').filter((l) => l.includes('; ms: payment_hash')).slice(from);
  const sum = { n: lines.length, paymentHash: 0, signInvoice: 0, host: 0, reply: 0 };
  for (const l of lines) {
    const m = /payment_hash ([\d.]+) sign_invoice ([\d.]+) host ([\d.]+) reply ([\d.]+)/.exec(l);
    if (!m) continue;
    sum.paymentHash += Number(m[1]);
    sum.signInvoice += Number(m[2]);
    sum.host += Number(m[3]);
    sum.reply += Number(m[4]);
  }
  return sum;
}
const countTimes = () => pluginTimes(0).n;

export const merchantSuite: BenchSuite = {
  title: `invoice requests end to end: payer → simulated network → lnsigner plugin → emulator (PTY, ${BAUD} baud) → reply`,
  async setup() {
    dir = mkdtempSync(join(tmpdir(), 'lns-bench-merchant-'));
    const link = join(dir, 'tty');
    emulator = await spawnEmulator(['--state', join(dir, 'device'), '--link', link, '--network', 'regtest', '--baud', String(BAUD), '--hsm-secret', bytesToHex(HSM_SECRET), '--confirm', 'approve']);
    sim = await startSimnet(join(dir, 'sim'), { nodes: 5, seed: 'bench-merchant', node0Secret: clnNodeSecret(HSM_SECRET) }, undefined, {
      paths: [join(PROJECT_ROOT, 'bin', 'lnsigner-plugin.js')],
      options: [['lnsigner-device', link], ['lnsigner-data-dir', join(dir, 'lns')], ['lnsigner-key-mode', 'device']],
    });
    ld = new LightningRpcClient(sim.rpcFile, { timeoutMs: 120_000 });
    const lns = new LightningRpcClient(((await ld.call('lnsigner-getinfo', {})) as { rpc_file: string }).rpc_file);
    const offer = ((await lns.call('offer', { amount: '1000msat', description: 'bench' })) as { bolt12: string }).bolt12;
    lns.close();
    const fetch = (node: string) => ld!.call('dev-simnet-fetchinvoice', { node, offer, timeout: 60 }) as Promise<{ invoice: string }>;
    await fetch('alice'); // warm-up: first connections, JIT

    const seq = { total: 0, count: 0, logFrom: 0 };
    const us = (ms: number, n: number) => (n ? Math.round((ms / n) * 1000) : 0);
    const sequential: BenchCase = {
      name: 'merchant-fetchinvoice-e2e',
      impl: `payer→simnet→plugin→device(${BAUD})`,
      fn: async () => {
        if (seq.count === 0) seq.logFrom = countTimes();
        const t = performance.now();
        await fetch('alice');
        seq.total += performance.now() - t;
        seq.count++;
      },
      extra: {
        get requests() { return seq.count; },
        get request_to_invoice_us() { return us(seq.total, seq.count); },
        get device_payment_hash_us() { const p = pluginTimes(seq.logFrom); return us(p.paymentHash, p.n); },
        get device_sign_invoice_us() { const p = pluginTimes(seq.logFrom); return us(p.signInvoice, p.n); },
        get host_checks_store_us() { const p = pluginTimes(seq.logFrom); return us(p.host, p.n); },
        get reply_onion_message_us() { const p = pluginTimes(seq.logFrom); return us(p.reply, p.n); },
        get rest_payer_network_rpc_us() {
          const p = pluginTimes(seq.logFrom);
          return us(seq.total, seq.count) - us(p.paymentHash + p.signInvoice + p.host + p.reply, p.n);
        },
      },
    };
    const par = { batches: 0, total: 0 };
    const payers = ['alice', 'bob', 'carol', 'dave'];
    const concurrent: BenchCase = {
      name: `merchant-fetchinvoice-e2e-x${PARALLEL}`,
      impl: `${PARALLEL} payers at once→plugin→device(${BAUD})`,
      fn: async () => {
        const t = performance.now();
        await Promise.all(Array.from({ length: PARALLEL }, (_, i) => fetch(payers[i % payers.length])));
        par.total += performance.now() - t;
        par.batches++;
      },
      extra: {
        get requests() { return par.batches * PARALLEL; },
        get requests_per_s() { return par.total ? Math.round((par.batches * PARALLEL * 1000 * 10) / par.total) / 10 : 0; },
      },
    };
    return [sequential, concurrent];
  },
  async teardown() {
    ld?.close();
    await sim?.close();
    await emulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
};
