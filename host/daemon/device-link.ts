// The daemon's link to its signing device: connects at start-up, checks the
// device's identity on every connect and reconnect (host/daemon/identity.ts,
// through the transport's verify hook), logs connects, disconnects,
// reconnects and refusals, and while the device is away or the wrong one
// answers it keeps polling for the right one. What commands see is the
// CommandContext's `device` / `deviceProblem`, kept current here.
import { bytesToHex } from '@noble/hashes/utils.js';
import type { CommandContext } from '../commands/context.js';
import type { RpcLog } from '../rpc/server.js';
import { DeviceNotProvisionedError, type ConnectOptions, type DeviceSigner, type LinkEvent } from './device-signer.js';
import { DeviceIdentityError, type DeviceIdentity } from './identity.js';
import type { Network } from './network.js';

export interface DeviceLinkConfig {
  path: string;
  network: Network;
  connect: (path: string, o: ConnectOptions) => Promise<DeviceSigner>;
  identity: DeviceIdentity;
  log: RpcLog;
  context: CommandContext;
  /** Between polls while the device is away or refused (default 1000 ms). */
  pollMs?: number;
}

const why = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class DeviceLink {
  private signer?: DeviceSigner;
  private timer?: NodeJS.Timeout;
  private polling = false;
  private stopped = false;

  constructor(private readonly c: DeviceLinkConfig) {}

  /** Connects; a device refused for its identity is not fatal (the daemon
   *  starts and waits for the right one), anything else is. */
  async start(): Promise<void> {
    try {
      await this.attach();
    } catch (e) {
      if (!(e instanceof DeviceIdentityError)) throw e;
      this.c.context.deviceProblem = e.message;
      this.startPolling();
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const s = this.signer;
    this.signer = undefined;
    await s?.close();
  }

  private async attach(): Promise<void> {
    const { path, log, context } = this.c;
    const signer = await this.c.connect(path, {
      verify: (p, found) => this.c.identity.check(p, found),
      onEvent: (e) => this.onEvent(e),
      log,
    });
    if (this.stopped) {
      await signer.close(); // the daemon stopped while this connect ran
      return;
    }
    try {
      const info = await signer.getInfo();
      if (info.network !== undefined && info.network !== this.c.network) {
        throw new Error(`the device is set up for ${info.network}, not ${this.c.network}`);
      }
      // Also checked here for a DeviceSigner without a verify hook of its own
      // (the serial one has already checked, before get_info reached us).
      this.c.identity.check(path, { nodeId: bytesToHex(info.nodeId), deviceId: info.deviceId });
      context.device = { signer, info };
      context.deviceProblem = undefined;
      log.info(`device ${path}: node ${bytesToHex(info.nodeId)}, device id ${info.deviceId ?? '-'}, firmware ${info.firmwareVersion}`);
    } catch (e) {
      if (!(e instanceof DeviceNotProvisionedError)) {
        await signer.close();
        throw e;
      }
      // An unprovisioned device is not fatal: store commands still work.
      context.deviceProblem = 'The signing device is not provisioned (no node key yet)';
      log.warn(`device ${path}: ${e.message}; commands that need the device will fail`);
    }
    this.signer = signer;
  }

  private onEvent(e: LinkEvent): void {
    const { log } = this.c;
    switch (e.kind) {
      case 'connect':
        log.info(`device connected: ${e.path} -> ${e.device}`);
        break;
      case 'reconnect':
        log.info(`device reconnected: ${e.path} -> ${e.device} (identity checked)`);
        break;
      case 'disconnect':
        log.warn(`device disconnected: ${e.path}${e.cause ? ` (${why(e.cause)})` : ''}; waiting for it to come back`);
        this.startPolling();
        break;
    }
  }

  /** Polls until a device with the recorded identity answers (or the daemon stops). */
  private startPolling(): void {
    if (this.polling || this.stopped) return;
    this.polling = true;
    const tick = async () => {
      if (this.stopped) return;
      try {
        if (this.signer) {
          await this.signer.getInfo().catch((e) => {
            if (!(e instanceof DeviceNotProvisionedError)) throw e;
          });
        } else {
          await this.attach();
        }
        this.polling = false;
        return;
      } catch (e) {
        // Identity refusals are logged by DeviceIdentity (once per device).
        if (!(e instanceof DeviceIdentityError)) this.c.log.debug(`device ${this.c.path}: still away (${why(e)})`);
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.c.pollMs ?? 1000);
    };
    this.timer = setTimeout(() => void tick(), this.c.pollMs ?? 1000);
  }
}
