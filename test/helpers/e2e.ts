// Shared by the test/e2e-*.test.ts files: the real CLI as a child process,
// an emulator provisioned from the CLN key vectors, and the daemon on it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnAnnounced, LNSIGNER_BIN, type AnnouncedProcess } from '../../host/process/announced.js';
import { spawnEmulator, type SpawnedEmulator } from '../../host/emulator/spawn.js';
import { vector } from './bytes.js';

export const keyVectors = vector('cln-key-derivation-vectors.json');
/** pyln-testing "lightning-2": the node of CLN's schema examples. */
export const L2 = keyVectors.key_cases.find((c: { node_id: string }) => c.node_id.startsWith('033845802d'));
export const L2_NODE_ID: string = L2.node_id;
export const L2_HSM_SECRET_HEX: string =
  L2.hsm_secret_file_hex ??
  '0'.repeat(64) + Buffer.from(L2.mnemonic, 'ascii').toString('hex');

export const RPC_EXAMPLES = vector('cln-rpc-examples.json') as Array<{ request: { id: string; params: any }; response: any }>;
export const example = (id: string) => RPC_EXAMPLES.find((e) => e.request.id === id)!;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
export function cli(args: string[], env?: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [LNSIGNER_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: env && { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
export const json = (r: Run) => {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout} ${r.stderr}`);
  }
};

const dirs: string[] = [];
export function tempDir(prefix = 'lns-e2e-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** An emulator on a PTY reachable through `<dir>/tty`; provisioned with lightning-2 unless `provisioned` is false. */
export async function startEmulator(dir: string, provisioned = true, hsmSecretHex = L2_HSM_SECRET_HEX): Promise<{ emu: SpawnedEmulator; link: string }> {
  const link = join(dir, 'tty');
  const args = ['--state', join(dir, 'device'), '--link', link, '--network', 'regtest', '--confirm', 'approve'];
  if (provisioned) args.push('--hsm-secret', hsmSecretHex);
  return { emu: await spawnEmulator(args), link };
}

/** `lnsigner daemon` on the device link. */
export function startDaemon(dataDir: string, link: string, extra: string[] = []): Promise<AnnouncedProcess<{ rpc_file: string }>> {
  return spawnAnnounced('daemon', ['--device', link, '--data-dir', dataDir, '--network', 'regtest', ...extra]);
}
