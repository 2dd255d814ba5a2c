// `lnsigner device info|provision|wipe` as a user runs it: the real CLI
// process against an emulator process on a pseudo-terminal (real serialport
// binding). Provisioning from Core Lightning hsm_secret files of both formats
// (the CLN key vectors: the node id must be CLN's), with a passphrase from
// the environment, or generated on the device; every refusal says what
// happened and changes nothing; a daemon holding the port is named.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpawnedEmulator } from '../host/emulator/spawn.js';
import { LNSIGNER_BIN } from '../host/process/announced.js';
import { cli, removeTempDirs, startDaemon, startEmulator, tempDir, type Run } from './helpers/e2e.js';
import { keyCases } from './helpers/device-requests.js';

let emu: SpawnedEmulator;
let dir: string;
let link: string;
beforeAll(async () => {
  dir = tempDir('lns-devcli-');
  ({ emu, link } = await startEmulator(dir, false));
}, 60_000);
afterAll(async () => {
  await emu?.stop();
  removeTempDirs();
});

const device = (args: string[], env?: NodeJS.ProcessEnv) => cli(['device', ...args], env);
const out = (r: Run) => {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout} ${r.stderr}`);
  }
};
function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}
const legacy = keyCases.find((k) => k.file.length === 32)!;
const mnemonic = keyCases.find((k) => k.file.length > 32 && !k.passphrase && k.name.includes('lightning-2'))!;
const withPass = keyCases.find((k) => k.passphrase)!;

async function info() {
  const r = await device(['info', '--device', link]);
  expect(r.code).toBe(0);
  return out(r);
}
async function wipe() {
  const r = await device(['wipe', '--device', link]);
  expect([r.code, r.stderr]).toEqual([0, expect.stringContaining('wiped: the device holds no secret now')]);
  return out(r);
}

describe('lnsigner device', () => {
  it('info: get_info as JSON (unprovisioned)', async () => {
    expect(await info()).toMatchObject({ node_id: null, network: 'none', provisioned: false, firmware_version: expect.stringMatching(/^\d+\.\d+\.\d+$/),
      image_hash: expect.stringMatching(/^[0-9a-f]{64}$/), boot_count: expect.any(Number), active_slot: 'direct' });
  });

  it('provision from a 32-byte hsm_secret (default network bitcoin), refused once provisioned, then wipe', async () => {
    const f = file('legacy.hsm_secret', legacy.file);
    const r = await device(['provision', '--device', link, '--hsm-secret-file', f]);
    expect(r.code).toBe(0);
    expect(out(r)).toEqual({ node_id: legacy.nodeId, network: 'bitcoin', generated: false });
    expect(r.stderr).toContain('(32-byte hsm_secret)');
    expect(await info()).toMatchObject({ node_id: legacy.nodeId, network: 'bitcoin', provisioned: true });

    // Provisioned: refused, with the node id it holds; nothing changed.
    const again = await device(['provision', '--device', link, '--generate', '--network', 'regtest']);
    expect([again.code, again.stdout]).toEqual([1, '']);
    expect(again.stderr).toMatch(new RegExp(`already provisioned \\(node id ${legacy.nodeId}, bitcoin\\): nothing was changed`));
    expect(await info()).toMatchObject({ node_id: legacy.nodeId, network: 'bitcoin' });

    expect(await wipe()).toEqual({ wiped: true, node_id: legacy.nodeId });
    expect(await info()).toMatchObject({ node_id: null, provisioned: false });
    const none = await device(['wipe', '--device', link]);
    expect([none.code, none.stderr]).toEqual([1, expect.stringContaining('not provisioned (it holds no secret): nothing to wipe')]);
  });

  it('provision from a mnemonic-format hsm_secret (--network regtest): the node id of Core Lightning', async () => {
    const f = file('l2.hsm_secret', mnemonic.file);
    const r = await device(['provision', '--device', link, '--hsm-secret-file', f, '--network', 'regtest']);
    expect([r.code, out(r)]).toEqual([0, { node_id: mnemonic.nodeId, network: 'regtest', generated: false }]);
    expect(r.stderr).toContain('(mnemonic hsm_secret)');
    await wipe();
  });

  it('a mnemonic with a passphrase: from $LNSIGNER_HSM_PASSPHRASE; missing or wrong, refused and nothing changes', async () => {
    const f = file('pass.hsm_secret', withPass.file);
    // No terminal and no variable: refused before anything is sent.
    const noPass = await device(['provision', '--device', link, '--hsm-secret-file', f]);
    expect([noPass.code, noPass.stderr]).toEqual([1, expect.stringContaining('this hsm_secret has a passphrase: set LNSIGNER_HSM_PASSPHRASE')]);
    const wrong = await device(['provision', '--device', link, '--hsm-secret-file', f], { LNSIGNER_HSM_PASSPHRASE: 'test_passphrasf' });
    expect([wrong.code, wrong.stderr]).toEqual([1, expect.stringContaining('the device refused the hsm_secret: wrong passphrase')]);
    expect(await info()).toMatchObject({ provisioned: false });
    // A passphrase for a file made without one is refused by the host.
    const extra = await device(['provision', '--device', link, '--hsm-secret-file', file('l.hsm_secret', legacy.file)], { LNSIGNER_HSM_PASSPHRASE: 'x' });
    expect([extra.code, extra.stderr]).toEqual([1, expect.stringContaining('was made without a passphrase: nothing was sent')]);
    const ok = await device(['provision', '--device', link, '--hsm-secret-file', f, '--network', 'signet'], { LNSIGNER_HSM_PASSPHRASE: withPass.passphrase });
    expect([ok.code, out(ok)]).toEqual([0, { node_id: withPass.nodeId, network: 'signet', generated: false }]);
    expect(ok.stderr).toContain('(mnemonic hsm_secret with passphrase)');
    await wipe();
  });

  it('on a terminal, the passphrase is asked for without echo', async () => {
    const f = file('pass2.hsm_secret', withPass.file);
    // The CLI on a pseudo-terminal (python3's pty, as the emulator's relay uses): answer the prompt.
    const script = `
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out, sent, t = b'', False, time.time()
while time.time() - t < 30:
    try:
        d = os.read(fd, 4096)
    except OSError:
        break
    if not d:
        break
    out += d
    if b'passphrase of' in out and not sent:
        os.write(fd, b'${withPass.passphrase}\\r')
        sent = True
sys.stdout.write(out.decode())
`;
    const text = await new Promise<string>((resolve) => {
      const p = spawn('python3', ['-c', script, process.execPath, LNSIGNER_BIN, 'device', 'provision', '--device', link, '--hsm-secret-file', f],
        { stdio: ['ignore', 'pipe', 'inherit'] });
      let o = '';
      p.stdout.on('data', (d) => (o += d));
      p.on('close', () => resolve(o));
    });
    expect(text).toContain(`passphrase of ${f}: `);
    expect(text).not.toContain(withPass.passphrase!);
    expect(text).toContain(`provisioned: node id ${withPass.nodeId}`);
    await wipe();
  });

  it('files that are not hsm_secrets are refused on the host with the reason', async () => {
    const enc = await device(['provision', '--device', link, '--hsm-secret-file', file('enc', new Uint8Array(73).fill(7))]);
    expect([enc.code, enc.stderr]).toEqual([1, expect.stringContaining('encrypted hsm_secret (73 bytes): decrypt it first with `lightning-hsmtool decrypt`')]);
    const short = await device(['provision', '--device', link, '--hsm-secret-file', file('short', new Uint8Array(31))]);
    expect([short.code, short.stderr]).toEqual([1, expect.stringContaining('31 bytes is neither a 32-byte hsm_secret nor a mnemonic-format one')]);
    const missing = await device(['provision', '--device', link, '--hsm-secret-file', join(dir, 'nope')]);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining('cannot read')]);
    // A bad mnemonic gets through the host's shape check; the firmware refuses it.
    const bad = new Uint8Array(mnemonic.file);
    bad[bad.length - 1] = 'a'.charCodeAt(0) === bad[bad.length - 1] ? 'b'.charCodeAt(0) : 'a'.charCodeAt(0);
    const badR = await device(['provision', '--device', link, '--hsm-secret-file', file('bad', bad)]);
    expect([badR.code, badR.stderr]).toEqual([1, expect.stringMatching(/the device refused the hsm_secret: (a mnemonic word is not in the BIP39 English list|the mnemonic's BIP39 checksum does not match)/)]);
    expect(await info()).toMatchObject({ provisioned: false });
  });

  it('--generate: the device draws its own secret', async () => {
    const r = await device(['provision', '--device', link, '--generate', '--network', 'testnet']);
    expect(r.code).toBe(0);
    const res = out(r);
    expect(res).toEqual({ node_id: expect.stringMatching(/^0[23][0-9a-f]{64}$/), network: 'testnet', generated: true });
    expect(r.stderr).toContain('there is no backup');
    expect(await info()).toMatchObject({ node_id: res.node_id, network: 'testnet', provisioned: true });
    await wipe();
  });

  it('usage errors exit 3 (lightning-cli ERROR_USAGE); no device at the path exits 2 (could not talk to it)', async () => {
    for (const args of [[], ['frob', '--device', link], ['info'], ['provision', '--device', link], ['info', '--device', link, '--generate'],
      ['provision', '--device', link, '--generate', '--hsm-secret-file', 'x'], ['provision', '--device', link, '--generate', '--network', 'mainnet']]) {
      const r = await device(args);
      expect([r.code, r.stderr]).toEqual([3, expect.stringContaining('usage: lnsigner device')]);
    }
    const r = await device(['info', '--device', join(dir, 'no-such-tty')]);
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining('no serial device at')]);
  });

  it('a running daemon holds the port: `device` says so and points at getpolicy/setpolicy', async () => {
    const d = await startDaemon(join(dir, 'daemon'), link);
    try {
      for (const args of [['info', '--device', link], ['wipe', '--device', link], ['provision', '--device', link, '--generate']]) {
        const r = await device(args);
        expect(r.code).toBe(2); // could not talk to it (lightning-cli ERROR_TALKING_TO_LIGHTNINGD)
        expect(r.stderr).toContain(`the device at ${link} is held by a running lnsigner daemon (or another program); stop it first, ` +
          'or use `lnsigner getpolicy`/`setpolicy` through the daemon');
      }
    } finally {
      expect(await d.stop()).toBe(0);
    }
    expect(await info()).toMatchObject({ provisioned: false });
  });
});
