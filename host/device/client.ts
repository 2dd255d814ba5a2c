// Typed client of the signer: one method per request of shared/protocol.ts.
// Provisioning, signing, ECDH, onion building and firmware update add their
// methods here when their firmware handlers exist.
import * as P from '../../shared/protocol.js';
import { SerialTransport, type TransportOptions } from '../transport/serial.js';
import { decodeInfo, type DeviceInfo } from './info.js';

export class DeviceClient {
  constructor(readonly transport: SerialTransport) {}

  static async open(path: string, options?: TransportOptions): Promise<DeviceClient> {
    return new DeviceClient(await SerialTransport.open(path, options));
  }

  /** Round trip; resolves to the echoed payload. */
  ping(data: Uint8Array = new Uint8Array(0)): Promise<Uint8Array> {
    return this.transport.request(P.MSG_PING, data);
  }

  async getInfo(): Promise<DeviceInfo> {
    return decodeInfo(await this.transport.request(P.MSG_GET_INFO));
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
