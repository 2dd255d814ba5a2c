// DeviceSigner over the serial client of host/device/. get_info gives the node
// id, network, firmware version and image hash; sign_bolt12 goes to the
// client, which verifies every signature before it is returned.
import { hexToBytes } from '@noble/hashes/utils.js';
import { DeviceClient, SignatureVerificationError } from '../device/client.js';
import {
  DeviceNotProvisionedError, type BuildOnionRequest, type BuiltOnion, type DeviceInfo, type DeviceSigner, type SignBolt12Request,
} from './device-signer.js';

/** BigSize at `o`: [value, bytes used]. */
function bigsizeAt(b: Uint8Array, o: number): [number, number] {
  if (o >= b.length) throw new Error('truncated BigSize');
  const f = b[o];
  if (f < 0xfd) return [f, 1];
  if (f === 0xfd && o + 3 <= b.length) return [(b[o + 1] << 8) | b[o + 2], 3];
  if (f === 0xfe && o + 5 <= b.length) return [new DataView(b.buffer, b.byteOffset + o + 1, 4).getUint32(0), 5];
  throw new Error('BigSize too large for a payload');
}

/** A createonion payload (BigSize length ‖ TLV stream) without its length prefix. */
export function stripLength(payload: Uint8Array): Uint8Array {
  const [len, n] = bigsizeAt(payload, 0);
  if (n + len !== payload.length) throw new Error('payload is not prefixed with its length');
  return payload.slice(n);
}

/** amt_to_forward (TLV 2, tu64) of a payload TLV stream, 0 when absent. */
export function amtToForward(tlv: Uint8Array): bigint {
  for (let o = 0; o < tlv.length; ) {
    const [type, a] = bigsizeAt(tlv, o);
    const [len, b] = bigsizeAt(tlv, o + a);
    const v = tlv.subarray(o + a + b, o + a + b + len);
    if (type === 2) return v.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
    o += a + b + len;
  }
  return 0n;
}

export class SerialDeviceSigner implements DeviceSigner {
  private constructor(private readonly client: DeviceClient) {}

  /** Opens the device; a request that waits for the user's press (a payment
   *  above the device's confirmation threshold) is logged as "confirm on the
   *  device" on `o.log`, and polled without holding the port. */
  static async open(path: string, o: { log?: { info(m: string): void } } = {}): Promise<SerialDeviceSigner> {
    return new SerialDeviceSigner(await DeviceClient.open(path, {
      onConfirm: (i) => o.log?.info(`device ${path}: confirm on the device: ${i.text ?? i.request}`),
    }));
  }

  async getInfo(): Promise<DeviceInfo> {
    const i = await this.client.getInfo();
    if (!i.provisioned || i.nodeId === null) throw new DeviceNotProvisionedError();
    return {
      nodeId: hexToBytes(i.nodeId),
      network: i.network === 'none' ? undefined : i.network,
      firmwareVersion: i.firmwareVersion,
      imageHash: i.imageHash,
    };
  }

  async signBolt12(req: SignBolt12Request): Promise<Uint8Array> {
    // The client verifies the signature against the host's own merkle root and
    // the key the stream names. The device picks the key; the daemon's
    // expectation (tweak = payer key of invreq_metadata, none = node key) must
    // agree with what it picked.
    if (req.fieldName !== 'signature') throw new Error(`the device signs only the "signature" field, not ${req.fieldName}`);
    const s = await this.client.signBolt12(req.messageName, req.tlv);
    const want = req.tweak && req.tweak.length > 0 ? 'payer' : 'node';
    if (s.keyKind !== want) throw new SignatureVerificationError(`the device signed with its ${s.keyKind} key, the daemon expected the ${want} key`);
    return s.signature;
  }

  /** build_onion (docs/protocol.md): the device derives the session key unless
   *  one is given, checks its spending policy and returns the packet and the
   *  shared secrets. The associated data is the 32-byte payment hash and the
   *  routing info is the standard 1300 bytes. */
  async buildOnion(req: BuildOnionRequest): Promise<BuiltOnion> {
    if (req.assocData.length !== 32) throw new Error('the device builds onions whose associated data is a 32-byte payment hash');
    if ((req.onionSize ?? 1300) !== 1300) throw new Error('the device builds 1300-byte payment onions only');
    const hops = req.hops.map((h) => ({ pubkey: h.pubkey, payload: stripLength(h.payload) }));
    const first = req.firstHopAmountMsat ?? hops.reduce((m, h) => { const a = amtToForward(h.payload); return a > m ? a : m; }, 0n);
    return this.client.buildOnion({
      hops, paymentHash: req.assocData, partId: req.partId ?? 0n, firstHopAmountMsat: first, sessionKey: req.sessionKey,
    });
  }

  /** build_onion in createonion mode (docs/protocol.md): CLN's createonion
   *  parameters as given; a session key is drawn by the client when absent. */
  createOnion(req: BuildOnionRequest): Promise<BuiltOnion> {
    return this.client.createOnion({ hops: req.hops, assocData: req.assocData, sessionKey: req.sessionKey, onionSize: req.onionSize });
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export const connectSerialDevice = (path: string, o?: { log?: { info(m: string): void } }): Promise<DeviceSigner> =>
  SerialDeviceSigner.open(path, o);
