// The device identity the data directory belongs to (issue 9, "Device
// identity"): the node id and the device id of get_info, recorded in the
// store's meta table on first use and checked on every connect and reconnect.
// Another device at the same path (a swapped board, a PTY number reused by
// another program's emulator) is refused with an error naming both, so
// nothing is signed or stored through it.
//
// Why the store's meta table and not a file of its own: the store already
// binds its data to a node id (meta `node_id`) and a network, the records in
// it were signed by that device, and one SQLite transaction records both ids
// at once; a second file could disagree with the store it describes.
import type { RpcLog } from '../rpc/server.js';
import type { Store } from '../store/index.js';

/** Who answered get_info: node id and device id in hex (node id null while unprovisioned). */
export interface FoundIdentity {
  nodeId: string | null;
  /** Absent from a DeviceSigner that does not report one (test doubles): only the node id is checked. */
  deviceId?: string;
}

export interface ExpectedIdentity {
  nodeId: string;
  /** Absent in a store made before device ids existed: recorded at the next connect. */
  deviceId?: string;
}

const describe = (i: { nodeId: string | null; deviceId?: string }) =>
  i.nodeId === null ? 'an unprovisioned device' : `node ${i.nodeId}, device ${i.deviceId ?? '(not recorded)'}`;

/** The device that answered is not the one this data directory belongs to. */
export class DeviceIdentityError extends Error {
  constructor(readonly path: string, readonly expected: ExpectedIdentity, readonly found: FoundIdentity) {
    super(`wrong device at ${path}: this data directory belongs to ${describe(expected)}; found ${describe(found)}. ` +
      'Refusing it (nothing is signed or stored through it); waiting for the right device');
    this.name = 'DeviceIdentityError';
  }
}

export const META_NODE_ID = 'node_id';
export const META_DEVICE_ID = 'device_id';

export class DeviceIdentity {
  /** The last identity refused, so a device polled every 250 ms is logged once. */
  private lastRefused?: string;

  constructor(private readonly store: Store, private readonly log: RpcLog) {}

  expected(): ExpectedIdentity | undefined {
    const nodeId = this.store.meta(META_NODE_ID);
    return nodeId === undefined ? undefined : { nodeId, deviceId: this.store.meta(META_DEVICE_ID) };
  }

  /** Accepts the device (recording it on first use) or throws DeviceIdentityError. */
  check(path: string, found: FoundIdentity): void {
    const want = this.expected();
    // Rule (issue 9): a fresh data directory accepts any device and records it
    // on first use; an unprovisioned device has no identity to record yet.
    if (!want) {
      if (found.nodeId === null) return;
      this.store.db.transaction(() => {
        this.store.bindMeta(META_NODE_ID, found.nodeId!);
        if (found.deviceId !== undefined) this.store.bindMeta(META_DEVICE_ID, found.deviceId);
      }).immediate();
      this.log.info(`device identity recorded on first use: node ${found.nodeId}, device ${found.deviceId}`);
      this.lastRefused = undefined;
      return;
    }
    // Rule (issue 9): on every connect and reconnect, both ids must be the
    // recorded ones; anything else is another device.
    if (found.nodeId === want.nodeId && (want.deviceId === undefined || found.deviceId === undefined || found.deviceId === want.deviceId)) {
      if (want.deviceId === undefined && found.deviceId !== undefined) {
        this.store.bindMeta(META_DEVICE_ID, found.deviceId);
        this.log.info(`device id ${found.deviceId} recorded for node ${found.nodeId}`);
      }
      this.lastRefused = undefined;
      return;
    }
    const err = new DeviceIdentityError(path, want, found);
    const key = `${found.nodeId}/${found.deviceId}`;
    if (this.lastRefused !== key) this.log.error(err.message);
    this.lastRefused = key;
    throw err;
  }
}
