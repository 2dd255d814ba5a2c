// Uploads a signed image to a device through the bootloader requests
// (docs/firmware-images.md): fw_begin (header), fw_chunk (acknowledged, each
// with its offset, so the transport may resend one), fw_commit (the device
// re-reads and verifies the slot), reboot, then waits for the boot event and
// checks that get_info reports the new image. Works on a DeviceClient, so it
// needs no method of its own there.
import * as P from '../../shared/protocol.js';
import * as I from '../../shared/firmware-image.js';
import { DeviceError, DeviceResetError } from '../transport/errors.js';
import type { ConfirmInfo, DeviceClient } from '../device-client/client.js';
import type { DeviceInfo } from '../device-client/info.js';
import type { BootEvent } from '../transport/messages.js';
import { formatVersion, toHex, type FirmwareImage } from './image.js';

export interface FlashOptions {
  /** Wasm bytes per fw_chunk (default 4096; capped by what the device accepts). */
  chunkSize?: number;
  /** Called after every acknowledged chunk with bytes done and total. */
  onProgress?(done: number, total: number): void;
  /** Called after chunk `index` (0-based) was acknowledged, before the next
   *  (tests use it to cut a flash at a deterministic point). */
  afterChunk?(index: number): void | Promise<void>;
  /** Stop after fw_commit, without rebooting (default: reboot and check). */
  noReboot?: boolean;
  /** How long to wait for the device to come back after reboot (ms). */
  bootTimeoutMs?: number;
  /** Called once when fw_begin waits for the user's press on the device
   *  (default: the client's onConfirm). */
  onConfirm?(info: ConfirmInfo): void;
}

export interface FlashResult {
  before: DeviceInfo;
  /** get_info after the reboot (absent with noReboot). */
  after?: DeviceInfo;
  slot: 'A' | 'B';
}

/** The device refused the image or the update failed; `status` is the ERR_* code. */
export class FlashError extends Error {
  constructor(message: string, readonly status?: number, readonly step?: string) {
    super(message);
  }
}

const versionText = (v: number) => formatVersion(v >>> 0);

/** A human sentence for a refusal of fw_begin/chunk/commit. */
export function explainRefusal(e: DeviceError, img: FirmwareImage): string {
  switch (e.status) {
    case P.ERR_FW_ROLLBACK:
      return `refused: downgrade or same version (image ${versionText(img.version)}; the device only accepts versions ` +
        `newer than ${versionText(e.detail)} — anti-rollback)`;
    case P.ERR_FW_SIGNATURE:
      if (e.detail === I.FW_SIG_DETAIL_DEV_IMAGE) {
        return 'refused: development image (signed with the development release key, whose secret is public); ' +
          'this device runs a release build and accepts only images signed by its release key';
      }
      return 'refused: bad signature (the image is not signed by the release key this device trusts, or its header was altered)';
    case P.ERR_FW_HASH:
      return 'refused: hash mismatch (the bytes written do not hash to the SHA-256 in the signed header)';
    case P.ERR_FW_FORMAT:
      return 'refused: not an image format this bootloader reads';
    case P.ERR_FW_STATE:
      return `refused: update out of sequence (the device has no update in progress or has ${e.detail} bytes; ` +
        'it may have restarted — run flash again)';
    case P.ERR_FLASH:
      return `device flash error (board code ${e.detail})`;
    case P.ERR_UNSUPPORTED:
      return 'this device firmware has no bootloader update requests';
    case P.ERR_CONFIRM_DENIED:
      return 'denied on the device (nothing was changed)';
    case P.ERR_CONFIRM_TIMEOUT:
      return 'not confirmed on the device in time (nothing was changed)';
    case P.ERR_CONFIRM_BUSY:
      return 'the device is waiting for a press on another request; try again later';
    default:
      return e.message;
  }
}

/** Resolves with the next boot event, or rejects after `ms`. */
function nextBoot(client: DeviceClient, ms: number): { promise: Promise<BootEvent>; cancel(): void } {
  let cancel = () => undefined as void;
  const promise = new Promise<BootEvent>((resolve, reject) => {
    const t = setTimeout(() => {
      client.transport.off('boot', on);
      reject(new FlashError(`the device did not announce a boot within ${ms} ms after reboot`));
    }, ms);
    const on = (b: BootEvent) => {
      clearTimeout(t);
      client.transport.off('boot', on);
      resolve(b);
    };
    cancel = () => {
      clearTimeout(t);
      client.transport.off('boot', on);
    };
    client.transport.on('boot', on);
  });
  return { promise, cancel };
}

export async function flashImage(client: DeviceClient, img: FirmwareImage, o: FlashOptions = {}): Promise<FlashResult> {
  const t = client.transport;
  const step = async (name: string, type: number, payload: Uint8Array): Promise<Uint8Array> => {
    try {
      // fw_begin waits for the user's press on the device (the device shows
      // the version and the image hash); the client polls.
      if (type === P.MSG_FW_BEGIN) {
        return await client.confirmed(type, payload, {
          request: 'fw_begin', text: `install firmware ${versionText(img.version)} (sha256 ${toHex(img.hash).slice(0, 16)}…)`,
        }, o.onConfirm ? { onConfirm: o.onConfirm } : {});
      }
      return await t.request(type, payload);
    } catch (e) {
      if (e instanceof DeviceError) throw new FlashError(`${name}: ${explainRefusal(e, img)}`, e.status, name);
      if (e instanceof DeviceResetError) throw new FlashError(`${name}: the device restarted during the update; nothing was switched — run flash again`, undefined, name);
      throw e;
    }
  };
  const before = await client.getInfo();
  const b = await step('fw_begin', P.MSG_FW_BEGIN, img.header);
  const bv = new DataView(b.buffer, b.byteOffset, b.length);
  const slot = b[I.FWB_OFF_SLOT] === 2 ? 'B' : 'A';
  const maxChunk = b.length >= I.FWB_SIZE ? bv.getUint16(I.FWB_OFF_MAX_CHUNK, true) : I.FW_CHUNK_MAX;
  const size = Math.max(1, Math.min(o.chunkSize ?? 4096, maxChunk, I.FW_CHUNK_MAX));
  const total = img.wasm.length;
  o.onProgress?.(0, total);
  for (let off = 0, i = 0; off < total; off += size, i++) {
    const data = img.wasm.subarray(off, off + size);
    const p = new Uint8Array(I.FW_CHUNK_OFF_DATA + data.length);
    new DataView(p.buffer).setUint32(I.FW_CHUNK_OFF_OFFSET, off, true);
    p.set(data, I.FW_CHUNK_OFF_DATA);
    const r = await step('fw_chunk', P.MSG_FW_CHUNK, p);
    const got = new DataView(r.buffer, r.byteOffset, r.length).getUint32(0, true);
    if (got !== off + data.length) throw new FlashError(`fw_chunk: the device reports ${got} bytes received, expected ${off + data.length}`);
    o.onProgress?.(off + data.length, total);
    await o.afterChunk?.(i);
  }
  const c = await step('fw_commit', P.MSG_FW_COMMIT, new Uint8Array(0));
  if (toHex(c.subarray(I.FWC_OFF_HASH, I.FWC_OFF_HASH + 32)) !== toHex(img.hash)) {
    throw new FlashError('fw_commit: the device committed a different image hash');
  }
  if (o.noReboot) return { before, slot };
  const boot = nextBoot(client, o.bootTimeoutMs ?? 15000);
  try {
    await t.request(P.MSG_REBOOT, new Uint8Array(0));
  } catch (e) {
    // Its reply lost but the boot event seen: it rebooted, which is what we asked.
    if (!(e instanceof DeviceResetError)) {
      boot.cancel();
      throw e instanceof DeviceError ? new FlashError(`reboot: ${explainRefusal(e, img)}`, e.status, 'reboot') : e;
    }
  }
  await boot.promise;
  const after = await client.getInfo();
  const want = versionText(img.version);
  if (after.imageHash !== toHex(img.hash) || after.firmwareVersion !== want || after.activeSlot !== slot) {
    throw new FlashError(`the device rebooted but runs ${after.firmwareVersion} (${after.imageHash.slice(0, 16)}…, slot ` +
      `${after.activeSlot}), not the new image ${want} in slot ${slot}: it failed its first-boot self-test and the ` +
      'bootloader reverted to the previous image');
  }
  return { before, after, slot };
}
