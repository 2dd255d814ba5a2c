// DeviceSigner over the serial client of host/device/. get_info gives the node
// id, network, firmware version and image hash; sign_bolt12 goes to the
// client, which verifies every signature before it is returned.
import { hexToBytes } from '@noble/hashes/utils.js';
import { DeviceClient, SignatureVerificationError } from '../device/client.js';
import { DeviceNotProvisionedError, type DeviceInfo, type DeviceSigner, type SignBolt12Request } from './device-signer.js';

export class SerialDeviceSigner implements DeviceSigner {
  private constructor(private readonly client: DeviceClient) {}

  static async open(path: string): Promise<SerialDeviceSigner> {
    return new SerialDeviceSigner(await DeviceClient.open(path));
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

  close(): Promise<void> {
    return this.client.close();
  }
}

export const connectSerialDevice = (path: string): Promise<DeviceSigner> => SerialDeviceSigner.open(path);
