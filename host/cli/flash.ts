// `lnsigner flash --device <path> <image> [--chunk <bytes>] [--no-reboot]`
// Checks the signed image locally, shows its hash, uploads it through the
// device's bootloader in acknowledged chunks (progress on stderr), commits,
// reboots the device and checks that it runs the new image
// (docs/firmware-images.md). Exit 0 on success, 1 when the device or the
// image is refused, 2 on bad arguments.
import { readFileSync } from 'node:fs';
import { DeviceClient } from '../device/client.js';
import { FlashError, flashImage } from '../flash/flasher.js';
import { ImageError, formatVersion, parseImage, toHex } from '../flash/image.js';
import { progressReporter } from '../flash/progress.js';
import { TransportError } from '../transport/errors.js';
import type { Subcommand } from './main.js';

const USAGE = 'usage: lnsigner flash --device <path> <image> [--chunk <bytes>] [--no-reboot]';

async function run(args: string[]): Promise<number> {
  let device: string | undefined;
  let chunk: number | undefined;
  let noReboot = false;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--help' || a === '-h') {
      console.log(USAGE);
      return 0;
    } else if (a === '--device') {
      device = args[++i];
    } else if (a === '--chunk') {
      chunk = Number(args[++i]);
      if (!Number.isInteger(chunk) || chunk < 1 || chunk > 8192) {
        console.error(`lnsigner flash: --chunk must be 1..8192\n${USAGE}`);
        return 2;
      }
    } else if (a === '--no-reboot') {
      noReboot = true;
    } else if (a.startsWith('--')) {
      console.error(`lnsigner flash: unknown option ${a}\n${USAGE}`);
      return 2;
    } else {
      rest.push(a);
    }
  }
  if (!device || rest.length !== 1) {
    console.error(`lnsigner flash: ${!device ? '--device <path> is required' : 'exactly one image file'}\n${USAGE}`);
    return 2;
  }
  const say = (m: string) => process.stderr.write(`${m}\n`);
  let img;
  try {
    img = parseImage(new Uint8Array(readFileSync(rest[0])));
  } catch (e) {
    say(`lnsigner flash: ${rest[0]}: ${e instanceof ImageError ? e.message : (e as Error).message}`);
    return 1;
  }
  say(`image ${rest[0]}: version ${formatVersion(img.version)}, ${img.wasm.length} bytes`);
  say(`image sha256 ${toHex(img.hash)}`);
  let client: DeviceClient | undefined;
  try {
    client = await DeviceClient.open(device);
    const r = await flashImage(client, img, {
      chunkSize: chunk, noReboot, onProgress: progressReporter(process.stderr),
      onConfirm: (i) => say(`confirm on the device: ${i.text ?? i.request} (check the version and hash it shows)`),
    });
    if (r.after) {
      say(`device now runs ${r.after.firmwareVersion} from slot ${r.after.activeSlot} (was ${r.before.firmwareVersion}, ` +
        `slot ${r.before.activeSlot}); image sha256 ${r.after.imageHash}`);
    } else {
      say(`committed to slot ${r.slot}; the device boots it (on trial) at its next reset`);
    }
    console.log(JSON.stringify({ ok: true, slot: r.slot, version: formatVersion(img.version), sha256: toHex(img.hash) }));
    return 0;
  } catch (e) {
    if (e instanceof FlashError || e instanceof TransportError) {
      say(`lnsigner flash: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    await client?.close();
  }
}

export const subcommand: Subcommand = { summary: 'upload a signed firmware image to a device', run };
