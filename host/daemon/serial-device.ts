// DeviceSigner over the serial client of host/device/. get_info gives the node
// id, network, firmware version and image hash; sign_bolt12 is forwarded once
// the client has it (until then signing fails with a clear error, and only
// the commands that need a signature are affected).
import { hexToBytes } from '@noble/hashes/utils.js';
import { DeviceClient } from '../device/client.js';
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
    const sign = (this.client as unknown as { signBolt12?: (r: SignBolt12Request) => Promise<Uint8Array> }).signBolt12;
    if (typeof sign !== 'function') throw new Error('this device client cannot sign BOLT 12 messages yet');
    return sign.call(this.client, req);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export const connectSerialDevice = (path: string): Promise<DeviceSigner> => SerialDeviceSigner.open(path);
