// `lnsigner simnet --data-dir <dir> [--nodes N] [--seed S] [--blockheight H] [--mpp-timeout-ms MS]`
// Runs a simulated Lightning network (docs/host/simnet.md) and serves a
// lightningd-compatible JSON-RPC socket for its payer node at
// <dir>/lightning-rpc. Prints one JSON line {"rpc_file":…,"nodes":[{id,alias}…]}
// once the socket accepts connections; SIGTERM/SIGINT stop it cleanly. All
// network state is in memory.
import { startSimnet } from '../simnet/server.js';
import { MAX_NODES } from '../simnet/network.js';
import type { Subcommand } from './main.js';

const USAGE = `usage: lnsigner simnet --data-dir <dir> [--nodes N] [--seed S] [--blockheight H] [--mpp-timeout-ms MS]`;

class UsageError extends Error {}

export interface SimnetArgs {
  dataDir: string;
  nodes: number;
  seed: string;
  blockheight: number;
  mppTimeoutMs: number;
}

export function parseSimnetArgs(args: string[]): SimnetArgs {
  const o: Partial<SimnetArgs> = { nodes: 5, seed: 'lnsigner', blockheight: 1000, mppTimeoutMs: 60_000 };
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
      default: throw new UsageError(`unknown option ${a}`);
    }
  }
  if (!o.dataDir) throw new UsageError('--data-dir <dir> is required (the socket lives there)');
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
    sim = await startSimnet(a.dataDir, { nodes: a.nodes, seed: a.seed, blockheight: a.blockheight, mppTimeoutMs: a.mppTimeoutMs });
  } catch (e) {
    console.error(`lnsigner simnet: ${(e as Error).message}`);
    return 1;
  }
  process.stdout.write(`${JSON.stringify({ rpc_file: sim.rpcFile, nodes: sim.nodes })}\n`);
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
