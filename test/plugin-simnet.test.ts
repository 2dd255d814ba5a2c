// The real plugin process (bin/lnsigner-plugin.js) under the simulated
// lightningd (`lnsigner simnet --plugin`), with the emulator on a PTY as its
// device: manifest, init, options reaching the daemon, the daemon's own
// socket while run as a plugin, hook chaining with `before: ["offers"]`,
// plugin log lines in lightningd's log, passthrough methods, notifications,
// clean shutdown and a crashing plugin (cln-offers-flow-digest §1, §2, §7).
// test/fixtures/plugins/fixture-plugin.mjs is a second, independent plugin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../host/paths.js';
import { spawnAnnounced, type AnnouncedProcess } from '../host/process/announced.js';
import { LightningRpcClient, LightningRpcError } from '../host/node/client.js';
import { frameRequest, PluginMessageReader, type PluginMessage } from '../host/plugin/framing.js';
import { cli, json, L2_NODE_ID, removeTempDirs, startEmulator, tempDir } from './helpers/e2e.js';
import type { SpawnedEmulator } from '../host/emulator/spawn.js';

const PLUGIN = join(PROJECT_ROOT, 'bin', 'lnsigner-plugin.js');
const FIXTURE = join(PROJECT_ROOT, 'test', 'fixtures', 'plugins', 'fixture-plugin.mjs');
const LNS = 'lnsigner-plugin.js';
const FIX = 'fixture-plugin.mjs';

interface Announced { rpc_file: string; nodes: { id: string; alias: string }[]; plugins: { name: string; state: string; reason?: string }[] }
interface Outcome { result: Record<string, unknown>; calls: { plugin: string; result?: Record<string, unknown>; died?: boolean }[] }

const simnet = (dir: string, args: string[]) =>
  spawnAnnounced<Announced>('simnet', ['--data-dir', dir, '--nodes', '3', '--seed', 'plugin-test', ...args]);

async function until<T>(what: string, f: () => T | undefined | false | Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const logOf = (lnDir: string) => readFileSync(join(lnDir, 'simnet.log'), 'utf8');
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The plugin spawned directly, with this test as lightningd. */
function spawnPlugin(cwd: string) {
  const proc: ChildProcess = spawn(PLUGIN, [], { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LIGHTNINGD_PLUGIN: '1' } });
  const reader = new PluginMessageReader();
  const inbox: PluginMessage[] = [];
  let stdoutText = '';
  proc.stdout!.on('data', (c: Buffer) => {
    stdoutText += c.toString();
    inbox.push(...reader.push(c));
  });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  let n = 0;
  const call = async (method: string, params: unknown, split = false) => {
    const id = `"cln:${method}#${++n}"`;
    const text = frameRequest(method, params, id);
    if (split) {
      proc.stdin!.write(text.slice(0, 7));
      await new Promise((r) => setTimeout(r, 30));
      proc.stdin!.write(text.slice(7));
    } else proc.stdin!.write(text);
    return until(`reply to ${method} (stderr: ${stderr})`, () => inbox.find((m) => m.rawId === id), 20_000);
  };
  return { proc, call, exited, inbox, stdout: () => stdoutText, stderr: () => stderr };
}

afterAll(() => removeTempDirs());

describe('lnsigner-plugin.js spoken to directly', () => {
  it('a device that is not there: init answers {"disable": why}, as `lnsigner daemon` refuses to start', async () => {
    const dir = tempDir('lns-plg-');
    const p = spawnPlugin(dir);
    const init = await p.call('init', {
      options: { 'lnsigner-device': join(dir, 'no-tty'), 'lnsigner-key-mode': 'device' },
      configuration: { 'lightning-dir': dir, 'rpc-file': 'lightning-rpc', network: 'regtest', startup: true },
    });
    expect(init.result).toEqual({ disable: `could not start the lnsigner daemon: no serial device at ${join(dir, 'no-tty')} (is it plugged in, is the emulator running?)` });
    expect(await p.exited).toBe(0);
    expect(existsSync(join(dir, 'lnsigner', 'lnsigner.pid'))).toBe(false);
  });

  it('getmanifest (sent in two pieces): options, hooks before offers, not dynamic; an unsupported network disables it', async () => {
    const dir = tempDir('lns-plg-');
    const p = spawnPlugin(dir);
    const man = (await p.call('getmanifest', { 'allow-deprecated-apis': false }, true)).result as any;
    expect(man.options.map((o: { name: string }) => o.name)).toEqual(['lnsigner-device', 'lnsigner-data-dir', 'lnsigner-key-mode', 'lnsigner-currency-rates']);
    expect(man.options.find((o: { name: string }) => o.name === 'lnsigner-key-mode')).toMatchObject({ type: 'string', default: 'device' });
    expect(man.hooks).toEqual([
      { name: 'onion_message_recv', before: ['offers'] },
      { name: 'onion_message_recv_secret', before: ['offers'] },
      { name: 'htlc_accepted' },
    ]);
    expect(man.dynamic).toBe(false);
    expect(man.nonnumericids).toBe(true);
    expect(man.subscriptions).toEqual(expect.arrayContaining(['shutdown', 'block_added']));
    expect(man.rpcmethods).toEqual([expect.objectContaining({ name: 'lnsigner-getinfo', usage: '' })]);
    // getmanifest must not touch files (§1.4): nothing was created in the cwd.
    expect(existsSync(join(dir, 'lnsigner'))).toBe(false);
    const init = await p.call('init', { options: {}, configuration: { 'lightning-dir': dir, 'rpc-file': 'lightning-rpc', network: 'testnet4', startup: true } });
    expect(init.result).toEqual({ disable: expect.stringContaining('testnet4') });
    expect(await p.exited).toBe(0);
    // Every byte on stdout was protocol (§1.1): parse it all again strictly.
    const again = new PluginMessageReader().push(new TextEncoder().encode(p.stdout()));
    expect(again.length).toBe(p.inbox.length);
  });
});

describe('lnsigner simnet --plugin: the plugin on the first node', () => {
  let dir: string;
  let lnDir: string;
  let lnsDir: string;
  let emu: SpawnedEmulator;
  let link: string;
  let sim: AnnouncedProcess<Announced>;
  let rpc: LightningRpcClient;

  beforeAll(async () => {
    dir = tempDir('lns-plg-');
    lnDir = join(dir, 'ln');
    lnsDir = join(dir, 'lns');
    ({ emu, link } = await startEmulator(dir));
    sim = await simnet(lnDir, [
      '--plugin', PLUGIN, '--plugin-option', `lnsigner-device=${link}`, '--plugin-option', `lnsigner-data-dir=${lnsDir}`,
      '--plugin', FIXTURE, '--plugin-option', 'fixture-mode=consume',
    ]);
    rpc = new LightningRpcClient(sim.announced.rpc_file, { timeoutMs: 20_000 });
  });
  afterAll(async () => {
    rpc?.close();
    await sim?.kill();
    await emu?.stop();
  });

  it('spawned, given its manifest options and init: both plugins active, the daemon runs on the device link and data dir', async () => {
    expect(sim.announced.plugins).toEqual([
      { name: LNS, path: PLUGIN, state: 'active' },
      { name: FIX, path: FIXTURE, state: 'active' },
    ].map(({ name, state }) => expect.objectContaining({ name, state })));
    const log = logOf(lnDir);
    // Plugin log lines arrive in lightningd's log as plugin-<name> lines.
    expect(log).toMatch(new RegExp(`INFO +plugin-${LNS}: lnsigner daemon running: JSON-RPC at ${lnsDir}/lnsigner-rpc, network regtest, key mode device, device ${link}, lightning-rpc ${lnDir}/lightning-rpc`));
    expect(log).toMatch(new RegExp(`plugin-${LNS}: device connected: ${link} -> /dev/pts/`));
    // Its client to lightningd is on the node's own socket.
    expect(log).toContain(`plugin-${LNS}: lightningd node ${sim.announced.nodes[0].id} on regtest, blockheight 1000`);
    expect(log).toContain(`plugin-${FIX}: fixture init: mode consume, rpc-file lightning-rpc, network regtest`);
    expect(readFileSync(join(lnsDir, 'lnsigner.log'), 'utf8')).toContain(`data dir ${lnsDir}`);
    const { plugins } = (await rpc.call('dev-simnet-plugins')) as { plugins: { name: string; state: string }[] };
    expect(plugins.map((p) => [p.name, p.state])).toEqual([[LNS, 'active'], [FIX, 'active']]);
  });

  it('the daemon socket serves every lnsigner command while run as a plugin (getinfo, offer, listoffers)', async () => {
    const info = json(await cli(['--data-dir', lnsDir, 'getinfo']));
    expect(info).toMatchObject({ id: L2_NODE_ID, network: 'regtest' });
    const offer = json(await cli(['--data-dir', lnsDir, 'offer', '1000msat', 'plugin mode']));
    expect(offer.bolt12).toMatch(/^lno1/);
    expect(offer.created).toBe(true);
    const list = json(await cli(['--data-dir', lnsDir, 'listoffers']));
    expect(list.offers.map((o: { offer_id: string }) => o.offer_id)).toEqual([offer.offer_id]);
  });

  it("plugin methods are added to lightningd's socket and passed through (params verbatim, caller id in front)", async () => {
    const info = (await rpc.call('lnsigner-getinfo')) as Record<string, unknown>;
    expect(info).toMatchObject({ id: L2_NODE_ID, rpc_file: join(lnsDir, 'lnsigner-rpc'), key_mode: 'device', num_offers: 1 });
    const echo = (await rpc.call('fixture-echo', { a: [1, 'x'], big: 18446744073709551615n })) as { params: unknown; id: string; raw: string };
    expect(echo.params).toEqual({ a: [1, 'x'], big: expect.anything() });
    // The fixture parses with JSON.parse (the u64 loses precision there), but the bytes it received are the caller's.
    expect(echo.raw).toContain('"params":{"a":[1,"x"],"big":18446744073709551615}');
    expect(echo.id).toMatch(/^lnsigner:fixture-echo#\d+\/cln:fixture-echo#\d+$/);
    await expect(rpc.call('lnsigner-getinfo', { nope: 1 })).rejects.toMatchObject({ code: -32602 });
  });

  it('hooks chain in registration order honouring before/after; continue passes on, anything else stops', async () => {
    const hook = (h: string, payload: Record<string, unknown>, node = 'payer') =>
      rpc.call('dev-simnet-hook', { node, hook: h, payload }) as Promise<Outcome>;
    // Ours runs before the offers stand-in (loaded first) and continues: offers sees the message.
    const msg = { onion_message: { invoice_request: '00', unknown_fields: [] } };
    expect(await hook('onion_message_recv', msg)).toEqual({
      result: { result: 'continue' },
      calls: [{ plugin: LNS, result: { result: 'continue' } }, { plugin: 'offers', result: { result: 'continue' } }],
    });
    // The fixture registers onion_message_recv_secret before lnsigner-plugin.js and consumes it: nobody after it is asked.
    expect(await hook('onion_message_recv_secret', { onion_message: { pathsecret: '11'.repeat(32), unknown_fields: [] } })).toEqual({
      result: { result: 'consumed-by-fixture' },
      calls: [{ plugin: FIX, result: { result: 'consumed-by-fixture' } }],
    });
    expect((await hook('htlc_accepted', { onion: {}, htlc: {} })).calls).toEqual([
      { plugin: FIX, result: { result: 'continue' } },
      { plugin: LNS, result: { result: 'continue' } },
    ]);
    expect((await hook('invoice_payment', { payment: { label: 'l', preimage: '00'.repeat(32), msat: 1 } })).calls.map((c) => c.plugin)).toEqual(['offers']);
    // Plugins live on the first node only.
    expect(await hook('onion_message_recv', msg, 'alice')).toEqual({ result: { result: 'continue' }, calls: [] });
    await expect(hook('no_such_hook', {})).resolves.toEqual({ result: { result: 'continue' }, calls: [] });
  });

  it('notifications reach the subscribers', async () => {
    await rpc.call('dev-simnet-notify', { topic: 'block_added', payload: { hash: '00'.repeat(32), height: 4321 } });
    await until('the fixture to log the block', () => logOf(lnDir).includes(`plugin-${FIX}: fixture saw block 4321`));
  });

  it('clean shutdown: the shutdown notification, plugins exit, the daemon socket and lock are removed', async () => {
    const pid = Number(/lnsigner daemon starting, pid (\d+)/.exec(readFileSync(join(lnsDir, 'lnsigner.log'), 'utf8'))![1]);
    expect(alive(pid)).toBe(true);
    rpc.close();
    expect(await sim.stop()).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(lnsDir, 'lnsigner-rpc'))).toBe(false);
    expect(existsSync(join(lnsDir, 'lnsigner.pid'))).toBe(false);
    expect(existsSync(join(lnDir, 'lightning-rpc'))).toBe(false);
    const log = logOf(lnDir);
    expect(log).toContain(`plugin-${LNS}: shutting down: lightningd is shutting down`);
    expect(log).toContain(`plugin-${FIX}: fixture got shutdown`);
    expect(log).not.toMatch(/BROKEN|UNUSUAL/);
    expect(readFileSync(join(lnsDir, 'lnsigner.log'), 'utf8')).toMatch(/INFO shutting down\n/);
  });
});

describe('lnsigner simnet --plugin: failures', () => {
  it('a plugin that crashes in a hook is reported and skipped; the chain goes on', async () => {
    const dir = tempDir('lns-plg-');
    const lnDir = join(dir, 'ln');
    const sim = await simnet(lnDir, ['--plugin', PLUGIN, '--plugin', FIXTURE, '--plugin-option', 'fixture-mode=crash']);
    const rpc = new LightningRpcClient(sim.announced.rpc_file, { timeoutMs: 20_000 });
    try {
      // No --lnsigner-device: the daemon starts without one (commands needing it fail), in <lightning-dir>/lnsigner.
      expect(sim.announced.plugins.map((p) => p.state)).toEqual(['active', 'active']);
      expect(logOf(lnDir)).toContain(`lnsigner daemon running: JSON-RPC at ${lnDir}/lnsigner/lnsigner-rpc`);
      const out = (await rpc.call('dev-simnet-hook', { node: 'payer', hook: 'htlc_accepted', payload: { htlc: {}, onion: {} } })) as Outcome;
      expect(out).toEqual({ result: { result: 'continue' }, calls: [{ plugin: FIX, died: true }, { plugin: LNS, result: { result: 'continue' } }] });
      const { plugins } = (await rpc.call('dev-simnet-plugins')) as { plugins: Record<string, unknown>[] };
      expect(plugins[1]).toMatchObject({ name: FIX, state: 'dead', exit_code: 3, reason: 'exited during normal operation (exit code 3)' });
      expect(plugins[0]).toMatchObject({ name: LNS, state: 'active' });
      expect(logOf(lnDir)).toMatch(new RegExp(`BROKEN +plugin-${FIX}: exited during normal operation \\(exit code 3\\)`));
      // Its method left the socket with it.
      const e = await rpc.call('fixture-echo', {}).catch((x) => x);
      expect(e).toBeInstanceOf(LightningRpcError);
      expect(e.code).toBe(-32601);
      expect(((await rpc.call('dev-simnet-hook', { node: 'payer', hook: 'htlc_accepted', payload: {} })) as Outcome).calls.map((c) => c.plugin)).toEqual([LNS]);
    } finally {
      rpc.close();
      expect(await sim.stop()).toBe(0);
    }
    expect(existsSync(join(lnDir, 'lnsigner', 'lnsigner-rpc'))).toBe(false);
  });

  it('EOF on stdin (lightningd gone) stops the plugin cleanly', async () => {
    const dir = tempDir('lns-plg-');
    const sim = await simnet(join(dir, 'ln'), []);
    try {
      const p = spawnPlugin(dir);
      await p.call('getmanifest', {});
      const init = await p.call('init', {
        options: { 'lnsigner-data-dir': 'lns', 'lnsigner-key-mode': 'node' },
        configuration: { 'lightning-dir': join(dir, 'ln'), 'rpc-file': 'lightning-rpc', network: 'regtest', startup: true },
      });
      expect(init.result).toEqual({});
      const sock = join(dir, 'ln', 'lns', 'lnsigner-rpc');
      expect(existsSync(sock)).toBe(true);
      expect((await p.call('lnsigner-getinfo', {})).result).toMatchObject({ key_mode: 'node', rpc_file: sock });
      const logs = p.inbox.filter((m) => m.method === 'log').map((m) => (m.params as { message: string }).message);
      expect(logs).toEqual(expect.arrayContaining([expect.stringContaining('no --device given')]));
      p.proc.stdin!.end();
      expect(await p.exited).toBe(0);
      expect(existsSync(sock)).toBe(false);
    } finally {
      await sim.stop();
    }
  });

  it('a plugin that cannot run, and one that sends an invalid log level, are killed and reported; the node goes on', async () => {
    const dir = tempDir('lns-plg-');
    const lnDir = join(dir, 'ln');
    const notExecutable = join(PROJECT_ROOT, 'README.md');
    const sim = await simnet(lnDir, ['--plugin', FIXTURE, '--plugin-option', 'fixture-mode=badlog', '--plugin', notExecutable]);
    const rpc = new LightningRpcClient(sim.announced.rpc_file, { timeoutMs: 20_000 });
    try {
      expect(sim.announced.plugins[1]).toMatchObject({ name: 'README.md', state: 'dead', reason: expect.stringMatching(/^could not run: .*EACCES/) });
      const plugins = await until('the fixture to be killed', async () => {
        const r = (await rpc.call('dev-simnet-plugins')) as { plugins: Record<string, unknown>[] };
        return r.plugins[0].state === 'dead' && r.plugins[0].signal !== undefined && r.plugins;
      });
      expect(plugins[0]).toMatchObject({ name: FIX, reason: expect.stringContaining('Killing plugin: invalid log notification'), signal: 'SIGKILL' });
      expect(logOf(lnDir)).toMatch(/BROKEN +plugin-README.md: could not run/);
      expect((await rpc.getinfo()).id).toBe(sim.announced.nodes[0].id);
    } finally {
      rpc.close();
      expect(await sim.stop()).toBe(0);
    }
  });

  it('an option no plugin registered stops the start-up, as lightningd does', async () => {
    const dir = tempDir('lns-plg-');
    await expect(simnet(join(dir, 'ln'), ['--plugin', FIXTURE, '--plugin-option', 'nosuch=1'])).rejects.toThrow(/no plugin registered an option called nosuch/);
  });
});
