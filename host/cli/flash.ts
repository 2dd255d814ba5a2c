// `lnsigner flash --device <path> <image> [--chunk <bytes>] [--no-reboot]`
// Checks the signed image locally, shows its hash, uploads it through the
// device's bootloader in acknowledged chunks (progress on stderr), commits,
// reboots the device and checks that it runs the new image
// (docs/firmware-images.md). A development image (signed with the development
// key, whose secret is public) gets a loud warning before anything is sent,
// and is refused outright for a device that reports a release build (which
// would refuse it too). Exit 0 on success, 1 when the device or the image is
// refused, 2 on bad arguments.
import { readFileSync } from 'node:fs';
import { DeviceClient } from '../device-client/client.js';
import { FlashError, flashImage } from '../flash/flasher.js';
import { ImageError, formatVersion, isDevelopmentImage, parseImage, toHex } from '../flash/image.js';
import { progressReporter } from '../flash/progress.js';
import { DeviceError, TransportError } from '../transport/errors.js';
import type { Subcommand } from './main.js';
import { EXIT_ERROR, EXIT_TALKING, flag, parseOrExit, str, usageFailure, type CommandSpec } from './options.js';
import { cut } from '../rpc/cut.js';

export const FLASH_SPEC: CommandSpec = {
  name: 'flash',
  summary: "Upload a signed firmware image through the device's bootloader, commit it and reboot into it (docs/firmware-images.md).",
  positionals: ['<image>'],
  options: {
    device: { type: 'string', value: '<path>', required: true, description: 'serial port of the device' },
    chunk: { type: 'string', value: '<bytes>', description: 'upload chunk size, 1..8192' },
    'no-reboot': { type: 'boolean', description: 'commit only; the device boots it at its next reset' },
  },
  notes: ['Exit 0 flashed, 1 the device or the image was refused, 2 the device could not be reached, 3 usage.'],
};

const DEV_WARNING = [
  '!!! WARNING: DEVELOPMENT FIRMWARE IMAGE !!!',
  '!!! This image is signed with the DEVELOPMENT release key (flash-scripts/dev-release-key.hex).',
  '!!! Its secret key is public: ANYONE can sign firmware this device will then accept,',
  '!!! including firmware that sends out the device\'s secret.',
  '!!! Never use a development build or image on a device that holds real funds.',
].join('\n');

async function run(args: string[]): Promise<number> {
  const p = parseOrExit(FLASH_SPEC, args);
  if (typeof p === 'number') return p;
  const device = str(p.values, 'device')!;
  const rest = p.positionals;
  const noReboot = flag(p.values, 'no-reboot');
  let chunk: number | undefined;
  const chunkText = str(p.values, 'chunk');
  if (chunkText !== undefined) {
    chunk = Number(chunkText);
    if (!/^\d+$/.test(chunkText) || chunk < 1 || chunk > 8192) return usageFailure(FLASH_SPEC, `--chunk must be 1..8192, not ${cut(chunkText)}`);
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
  const dev = isDevelopmentImage(img);
  let client: DeviceClient | undefined;
  try {
    client = await DeviceClient.open(device);
    if (dev) {
      const info = await client.getInfo();
      if (!info.devBuild) {
        say(`lnsigner flash: refused: ${rest[0]} is a DEVELOPMENT image (signed with the development release key, ` +
          'whose secret is public)\nand this device runs a RELEASE build: it refuses development images itself ' +
          '(at fw_begin and at every boot). Nothing was sent.\nSign the firmware with your release key ' +
          '(lnsigner firmware sign --key <release key>).');
        return 1;
      }
      say(DEV_WARNING);
    }
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
      // lightning-cli's codes: 2 could not talk to it, 1 it answered no.
      return e instanceof TransportError && !(e instanceof DeviceError) ? EXIT_TALKING : EXIT_ERROR;
    }
    throw e;
  } finally {
    await client?.close();
  }
}

export const subcommand: Subcommand = { summary: 'upload a signed firmware image to a device', spec: FLASH_SPEC, run };
