// `lnsigner demo [--data-dir <dir>] [--network <name>] [--once]` — the
// README's main job (`npm start`): an emulated signer on a pseudo-terminal, its
// flash in <data-dir>/device, provisioned on first run from a fresh 32-byte
// hsm_secret kept in <data-dir>/hsm_secret (as lightningd keeps its own); a
// simulated Lightning network (host/simnet, in this process, its
// lightningd-compatible socket in <data-dir>/simnet) whose first node is the
// device's node (node 0's key derived from that hsm_secret as Core Lightning
// does: host/simnet/node-key.ts); and lnsigner on that node as a Core
// Lightning plugin (bin/lnsigner-plugin.js; its daemon on <data-dir> with its
// SQLite store). Prints how to talk to it and runs until Ctrl-C; --once walks
// the whole BOLT 12 loop — an offer from lnsigner, an invoice request from a
// simulated payer, the device-signed invoice, the payment, the invoice shown
// paid — then a sendpay (the device builds the onion, every hop peels it with
// its own key), and stops (what the end-to-end tests run).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { defaultDataDir } from '../daemon/data-dir.js';
import { isNetwork, NETWORKS, type Network } from '../daemon/network.js';
import { DeviceClient } from '../device-client/client.js';
import { spawnEmulator, type SpawnedEmulator } from '../emulator/spawn.js';
import { spawnAnnounced, type AnnouncedProcess, LNSIGNER_BIN } from '../process/announced.js';
import { PROJECT_ROOT } from '../paths.js';
import { runClient } from './client.js';
import { startSimnet, type RunningSimnet } from '../simnet/server.js';
import { clnNodeSecret } from '../simnet/node-key.js';
import { LightningRpcClient } from '../node/client.js';
import type { Subcommand } from './main.js';
import { flag, parseOrExit, str, usageFailure, UsageError, type CommandSpec, type OptionValues } from './options.js';

export const DEMO_SPEC: CommandSpec = {
  name: 'demo',
  summary: 'Run an emulated signer, a simulated network and the daemon on local defaults (what `npm start` runs).',
  options: {
    'data-dir': { type: 'string', value: '<dir>', default: '$LNSIGNER_DIR or ~/.lnsigner', description: 'device flash, store, sockets and log' },
    network: { type: 'string', value: NETWORKS.join('|'), default: 'regtest', description: 'the chain' },
    once: { type: 'boolean', description: 'walk through an offer and a payment, then stop' },
  },
  notes: ['Runs until Ctrl-C, which stops everything and exits 0.'],
};

interface DemoOptions {
  dataDir: string;
  network: Network;
  once: boolean;
}

function parseDemoArgs(v: OptionValues): DemoOptions {
  const network = str(v, 'network') ?? 'regtest';
  if (!isNetwork(network)) throw new UsageError(`--network must be one of ${NETWORKS.join(', ')}`);
  return { dataDir: resolve(str(v, 'data-dir') ?? defaultDataDir()), network, once: flag(v, 'once') };
}

/**
 * The device's node is the simulated network's first node, so the demo keeps
 * the hsm_secret (as lightningd keeps its own): drawn once into
 * <data-dir>/hsm_secret and given to the device. A device provisioned by an
 * older demo (a secret it drew itself) has no such file: then the simulated
 * node is not the device's node and the BOLT 12 loop is skipped.
 */
async function ensureProvisioned(path: string, network: Network, dataDir: string): Promise<{ nodeId: string; hsmSecret?: Uint8Array }> {
  const file = join(dataDir, 'hsm_secret');
  const dev = await DeviceClient.open(path, { onConfirm: () => console.error('confirm on the device ...') });
  try {
    const info = await dev.getInfo();
    const kept = existsSync(file) ? Uint8Array.from(readFileSync(file)) : undefined;
    const secret = kept?.length === 32 ? kept : undefined;
    if (info.provisioned && info.nodeId) return { nodeId: info.nodeId, hsmSecret: secret };
    const hsmSecret = secret ?? Uint8Array.from(randomBytes(32));
    writeFileSync(file, hsmSecret, { mode: 0o600 });
    const r = await dev.provision({ hsmSecret, network });
    return { nodeId: Buffer.from(r.nodeId).toString('hex'), hsmSecret };
  } finally {
    await dev.close();
  }
}

async function step(dataDir: string, args: string[]): Promise<number> {
  const shown = args.map((s) => (/[\s"{}\[\]]/.test(s) ? `'${s}'` : s)).join(' ');
  console.log(`\n$ lnsigner --data-dir ${dataDir} ${shown}`);
  return runClient(['--data-dir', dataDir, ...args]);
}

/** Shows a call to the simulated node as `$ lnsigner --rpc-file … -k method k=v…` and prints its JSON result. */
async function simCall(node: LightningRpcClient, rpcFile: string, method: string, params: Record<string, unknown>): Promise<any> {
  const shown = Object.entries(params).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  console.log(`\n$ lnsigner --rpc-file ${rpcFile} -k ${method} ${shown}`);
  const r = await node.call(method, params);
  console.log(JSON.stringify(r, null, 2));
  return r;
}

async function walkThrough(dataDir: string, sim: RunningSimnet, lnsRpc: string, bolt12Loop: boolean): Promise<number> {
  const node = new LightningRpcClient(sim.rpcFile, { timeoutMs: 60_000 });
  const lns = new LightningRpcClient(lnsRpc, { timeoutMs: 60_000 });
  try {
    let code = await step(dataDir, ['getinfo']);
    if (code !== 0) return code;
    // The offer made here (its bolt12 is what alice is given below).
    console.log(`\n$ lnsigner --data-dir ${dataDir} offer 1000sat 'A coffee, signed for by lnsigner'`);
    const offer = (await lns.call('offer', { amount: '1000sat', description: 'A coffee, signed for by lnsigner' })) as { bolt12: string };
    console.log(JSON.stringify(offer, null, 3));
    code = await step(dataDir, ['listoffers']);
    if (code !== 0) return code;
    if (bolt12Loop) {
      // The BOLT 12 loop: alice (a simulated node with its own payer code)
      // fetches an invoice for that offer through the simulated
      // network; the plugin on our node answers with an invoice only the
      // device could sign; alice pays it through its blinded path; the device
      // releases the preimage and lnsigner shows the invoice paid.
      console.error("\n# alice asks lnsigner's offer for an invoice (an invoice_request by onion message; the device signs the invoice)");
      const fetched = await simCall(node, sim.rpcFile, 'dev-simnet-fetchinvoice', { node: 'alice', offer: offer.bolt12, payer_note: 'one coffee please' });
      code = await step(dataDir, ['decode', fetched.invoice]);
      if (code !== 0) return code;
      console.error('\n# alice pays it through its blinded path; the plugin has the device release the preimage (htlc_accepted)');
      await simCall(node, sim.rpcFile, 'dev-simnet-pay', { node: 'alice', invoice: fetched.invoice });
      code = await step(dataDir, ['listinvoices']);
      if (code !== 0) return code;
    } else {
      console.error("\n# BOLT 12 loop skipped: it runs on regtest, with a device provisioned from <data-dir>/hsm_secret (a fresh --data-dir)");
    }
    // A payment through the simulated network: carol (two hops away) issues an
    // invoice, her node finds a route, and lnsigner pays it with sendpay.
    const inv = (await node.call('dev-simnet-invoice', { node: 'carol', amount_msat: 50_000, description: 'A coffee from carol' })) as {
      payment_hash: string; payment_secret: string; destination: string;
    };
    const route = await node.getroute({ id: inv.destination, amount_msat: 50_000n, riskfactor: 10, cltv: 18 });
    console.error(`\n# carol's invoice: payment_hash ${inv.payment_hash}; route of ${route.length} hops from the simulated node's getroute`);
    const routeJson = JSON.stringify(route.map((h) => ({ ...h, amount_msat: Number(h.amount_msat) })));
    for (const s of [
      ['sendpay', routeJson, inv.payment_hash, 'null', 'null', 'null', inv.payment_secret],
      ['waitsendpay', inv.payment_hash, '60'],
      ['listsendpays', 'null', inv.payment_hash],
    ]) {
      code = await step(dataDir, s);
      if (code !== 0) return code;
    }
  } finally {
    node.close();
    lns.close();
  }
  return 0;
}

export const subcommand: Subcommand = {
  summary: 'run an emulated signer, a simulated network and lnsigner as a plugin on local defaults (npm start)',
  spec: DEMO_SPEC,
  async run(args) {
    const p = parseOrExit(DEMO_SPEC, args);
    if (typeof p === 'number') return p;
    let o: DemoOptions;
    try {
      o = parseDemoArgs(p.values);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      return usageFailure(DEMO_SPEC, e.message);
    }
    mkdirSync(o.dataDir, { recursive: true });
    // The emulator's link and every socket stay inside the data directory, and
    // the daemon is given the link, never the bare /dev/pts/N: that number goes
    // to another program's terminal once this emulator is gone (issue 9).
    const link = join(o.dataDir, 'device.tty');
    let emulator: SpawnedEmulator | undefined;
    let sim: RunningSimnet | undefined;
    let daemon: AnnouncedProcess<{ rpc_file: string }> | undefined;
    const stopAll = async () => {
      await daemon?.stop();
      await sim?.close();
      await emulator?.stop();
    };
    try {
      console.error(`starting the emulated signer (flash in ${join(o.dataDir, 'device')}) ...`);
      // The demo is unattended: its emulated board approves every prompt.
      emulator = await spawnEmulator(['--state', join(o.dataDir, 'device'), '--link', link, '--network', o.network, '--confirm', 'approve']);
      const { nodeId, hsmSecret } = await ensureProvisioned(link, o.network, o.dataDir);
      console.error(`signer ready on ${emulator.path}, node id ${nodeId}`);
      // A fresh simulated network each run (its state is in memory; a new seed
      // gives new invoices, so a second run pays again rather than finding the
      // first run's payment already complete). Its first node is the device's
      // node, and lnsigner runs there as a Core Lightning plugin.
      // The simulated network is regtest (its chain, its payer): on another
      // network the daemon runs beside it on its own, without the BOLT 12 loop.
      const asPlugin = o.network === 'regtest';
      const plugin = join(PROJECT_ROOT, 'bin', 'lnsigner-plugin.js');
      sim = await startSimnet(
        join(o.dataDir, 'simnet'),
        { nodes: 5, seed: `demo-${Date.now()}`, node0Secret: asPlugin && hsmSecret ? clnNodeSecret(hsmSecret) : undefined },
        undefined,
        asPlugin ? { paths: [plugin], options: [['lnsigner-device', link], ['lnsigner-data-dir', o.dataDir], ['lnsigner-key-mode', 'device']] } : undefined,
      );
      let lnsRpc: string;
      if (asPlugin) {
        console.error(`simulated network: ${sim.nodes.map((n) => n.alias).join(', ')}; lightningd socket ${sim.rpcFile}; lnsigner runs on ${sim.nodes[0].alias} as a plugin`);
        const ld = new LightningRpcClient(sim.rpcFile);
        try {
          lnsRpc = ((await ld.call('lnsigner-getinfo', {})) as { rpc_file: string }).rpc_file;
        } catch (e) {
          throw new Error(`the lnsigner plugin is not running: ${(e as Error).message} (see ${join(o.dataDir, 'lnsigner.log')})`);
        } finally {
          ld.close();
        }
      } else {
        console.error(`simulated network (regtest): ${sim.nodes.map((n) => n.alias).join(', ')}; lightningd socket ${sim.rpcFile}; the daemon runs beside it (${o.network}: no BOLT 12 loop)`);
        daemon = await spawnAnnounced('daemon', ['--device', link, '--data-dir', o.dataDir, '--network', o.network, '--lightning-rpc', sim.rpcFile]);
        lnsRpc = daemon.announced.rpc_file;
      }
      const cli = `node ${LNSIGNER_BIN} --data-dir ${o.dataDir}`;
      console.log(
        [
          `lnsigner is running (network ${o.network}).`,
          `  JSON-RPC socket: ${lnsRpc}`,
          `  log:             ${join(o.dataDir, 'lnsigner.log')}`,
          '',
          'Send it commands from another terminal, for example:',
          `  ${cli} getinfo`,
          `  ${cli} offer 1000sat "A coffee"`,
          `  ${cli} listoffers`,
          `  ${cli} decode <lno1...>`,
          `  ${cli} listinvoices`,
          `  ${cli} listsendpays`,
          `  node ${LNSIGNER_BIN} --rpc-file ${sim.rpcFile} ...  (the simulated node: getroute, dev-simnet-invoice, dev-simnet-fetchinvoice, dev-simnet-pay)`,
        ].join('\n'),
      );
      if (o.once) {
        const code = await walkThrough(o.dataDir, sim, lnsRpc, asPlugin && hsmSecret !== undefined);
        await stopAll();
        return code;
      }
      return await new Promise<number>((done) => {
        // Ctrl-C is a normal stop: exit 0. The terminal sends SIGINT to the
        // daemon child too, which may exit before our handler runs; a daemon
        // that stops with 0 (its own clean SIGINT/SIGTERM stop) is not a failure.
        let stopping = false;
        const stop = () => {
          // A second Ctrl-C while stopping (or the same SIGINT reaching us
          // twice through the process group) must not fall back to Node's
          // default, which would kill us with the signal instead of exit 0.
          if (stopping) return;
          stopping = true;
          void stopAll().then(() => done(0));
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        // Said only once the handlers are in place: a Ctrl-C right after it is a clean stop.
        console.log('\nCtrl-C stops the simulated network, the plugin and the signer.');
        void daemon?.exited.then((c) => {
          if (stopping) return; // stop() is already on it
          if (c === 0) {
            stopping = true;
            void stopAll().then(() => done(0));
            return;
          }
          console.error(`the daemon stopped (code ${c}); see ${join(o.dataDir, 'lnsigner.log')}`);
          void stopAll().then(() => done(1));
        });
      });
    } catch (e) {
      console.error(`lnsigner demo: ${(e as Error).message}`);
      await stopAll();
      return 1;
    }
  },
};
