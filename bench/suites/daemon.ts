// End-to-end creation rate through the daemon, impl `cli→daemon→device`: a
// JSON-RPC client on the daemon's unix socket (one request at a time, the
// rate a single client sees), the daemon (startDaemon, in this process so its
// pieces can be timed), the serial client and the emulator over a real PTY
// (unthrottled), SQLite with synchronous=FULL.
//   offer-create-e2e          `offer` (a new offer each call; no device round
//                             trip: offers are unsigned, the node id is read at start-up)
//   invoicerequest-create-e2e `invoicerequest` (one sign_bolt12 round trip each)
// Extra fields: mean µs per request of the whole round trip, of the device
// round trips, of the SQLite commits, and the rest (socket, JSON-RPC parsing
// and encoding, TLV/bech32 encoding, host signature checks); and the cost of
// starting the CLI process once (`lnsigner getinfo`), which a shell user pays
// on top of every command.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from '../../host/daemon/daemon.js';
import { connectSerialDevice } from '../../host/daemon/serial-device.js';
import { spawnEmulator, type SpawnedEmulator } from '../../host/emulator/spawn.js';
import { LNSIGNER_BIN } from '../../host/process/announced.js';
import type { BenchCase, BenchSuite } from '../types.js';

// test/vectors/cln-key-derivation-vectors.json: pyln-testing "lightning-2" (a public test seed).
const HSM_SECRET_L2 = '0000000000000000000000000000000000000000000000000000000000000000686f636b657920656e726f6c6c2073757265207472697020747261636b20726573637565206f726967696e616c20706c6179206162616e646f6e206162616e646f6e206162616e646f6e2061636869657665';

class Timer {
  total = 0;
  count = 0;
  async time<T>(f: () => T | Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      this.total += performance.now() - t0;
      this.count++;
    }
  }
  timeSync<T>(f: () => T): T {
    const t0 = performance.now();
    try {
      return f();
    } finally {
      this.total += performance.now() - t0;
      this.count++;
    }
  }
}

/** One persistent JSON-RPC connection; responses end with "\n\n". */
class RpcClient {
  private buf = '';
  private waiting: ((s: string) => void) | undefined;
  private id = 0;
  private constructor(private readonly sock: Socket) {
    sock.setEncoding('utf8').on('data', (d: string) => {
      this.buf += d;
      const end = this.buf.indexOf('\n\n');
      if (end >= 0 && this.waiting) {
        const msg = this.buf.slice(0, end);
        this.buf = this.buf.slice(end + 2);
        const w = this.waiting;
        this.waiting = undefined;
        w(msg);
      }
    });
  }
  static open(path: string): Promise<RpcClient> {
    return new Promise((resolve, reject) => {
      const s = connect(path, () => resolve(new RpcClient(s)));
      s.once('error', reject);
    });
  }
  call(method: string, params: unknown): Promise<any> {
    return new Promise((resolve, reject) => {
      this.waiting = (text) => {
        const m = JSON.parse(text);
        if (m.error) reject(new Error(`${method}: ${JSON.stringify(m.error)}`));
        else resolve(m.result);
      };
      this.sock.write(JSON.stringify({ jsonrpc: '2.0', id: ++this.id, method, params }));
    });
  }
  close(): void {
    this.sock.destroy();
  }
}

let emulator: SpawnedEmulator | undefined;
let daemon: RunningDaemon | undefined;
let client: RpcClient | undefined;
let dir: string | undefined;

export const daemonSuite: BenchSuite = {
  title: 'Daemon end to end: JSON-RPC socket → daemon → emulator (PTY, unthrottled) → SQLite',
  async setup() {
    dir = mkdtempSync(join(tmpdir(), 'lns-bench-daemon-'));
    const link = join(dir, 'tty');
    emulator = await spawnEmulator(['--state', join(dir, 'device'), '--link', link, '--network', 'regtest', '--hsm-secret', HSM_SECRET_L2, '--confirm', 'approve']);
    const device = new Timer();
    const db = new Timer();
    daemon = await startDaemon(
      { dataDir: join(dir, 'data'), network: 'regtest', device: link, logLevel: 'warn' },
      {
        connectDevice: connectSerialDevice,
        onContext(ctx) {
          // Time the device round trips and the store's commits where the commands call them.
          const signer = ctx.device!.signer;
          const sign = signer.signBolt12.bind(signer);
          signer.signBolt12 = (r) => device.time(() => sign(r));
          const offers = ctx.store.offers;
          const createOrGet = offers.createOrGet.bind(offers);
          offers.createOrGet = (o) => db.timeSync(() => createOrGet(o));
          const reqs = ctx.store.invoiceRequests;
          const create = reqs.create.bind(reqs);
          reqs.create = (r) => db.timeSync(() => create(r));
        },
      },
    );
    client = await RpcClient.open(daemon.rpcFile);

    // CLI process start: one `lnsigner getinfo` (node start-up, module loading, connect), mean of 3.
    let cliMs = 0;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      // Asynchronous: the daemon answering it runs on this event loop.
      const code = await new Promise<number | null>((resolve) =>
        spawn(process.execPath, [LNSIGNER_BIN, '--data-dir', join(dir!, 'data'), 'getinfo'], { stdio: 'ignore' }).once('exit', resolve),
      );
      cliMs += performance.now() - t0;
      if (code !== 0) throw new Error(`lnsigner getinfo exited ${code}`);
    }
    const cliProcessMs = Math.round((cliMs / 3) * 10) / 10;

    const mk = (name: string, call: (i: number) => Promise<unknown>): BenchCase => {
      const total = new Timer();
      const d0 = { t: 0, n: 0 };
      const b0 = { t: 0, n: 0 };
      let n = 0;
      const us = (ms: number, count: number) => (count ? Math.round((ms / count) * 1000) : 0);
      return {
        name,
        impl: 'cli→daemon→device',
        fn: async () => {
          if (n === 0) Object.assign(d0, { t: device.total, n: device.count }), Object.assign(b0, { t: db.total, n: db.count });
          await total.time(() => call(n++));
        },
        extra: {
          get requests() { return total.count; },
          get request_us() { return us(total.total, total.count); },
          get device_us() { return us(device.total - d0.t, total.count); },
          get device_round_trips_per_request() { return total.count ? Math.round(((device.count - d0.n) / total.count) * 100) / 100 : 0; },
          get sqlite_commit_us() { return us(db.total - b0.t, total.count); },
          get rpc_and_encoding_us() { return us(total.total - (device.total - d0.t) - (db.total - b0.t), total.count); },
          cli_process_start_ms: cliProcessMs,
        },
      };
    };
    const run = `${process.pid}-${Date.now()}`;
    return [
      mk('offer-create-e2e', (i) => client!.call('offer', { amount: `${i + 1}msat`, description: `bench ${run} ${i}` })),
      mk('invoicerequest-create-e2e', (i) => client!.call('invoicerequest', { amount: `${i + 1}msat`, description: `bench ${run} ${i}` })),
    ];
  },
  async teardown() {
    client?.close();
    await daemon?.stop();
    await emulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
};
