// `lnsigner simnet --data-dir <dir> [--nodes N] [--seed S] [--blockheight H] [--mpp-timeout-ms MS]
//  [--node0-hsm-secret <hex>] [--plugin <path>]... [--plugin-option name[=value]]...`
// Runs a simulated Lightning network (docs/host/simnet.md) and serves a
// lightningd-compatible JSON-RPC socket for its payer node at
// <dir>/lightning-rpc. Prints one JSON line {"rpc_file":…,"nodes":[{id,alias}…]}
// once the socket accepts connections; SIGTERM/SIGINT stop it cleanly. All
// network state is in memory. --plugin starts Core Lightning plugins on the
// first node as lightningd would (host/simnet/plugin-host.ts); the line then
// also lists them with their state.
import { resolve } from 'node:path';
import { startSimnet } from '../simnet/server.js';
import type { PluginOptionArg } from '../simnet/plugin-host.js';
import { MAX_NODES } from '../simnet/network.js';
import { clnNodeSecret } from '../simnet/node-key.js';
import type { Subcommand } from './main.js';
import { list, parseOptions, parseOrExit, str, usageFailure, UsageError, type CommandSpec } from './options.js';
import { cut } from '../rpc/cut.js';

export const SIMNET_SPEC: CommandSpec = {
  name: 'simnet',
  summary: 'Run a simulated Lightning network with a lightningd-compatible socket (<data-dir>/lightning-rpc) for its payer node (docs/host/simnet.md).',
  options: {
    'data-dir': { type: 'string', value: '<dir>', required: true, description: 'the socket lives there' },
    nodes: { type: 'string', value: '<N>', default: '5', description: `number of nodes, 2..${MAX_NODES}` },
    seed: { type: 'string', value: '<S>', default: 'lnsigner', description: 'keys, invoices and channels derive from it' },
    blockheight: { type: 'string', value: '<H>', default: '1000', description: 'chain height, 100..10000000' },
    'mpp-timeout-ms': { type: 'string', value: '<MS>', default: '60000', description: 'how long a payee holds partial payments' },
    'node0-hsm-secret': { type: 'string', value: '<hex>', description: "node 0's key from this 32-byte hsm_secret (CLN's derivation), so a device provisioned with it is node 0" },
    plugin: { type: 'string', value: '<path>', multiple: true, description: 'a Core Lightning plugin to start on the first node' },
    'plugin-option': { type: 'string', value: 'name[=value]', multiple: true, description: "an option for the plugins" },
  },
  notes: ["The socket answers `help` with every method it has, test (dev-simnet-*) ones included."],
};

export interface SimnetArgs {
  dataDir: string;
  nodes: number;
  seed: string;
  blockheight: number;
  mppTimeoutMs: number;
  plugins: string[];
  pluginOptions: PluginOptionArg[];
  /** Node 0's key, derived as Core Lightning does from this 32-byte hsm_secret. */
  node0Secret?: Uint8Array;
  /** That hsm_secret itself (node 0's makesecret is then Core Lightning's). */
  node0HsmSecret?: Uint8Array;
}

export function parseSimnetArgs(args: string[]): SimnetArgs {
  const v = parseOptions(SIMNET_SPEC, args).values;
  const int = (flag: string, d: number, min: number, max: number) => {
    const t = str(v, flag);
    if (t === undefined) return d;
    const n = Number(t);
    if (!/^\d+$/.test(t) || n < min || n > max) throw new UsageError(`--${flag} must be a whole number ${min}..${max}, not ${cut(t)}`);
    return n;
  };
  const pluginOptions: PluginOptionArg[] = list(v, 'plugin-option').map((o) => {
    const eq = o.indexOf('=');
    const name = eq < 0 ? o : o.slice(0, eq);
    if (!name) throw new UsageError(`--plugin-option needs name[=value], not ${cut(o)}`);
    return [name, eq < 0 ? undefined : o.slice(eq + 1)];
  });
  const plugins = list(v, 'plugin').map((p) => resolve(p));
  if (pluginOptions.length && !plugins.length) throw new UsageError('--plugin-option needs a --plugin');
  const node0 = str(v, 'node0-hsm-secret');
  if (node0 !== undefined && !/^[0-9a-fA-F]{64}$/.test(node0)) throw new UsageError('--node0-hsm-secret must be 64 hex digits (a 32-byte hsm_secret)');
  return {
    ...(node0 === undefined ? {} : { node0Secret: clnNodeSecret(Uint8Array.from(Buffer.from(node0, 'hex'))), node0HsmSecret: Uint8Array.from(Buffer.from(node0, 'hex')) }),
    dataDir: str(v, 'data-dir')!,
    nodes: int('nodes', 5, 2, MAX_NODES),
    seed: str(v, 'seed') ?? 'lnsigner',
    blockheight: int('blockheight', 1000, 100, 10_000_000),
    mppTimeoutMs: int('mpp-timeout-ms', 60_000, 1, 3_600_000),
    plugins,
    pluginOptions,
  };
}

async function run(args: string[]): Promise<number> {
  const p = parseOrExit(SIMNET_SPEC, args);
  if (typeof p === 'number') return p;
  let a: SimnetArgs;
  try {
    a = parseSimnetArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return usageFailure(SIMNET_SPEC, e.message);
  }
  let sim;
  try {
    sim = await startSimnet(
      a.dataDir,
      { nodes: a.nodes, seed: a.seed, blockheight: a.blockheight, mppTimeoutMs: a.mppTimeoutMs, node0Secret: a.node0Secret, node0HsmSecret: a.node0HsmSecret },
      undefined,
      { paths: a.plugins, options: a.pluginOptions },
    );
  } catch (e) {
    console.error(`lnsigner simnet: ${(e as Error).message}`);
    return 1;
  }
  const plugins = sim.plugins?.describe().map((p) => ({ name: p.name, path: p.path, state: p.state, reason: p.reason }));
  process.stdout.write(`${JSON.stringify({ rpc_file: sim.rpcFile, nodes: sim.nodes, plugins })}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await sim.close();
  return 0;
}

export const subcommand: Subcommand = {
  summary: 'run a simulated Lightning network with a lightningd-compatible socket for its payer node',
  spec: SIMNET_SPEC,
  run,
};
