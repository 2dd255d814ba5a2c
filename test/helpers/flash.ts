// Shared by the flash-*.test.ts files: signed images of the built firmware
// (and of variants whose hash differs), a self-test-failing module, and an
// emulator with a stable --link and a control socket that tests restart.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import wabtInit from 'wabt';
import { FIRMWARE_WASM } from '../../host/paths.js';
import {
  DEV_RELEASE_KEY_PATH, generateReleaseKey, parseImage, parseVersion, readReleaseKey, signImage, type FirmwareImage,
} from '../../host/flash/image.js';
import { LNSIGNER_BIN, spawnEmulator, type SpawnedEmulator } from '../../host/emulator/spawn.js';
import { DeviceClient } from '../../host/device-client/client.js';

export const DEV_KEY = readReleaseKey(DEV_RELEASE_KEY_PATH);
export const OTHER_KEY = generateReleaseKey();
export const WASM = new Uint8Array(readFileSync(FIRMWARE_WASM));
export const tmp = (p = 'lnsigner-flash-') => mkdtempSync(join(tmpdir(), p));

/** The firmware with a custom section appended: same behaviour, different hash. */
export function variant(tag: string): Uint8Array<ArrayBuffer> {
  const name = new TextEncoder().encode('lnsigner-test');
  const data = new TextEncoder().encode(tag);
  const body = [name.length, ...name, ...data];
  if (body.length > 127) throw new Error('tag too long');
  return Uint8Array.from([...WASM, 0, body.length, ...body]);
}

export function image(wasm: Uint8Array, version: string, key = DEV_KEY, allowInvalidWasm = false): FirmwareImage {
  return parseImage(signImage(wasm, parseVersion(version), key, { allowInvalidWasm }));
}

/** A module with the board ABI's exports whose selftest() returns 7. */
export async function selftestFailingWasm(): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const m = wabt.parseWat('bad.wat', `(module
    (memory (export "memory") 1)
    (func (export "fw_boot"))
    (func (export "fw_boot_info_ptr") (result i32) i32.const 0)
    (func (export "serial_rx") (param i32))
    (func (export "serial_rx_ptr") (result i32) i32.const 1024)
    (func (export "serial_rx_cap") (result i32) i32.const 1024)
    (func (export "io_ptr") (result i32) i32.const 4096)
    (func (export "io_size") (result i32) i32.const 4096)
    (func (export "selftest") (result i32) i32.const 7))`);
  try {
    return new Uint8Array(m.toBinary({}).buffer);
  } finally {
    m.destroy();
  }
}

/** One emulated device: restartable on the same flash, link and control socket. */
export class Rig {
  readonly dir = tmp();
  readonly state = join(this.dir, 'state');
  readonly link = join(this.dir, 'tty');
  readonly controlPath = join(this.dir, 'ctl.sock');
  emu?: SpawnedEmulator;
  private clients: DeviceClient[] = [];

  /** Starts the emulator; its board approves every prompt unless `extra` has its own --confirm. */
  async start(env?: NodeJS.ProcessEnv, extra: string[] = []): Promise<SpawnedEmulator> {
    const confirm = extra.includes('--confirm') ? [] : ['--confirm', 'approve'];
    this.emu = await spawnEmulator(['--state', this.state, '--link', this.link, '--control', this.controlPath, ...confirm, ...extra], env);
    return this.emu;
  }

  /** The one client of this device (the port's lock is exclusive). */
  async connect(): Promise<DeviceClient> {
    if (this.clients.length) return this.clients[0];
    const c = await DeviceClient.open(this.link, { timeoutMs: 3000, reconnectMs: 3000 });
    this.clients.push(c);
    return c;
  }

  async closeClients(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((c) => c.close().catch(() => undefined)));
  }

  /** SIGKILL: power cut (flash files stay as they are). */
  async kill(): Promise<void> {
    await this.closeClients();
    await this.emu?.kill();
  }

  async stop(): Promise<void> {
    await this.closeClients();
    await this.emu?.stop();
  }
}

/** Runs the real CLI; resolves with its exit code and output. */
export async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [LNSIGNER_BIN, ...args], { encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}
