// `lnsigner demo [--data-dir <dir>] [--network <name>] [--once]` — the
// README's main job (`npm start`): an emulated signer on a pseudo-terminal, its
// flash in <data-dir>/device, provisioned with a secret it generates itself on
// first run, a simulated Lightning network (host/simnet, in this process, its
// lightningd-compatible socket in <data-dir>/simnet) and the daemon on
// <data-dir> with its SQLite store, paying through that network. Prints how
// to talk to it and runs until Ctrl-C; --once walks through a few commands —
// an offer, then a payment: the device builds the onion, the simulated node
// sends it, every hop peels it with its own key — and stops (what the
// end-to-end tests run).
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultDataDir } from '../daemon/data-dir.js';
import { isNetwork, NETWORKS, type Network } from '../daemon/network.js';
import { DeviceClient } from '../device-client/client.js';
import { spawnEmulator, type SpawnedEmulator } from '../emulator/spawn.js';
import { spawnAnnounced, type AnnouncedProcess, LNSIGNER_BIN } from '../process/announced.js';
import { runClient } from './client.js';
import { startSimnet, type RunningSimnet } from '../simnet/server.js';
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

/** Provisions the device with a secret it draws itself, unless it already holds one. */
async function ensureProvisioned(path: string, network: Network): Promise<string> {
  const dev = await DeviceClient.open(path, { onConfirm: () => console.error('confirm on the device ...') });
  try {
    const info = await dev.getInfo();
    if (info.provisioned && info.nodeId) return info.nodeId;
    const r = await dev.provision({ generate: true, network });
    return Buffer.from(r.nodeId).toString('hex');
  } finally {
    await dev.close();
  }
}

async function step(dataDir: string, args: string[]): Promise<number> {
  const shown = args.map((s) => (/[\s"{}\[\]]/.test(s) ? `'${s}'` : s)).join(' ');
  console.log(`\n$ lnsigner --data-dir ${dataDir} ${shown}`);
  return runClient(['--data-dir', dataDir, ...args]);
}

async function walkThrough(dataDir: string, sim: RunningSimnet): Promise<number> {
  const steps: string[][] = [
    ['getinfo'],
    ['offer', '1000sat', 'A coffee, signed for by lnsigner'],
    ['listoffers'],
  ];
  for (const s of steps) {
    const code = await step(dataDir, s);
    if (code !== 0) return code;
  }
  // A payment through the simulated network: carol (two hops away) issues an
  // invoice, her node finds a route, and lnsigner pays it with sendpay.
  const node = new LightningRpcClient(sim.rpcFile);
  try {
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
      const code = await step(dataDir, s);
      if (code !== 0) return code;
    }
  } finally {
    node.close();
  }
  return 0;
}

export const subcommand: Subcommand = {
  summary: 'run an emulated signer and the daemon on local defaults (npm start)',
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
    let daemon: AnnouncedProcess<{ rpc_file: string }> | undefined;
    let sim: RunningSimnet | undefined;
    const stopAll = async () => {
      await daemon?.stop();
      await sim?.close();
      await emulator?.stop();
    };
    try {
      console.error(`starting the emulated signer (flash in ${join(o.dataDir, 'device')}) ...`);
      // The demo is unattended: its emulated board approves every prompt.
      emulator = await spawnEmulator(['--state', join(o.dataDir, 'device'), '--link', link, '--network', o.network, '--confirm', 'approve']);
      const nodeId = await ensureProvisioned(link, o.network);
      console.error(`signer ready on ${emulator.path}, node id ${nodeId}`);
      // A fresh simulated network each run (its state is in memory; a new seed
      // gives new invoices, so a second run pays again rather than finding the
      // first run's payment already complete).
      sim = await startSimnet(join(o.dataDir, 'simnet'), { nodes: 5, seed: `demo-${Date.now()}` });
      console.error(`simulated network: ${sim.nodes.map((n) => n.alias).join(', ')}; lightningd socket ${sim.rpcFile}`);
      daemon = await spawnAnnounced('daemon', ['--device', link, '--data-dir', o.dataDir, '--network', o.network, '--lightning-rpc', sim.rpcFile]);
      const cli = `node ${LNSIGNER_BIN} --data-dir ${o.dataDir}`;
      console.log(
        [
          `lnsigner is running (network ${o.network}).`,
          `  JSON-RPC socket: ${daemon.announced.rpc_file}`,
          `  log:             ${join(o.dataDir, 'lnsigner.log')}`,
          '',
          'Send it commands from another terminal, for example:',
          `  ${cli} getinfo`,
          `  ${cli} offer 1000sat "A coffee"`,
          `  ${cli} listoffers`,
          `  ${cli} decode <lno1...>`,
          `  ${cli} listsendpays`,
          `  node ${LNSIGNER_BIN} --rpc-file ${sim.rpcFile} ...  (the simulated node: getroute, dev-simnet-invoice)`,
        ].join('\n'),
      );
      if (o.once) {
        const code = await walkThrough(o.dataDir, sim);
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
        console.log('\nCtrl-C stops the daemon and the signer.');
        void daemon!.exited.then((c) => {
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
