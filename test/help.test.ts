// Help without a daemon: `lnsigner help`, `help <command>`, `<command> --help`
// and `--version`, generated from the table the daemon serves; the simulated
// network's `help` method.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from '../host/commands/index.js';
import { METHOD_DOCS } from '../host/commands/docs.js';
import { parseParams } from '../host/rpc/params.js';
import { parseJson } from '../host/rpc/json-scan.js';
import { RpcError } from '../host/rpc/errors.js';
import { startSimnet, SIMNET_METHODS, type RunningSimnet } from '../host/simnet/server.js';
import { LightningRpcClient } from '../host/node/client.js';

const BIN = fileURLToPath(new URL('../bin/lnsigner.js', import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000 });

/** The parameter names a method's help lists, in order. */
function listedParams(help: string): string[] {
  const lines = help.split('\n');
  const at = lines.findIndex((l) => l.startsWith('parameters'));
  if (lines[at] === 'parameters: none') return [];
  const out: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (!l.startsWith('  ')) break;
    out.push(l.trim().split(/\s+/)[0]);
  }
  return out;
}

/** Whether the daemon's parameter parser knows `name` for this method (unknown names are refused first). */
function accepts(table: Record<string, unknown>, name: string): boolean {
  try {
    parseParams(table as never, parseJson(`{${JSON.stringify(name)}: {"x": []}}`));
  } catch (e) {
    if (e instanceof RpcError && /^unknown parameter/.test(e.message)) return false;
  }
  return true;
}

describe('lnsigner <method> --help', () => {
  it('every daemon method has docs for exactly the parameters of its table, in order', () => {
    for (const m of COMMANDS) {
      expect(METHOD_DOCS[m.name], m.name).toBeDefined();
      expect(Object.keys(METHOD_DOCS[m.name].params), m.name).toEqual(Object.keys(m.params));
    }
  });
  it('lists exactly the parameters the daemon accepts, without a daemon, exit 0', () => {
    for (const m of COMMANDS) {
      // `decode` is also a local command: `help decode` shows both.
      const r = m.name === 'decode' ? cli('help', 'decode') : cli(m.name, '--help');
      expect([r.status, r.stderr], m.name).toEqual([0, '']);
      const listed = listedParams(r.stdout);
      expect(listed, m.name).toEqual(Object.keys(m.params));
      for (const p of listed) expect(accepts(m.params, p), `${m.name} ${p}`).toBe(true);
      expect(accepts(m.params, 'no_such_parameter')).toBe(false);
      expect(r.stdout).toMatch(/^usage: lnsigner /);
      expect(r.stdout).toContain('errors (code: meaning):');
      expect(r.stdout).toContain('example:');
    }
  });
  it('offer --help gives order, types, defaults and the amount, recurrence and paywindow grammars', () => {
    const r = cli('offer', '--help');
    expect(r.stdout).toMatch(/^usage: lnsigner offer amount description \[issuer\]/);
    expect(r.stdout).toMatch(/single_use\s+bool\s+default false/);
    expect(r.stdout).toMatch(/amount\s+amount\s+required/);
    for (const g of ['offer amounts:', 'recurrence: <n><unit>', 'recurrence_paywindow: -<seconds before>+<seconds after>', 'msat amounts:']) {
      expect(r.stdout).toContain(g);
    }
    expect(r.stdout).toContain('1000: the same offer exists but is not active');
    // The client's own options before the method, and `help offer`, give the same.
    expect(cli('--data-dir', '/nonexistent', 'offer', '--help').stdout).toBe(r.stdout);
    expect(cli('help', 'offer').stdout).toBe(r.stdout);
  });
  it('help lists every command with one line; help <local command> gives its options', () => {
    const r = cli('help');
    expect(r.status).toBe(0);
    for (const m of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${m.name} +\\S`, 'm'));
    for (const c of ['daemon', 'decode', 'demo', 'device', 'emulator', 'firmware', 'flash', 'simnet']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${c} +\\S`, 'm'));
      const h = cli('help', c);
      expect([h.status, h.stdout], c).toEqual([0, expect.stringContaining(`usage: lnsigner ${c}`)]);
    }
    const bad = cli('help', 'frobnicate');
    expect([bad.status, bad.stderr]).toEqual([3, expect.stringContaining("no command 'frobnicate'")]);
    expect(cli().status).toBe(3);
  });
  it('--version prints the package, firmware and protocol versions', () => {
    const r = cli('--version');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^lnsigner 0\.1\.0\nfirmware 0\.1\.0 \(build\/firmware\.wasm sha256 [0-9a-f]{16}\.\.\.\)\nprotocol 1\n$/);
  });
});

describe('the simulated network answers help', () => {
  let dir: string;
  let sim: RunningSimnet;
  let rpc: LightningRpcClient;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lnsigner-help-'));
    sim = await startSimnet(dir, { nodes: 3, seed: 'help' });
    rpc = new LightningRpcClient(sim.rpcFile, { timeoutMs: 10_000 });
  });
  afterAll(async () => {
    rpc?.close();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  it('lists every method with one line, test ones included', async () => {
    const r = (await rpc.call('help')) as { help: { command: string; category: string; description: string }[] };
    const names = r.help.map((h) => h.command.split(' ')[0]);
    expect(names.sort()).toEqual([...SIMNET_METHODS.map((m) => m.name), 'help'].sort());
    expect(names).toContain('dev-simnet-invoice');
    for (const h of r.help) expect(h.description.length, h.command).toBeGreaterThan(0);
    expect(r.help.find((h) => h.command.startsWith('dev-simnet-invoice'))!.category).toBe('developer');
    const one = (await rpc.call('help', { command: 'getroute' })) as { help: { command: string }[] };
    expect(one.help[0].command).toMatch(/^getroute id amount_msat /);
  });
});
