// `lnsigner demo [--data-dir <dir>] [--network <name>] [--once]` — the
// README's main job (`npm start`): an emulated signer on a pseudo-terminal, its
// flash in <data-dir>/device, provisioned with a secret it generates itself on
// first run, and the daemon on <data-dir> with its SQLite store. Prints how to
// talk to it and runs until Ctrl-C; --once walks through a few commands and
// stops (what the end-to-end test runs).
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultDataDir } from '../daemon/data-dir.js';
import { isNetwork, NETWORKS, type Network } from '../daemon/network.js';
import { DeviceClient } from '../device/client.js';
import { spawnEmulator, type SpawnedEmulator } from '../emulator/spawn.js';
import { spawnAnnounced, type AnnouncedProcess, LNSIGNER_BIN } from '../process/announced.js';
import { runClient } from './client.js';
import type { Subcommand } from './main.js';

const USAGE = 'usage: lnsigner demo [--data-dir <dir>] [--network bitcoin|testnet|signet|regtest] [--once]';

interface DemoOptions {
  dataDir: string;
  network: Network;
  once: boolean;
}

function parseArgs(args: string[]): DemoOptions {
  const o: DemoOptions = { dataDir: defaultDataDir(), network: 'regtest', once: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--once') o.once = true;
    else if (a === '--data-dir' && args[i + 1]) o.dataDir = resolve(args[++i]);
    else if (a === '--network' && args[i + 1]) {
      const n = args[++i];
      if (!isNetwork(n)) throw new Error(`--network must be one of ${NETWORKS.join(', ')}`);
      o.network = n;
    } else throw new Error(`unknown or incomplete option '${a}'`);
  }
  return o;
}

/** Provisions the device with a secret it draws itself, unless it already holds one. */
async function ensureProvisioned(path: string, network: Network): Promise<string> {
  const dev = await DeviceClient.open(path);
  try {
    const info = await dev.getInfo();
    if (info.provisioned && info.nodeId) return info.nodeId;
    const r = await dev.provision({ generate: true, network });
    return Buffer.from(r.nodeId).toString('hex');
  } finally {
    await dev.close();
  }
}

async function walkThrough(dataDir: string): Promise<number> {
  const steps: string[][] = [
    ['getinfo'],
    ['offer', '1000sat', 'A coffee, signed for by lnsigner'],
    ['listoffers'],
  ];
  for (const step of steps) {
    console.log(`\n$ lnsigner --data-dir ${dataDir} ${step.map((s) => (/\s/.test(s) ? JSON.stringify(s) : s)).join(' ')}`);
    const code = await runClient(['--data-dir', dataDir, ...step]);
    if (code !== 0) return code;
  }
  return 0;
}

export const subcommand: Subcommand = {
  summary: 'run an emulated signer and the daemon on local defaults (npm start)',
  async run(args) {
    let o: DemoOptions;
    try {
      o = parseArgs(args);
    } catch (e) {
      console.error(`lnsigner demo: ${(e as Error).message}\n${USAGE}`);
      return 2;
    }
    mkdirSync(o.dataDir, { recursive: true });
    const link = join(o.dataDir, 'device.tty');
    let emulator: SpawnedEmulator | undefined;
    let daemon: AnnouncedProcess<{ rpc_file: string }> | undefined;
    const stopAll = async () => {
      await daemon?.stop();
      await emulator?.stop();
    };
    try {
      console.error(`starting the emulated signer (flash in ${join(o.dataDir, 'device')}) ...`);
      emulator = await spawnEmulator(['--state', join(o.dataDir, 'device'), '--link', link, '--network', o.network]);
      const nodeId = await ensureProvisioned(link, o.network);
      console.error(`signer ready on ${emulator.path}, node id ${nodeId}`);
      daemon = await spawnAnnounced('daemon', ['--device', link, '--data-dir', o.dataDir, '--network', o.network]);
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
        ].join('\n'),
      );
      if (o.once) {
        const code = await walkThrough(o.dataDir);
        await stopAll();
        return code;
      }
      console.log('\nCtrl-C stops the daemon and the signer.');
      return await new Promise<number>((done) => {
        const stop = () => void stopAll().then(() => done(0));
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        void daemon!.exited.then((c) => {
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
