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

const USAGE = `usage: lnsigner simnet --data-dir <dir> [--nodes N] [--seed S] [--blockheight H] [--mpp-timeout-ms MS] [--node0-hsm-secret <hex>] [--plugin <path>]... [--plugin-option name[=value]]...`;

class UsageError extends Error {}

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
}

export function parseSimnetArgs(args: string[]): SimnetArgs {
  const o: Partial<SimnetArgs> & Pick<SimnetArgs, 'plugins' | 'pluginOptions'> =
    { nodes: 5, seed: 'lnsigner', blockheight: 1000, mppTimeoutMs: 60_000, plugins: [], pluginOptions: [] };
  const int = (flag: string, v: string, min: number, max: number) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`${flag} must be a whole number ${min}..${max}, not ${v}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--data-dir': o.dataDir = value(); break;
      case '--nodes': o.nodes = int(a, value(), 2, MAX_NODES); break;
      case '--seed': o.seed = value(); break;
      case '--blockheight': o.blockheight = int(a, value(), 100, 10_000_000); break;
      case '--mpp-timeout-ms': o.mppTimeoutMs = int(a, value(), 1, 3_600_000); break;
      case '--node0-hsm-secret': {
        const v = value();
        if (!/^[0-9a-fA-F]{64}$/.test(v)) throw new UsageError('--node0-hsm-secret must be 64 hex digits (a 32-byte hsm_secret)');
        o.node0Secret = clnNodeSecret(Uint8Array.from(Buffer.from(v, 'hex')));
        break;
      }
      case '--plugin': o.plugins.push(resolve(value())); break;
      case '--plugin-option': {
        const v = value();
        const eq = v.indexOf('=');
        const name = eq < 0 ? v : v.slice(0, eq);
        if (!name) throw new UsageError(`--plugin-option needs name[=value], not ${v}`);
        o.pluginOptions.push([name, eq < 0 ? undefined : v.slice(eq + 1)]);
        break;
      }
      default: throw new UsageError(`unknown option ${a}`);
    }
  }
  if (!o.dataDir) throw new UsageError('--data-dir <dir> is required (the socket lives there)');
  if (o.pluginOptions.length && !o.plugins.length) throw new UsageError('--plugin-option needs a --plugin');
  return o as SimnetArgs;
}

async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let a: SimnetArgs;
  try {
    a = parseSimnetArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`lnsigner simnet: ${e.message}\n${USAGE}`);
    return 2;
  }
  let sim;
  try {
    sim = await startSimnet(
      a.dataDir,
      { nodes: a.nodes, seed: a.seed, blockheight: a.blockheight, mppTimeoutMs: a.mppTimeoutMs, node0Secret: a.node0Secret },
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
  run,
};
