// The emulator CLI over its PTY with a DeviceClient on it (the real serialport
// binding), shared by the device-*-serial tests.
import { afterAll, beforeAll } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '../../host/emulator/spawn.js';
import { DeviceClient } from '../../host/device-client/client.js';
import { x } from './bytes.js';
import { tmp } from './device-requests.js';

/**
 * For the whole test file: an emulator on a fresh state directory, provisioned
 * at start by --hsm-secret (the firmware's own provision request), and a
 * DeviceClient on its PTY, handed to `use` in beforeAll; both closed in afterAll.
 */
export function serialDevice(hsmSecretFile: Uint8Array, use: (client: DeviceClient) => void, timeoutMs = 10000): void {
  let emu: SpawnedEmulator | undefined;
  let client: DeviceClient | undefined;
  beforeAll(async () => {
    emu = await spawnEmulator(['--state', tmp(), '--hsm-secret', x(hsmSecretFile)]);
    client = await DeviceClient.open(emu.path, { timeoutMs });
    use(client);
  });
  afterAll(async () => {
    await client?.close();
    await emu?.stop();
  });
}
