// End to end through the real command line: `node bin/lnsigner.js ...` (the
// compiled CLI) -> unix socket -> daemon -> SQLite. The daemon runs as its own
// process: either `lnsigner daemon` itself (no device yet), or the same
// startDaemon() with a device test double standing in for the serial client of
// host/device-client/ (it only reports the CLN examples' node id; offers need no
// signature).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../host/paths.js';
import { Store } from '../host/store/index.js';

const BIN = join(PROJECT_ROOT, 'bin/lnsigner.js');
const BUILT = join(PROJECT_ROOT, 'build/js/host');
const EXAMPLE_NODE_ID = '033845802d25b4e074ccfd7cd8b339a41dc75bf9978a034800444b51d42b07799a';
const EXAMPLES = JSON.parse(readFileSync(join(__dirname, 'vectors/cln-rpc-examples.json'), 'utf8')) as Array<{
  request: { id: string; params: unknown };
  response: unknown;
}>;
const example = (id: string) => EXAMPLES.find((e) => e.request.id === id)!;

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'lns-cli-'));
  dirs.push(d);
  return d;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
function cli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A daemon process; resolves once it printed its {"rpc_file": ...} line. */
function startDaemonProcess(dataDir: string, withDevice: boolean): Promise<{ child: ChildProcess; rpcFile: string; exited: Promise<number | null> }> {
  const args = withDevice
    ? [
        '--input-type=module',
        '-e',
        `
        import { startDaemon } from ${JSON.stringify(join(BUILT, 'daemon/daemon.js'))};
        const nodeId = Uint8Array.from(Buffer.from(${JSON.stringify(EXAMPLE_NODE_ID)}, 'hex'));
        const device = { getInfo: async () => ({ nodeId, firmwareVersion: 'test-double', imageHash: '00'.repeat(32) }),
                         signBolt12: async () => { throw new Error('test double'); }, close: async () => {} };
        const d = await startDaemon({ dataDir: ${JSON.stringify(dataDir)}, network: 'regtest', device: 'test-double' },
                                    { connectDevice: async () => device });
        process.stdout.write(JSON.stringify({ rpc_file: d.rpcFile }) + '\\n');
        process.once('SIGTERM', () => d.stop().then(() => process.exit(0)));`,
      ]
    : [BIN, 'daemon', '--data-dir', dataDir, '--network', 'regtest'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ child, rpcFile: JSON.parse(out.slice(0, nl)).rpc_file, exited });
    });
    child.on('exit', (code) => reject(new Error(`daemon exited (${code}) before listening: ${err}`)));
  });
}

const json = (r: Run) => JSON.parse(r.stdout);

describe('lnsigner CLI against a running daemon', () => {
  it('needs the compiled CLI (npm run build)', () => {
    expect(existsSync(join(BUILT, 'cli/main.js'))).toBe(true);
  });

  it('commands, positional and -k parameters, errors as JSON with exit code 1', async () => {
    const dir = tempDir();
    const d = await startDaemonProcess(dir, true);
    expect(d.rpcFile).toBe(join(dir, 'lnsigner-rpc'));

    // Positional, in the documented order.
    const o1 = await cli(['--data-dir', dir, 'offer', '10000msat', 'Fish sale!']);
    expect(o1.code).toBe(0);
    expect(json(o1)).toEqual(example('example:offer#1').response);
    // lightning-cli prints with three-space indentation.
    expect(o1.stdout.startsWith('{\n   "offer_id": "c5cde029')).toBe(true);
    // -k key=value; a JSON-looking value (10) is sent as JSON.
    const o2 = await cli(['--data-dir', dir, '-k', 'offer', 'amount=1000sat', 'description=Coffee', 'quantity_max=10']);
    expect(json(o2)).toEqual(example('example:offer#2').response);
    // key=value is detected without -k, as lightning-cli does.
    const o3 = await cli(['--data-dir', dir, 'offer', 'amount=2000sat', 'description=Offer to Disable']);
    expect(json(o3)).toMatchObject({ offer_id: 'f26c3b52dc94122dbbff0051ea6bf9a3f99cf127781ea6fc8923ef8428b5fe99', created: true });

    const l = await cli(['--data-dir', dir, 'listoffers', '-k', 'active_only=true']);
    expect(json(l)).toEqual(example('example:listoffers#1').response);
    const dis = await cli(['--data-dir', dir, 'disableoffer', 'f26c3b52dc94122dbbff0051ea6bf9a3f99cf127781ea6fc8923ef8428b5fe99']);
    expect(json(dis)).toEqual(example('example:disableoffer#1').response);

    // JSON-RPC errors: printed as JSON on stdout, exit code 1.
    const again = await cli(['--data-dir', dir, 'disableoffer', 'f26c3b52dc94122dbbff0051ea6bf9a3f99cf127781ea6fc8923ef8428b5fe99']);
    expect(again.code).toBe(1);
    expect(json(again)).toEqual({ code: 1001, message: 'offer is not active' });
    const dup = await cli(['--data-dir', dir, 'offer', '2000sat', 'Offer to Disable']);
    expect([dup.code, json(dup)]).toEqual([1, { code: 1000, message: "Already exists, but isn't active" }]);
    const en = await cli(['--data-dir', dir, 'enableoffer', 'offer_id=f26c3b52dc94122dbbff0051ea6bf9a3f99cf127781ea6fc8923ef8428b5fe99']);
    expect(json(en)).toEqual(example('example:enableoffer#1').response);
    const en2 = await cli(['--data-dir', dir, 'enableoffer', 'f26c3b52dc94122dbbff0051ea6bf9a3f99cf127781ea6fc8923ef8428b5fe99']);
    expect([en2.code, json(en2)]).toEqual([1, { code: 1006, message: 'offer already active' }]);
    const unknown = await cli(['--data-dir', dir, 'disableinvoicerequest', 'ab'.repeat(32)]);
    expect([unknown.code, json(unknown)]).toEqual([1, { code: -1, message: 'Unknown invoice_request' }]);
    const badParam = await cli(['--data-dir', dir, 'offer', '10 USD', 'x']);
    expect([badParam.code, json(badParam)]).toEqual([1, { code: -32602, message: 'amount: Not a valid number: invalid token (see logs for details)' }]);
    const tooMany = await cli(['--data-dir', dir, 'listoffers', 'null', 'false', 'c']);
    expect(json(tooMany)).toEqual({ code: -32602, message: 'too many parameters: got 3, expected 2' });
    const nope = await cli(['--data-dir', dir, 'nosuchcommand']);
    expect([nope.code, json(nope)]).toEqual([1, { code: -32601, message: "Unknown command 'nosuchcommand'" }]);
    // A paywindow starts with '-': still a parameter, not an option.
    const rec = await cli(['--data-dir', dir, 'offer', '1sat', 'weekly', null, null, null, null, '1week', '@1700000000', '-3600+3600'].map((x) => x ?? 'null'));
    expect(json(rec)).toMatchObject({ created: true });
    const usage = await cli(['--data-dir', dir, '-k', 'listoffers', 'active_only']);
    expect(usage.code).toBe(3);
    expect(usage.stderr).toMatch(/Expected key=value in 'active_only'/);

    const info = json(await cli(['--data-dir', dir, 'getinfo']));
    expect(info).toMatchObject({ id: EXAMPLE_NODE_ID, network: 'regtest', num_offers: 4, num_active_offers: 4 });

    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    // Clean shutdown removes the socket and the lock.
    expect(existsSync(join(dir, 'lnsigner-rpc'))).toBe(false);
    expect(existsSync(join(dir, 'lnsigner.pid'))).toBe(false);
  });

  it('many concurrent clients creating offers: no duplicates, nothing lost', async () => {
    const dir = tempDir();
    const d = await startDaemonProcess(dir, true);
    const N = 24;
    // Every offer twice, all at once: 24 distinct offers, 48 requests.
    const runs = await Promise.all(
      [...Array(2 * N).keys()].map((i) => cli(['--data-dir', dir, 'offer', `${(i % N) + 1}sat`, `item ${i % N}`])),
    );
    expect(runs.every((r) => r.code === 0)).toBe(true);
    const results = runs.map(json);
    const ids = new Set(results.map((r) => r.offer_id));
    expect(ids.size).toBe(N);
    // For each offer exactly one request created it.
    for (const id of ids) expect(results.filter((r) => r.offer_id === id && r.created).length).toBe(1);
    const listed = json(await cli(['--data-dir', dir, 'listoffers'])).offers;
    expect(new Set(listed.map((o: { offer_id: string }) => o.offer_id))).toEqual(ids);
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
  });

  it('daemon killed (SIGKILL) under load, restarted: every answered offer is there, the store is intact', async () => {
    const dir = tempDir();
    let d = await startDaemonProcess(dir, true);
    const answered: string[] = [];
    let stop = false;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const r = await cli(['--data-dir', dir, 'offer', `${w * 100000 + i + 1}msat`, `w${w} n${i}`]);
        if (r.code === 0) answered.push(json(r).offer_id);
        else break; // the daemon is gone
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(worker));
    while (answered.length < 20) await new Promise((r) => setTimeout(r, 20));
    d.child.kill('SIGKILL');
    stop = true;
    await load;
    await d.exited;
    // The lock and the socket are left behind; a new daemon takes them over.
    expect(existsSync(join(dir, 'lnsigner.pid'))).toBe(true);
    d = await startDaemonProcess(dir, true);
    const listed = new Set(json(await cli(['--data-dir', dir, 'listoffers'])).offers.map((o: { offer_id: string }) => o.offer_id));
    for (const id of answered) expect(listed.has(id)).toBe(true);
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    const store = Store.open(join(dir, 'lnsigner.sqlite3'));
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(store.offers.counts().total).toBe(listed.size);
    store.close();
  });
});

describe('lnsigner daemon process', () => {
  it('prints one rpc_file line, refuses a second daemon on the same data dir, stops on SIGINT', async () => {
    const dir = tempDir();
    const d = await startDaemonProcess(dir, false);
    expect(readFileSync(join(dir, 'lnsigner.pid'), 'utf8').trim()).toBe(String(d.child.pid));
    const second = await cli(['daemon', '--data-dir', dir, '--network', 'regtest']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`another lnsigner daemon \\(pid ${d.child.pid}\\) owns this data directory`));
    // Without a device, device commands fail clearly and store commands work.
    const info = await cli(['--data-dir', dir, 'getinfo']);
    expect(json(info)).toMatchObject({ network: 'regtest', warning_no_device: 'No signing device connected', num_offers: 0 });
    const off = await cli(['--data-dir', dir, 'offer', '1sat', 'x']);
    expect(json(off)).toEqual({ code: -1, message: 'No signing device connected: the offer needs its node id' });
    d.child.kill('SIGINT');
    expect(await d.exited).toBe(0);
    const log = readFileSync(join(dir, 'lnsigner.log'), 'utf8');
    expect(log).toMatch(/JSON-RPC listening on/);
    expect(log).toMatch(/received SIGINT/);
  });

  it('a store made for one network is not reopened for another', async () => {
    const dir = tempDir();
    const d = await startDaemonProcess(dir, false);
    d.child.kill('SIGTERM');
    await d.exited;
    const r = await cli(['daemon', '--data-dir', dir, '--network', 'bitcoin']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/this store belongs to network 'regtest', not 'bitcoin'/);
  });

  it('bad options are usage errors', async () => {
    const r = await cli(['daemon', '--network', 'moon']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/--network must be one of bitcoin, testnet, signet, regtest/);
  });

  it('the client says clearly when no daemon is running', async () => {
    const dir = tempDir();
    const r = await cli(['--data-dir', dir, 'listoffers']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no lnsigner daemon is running there/);
    // A stale lock file from a dead process does not stop a new daemon.
    writeFileSync(join(dir, 'lnsigner.pid'), '999999999\n');
    const d = await startDaemonProcess(dir, false);
    expect(json(await cli(['--data-dir', dir, 'listoffers']))).toEqual({ offers: [] });
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
  });
});
