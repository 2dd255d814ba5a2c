// get_info reply (INFO_* layout of shared/protocol.ts), decoded.
import * as P from '../../shared/protocol.js';
import { SLOT_A, SLOT_B, SLOT_DIRECT } from '../../shared/board.js';

export type Network = 'none' | 'bitcoin' | 'testnet' | 'signet' | 'regtest' | `unknown(${number})`;

export interface DeviceInfo {
  protocolVersion: number;
  /** "major.minor.patch" */
  firmwareVersion: string;
  /** SHA-256 of the running image (hex; all zeros when the board did not say). */
  imageHash: string;
  activeSlot: 'direct' | 'A' | 'B' | `unknown(${number})`;
  network: Network;
  provisioned: boolean;
  /** A development build: the firmware trusts the development release key,
   *  whose secret is public (INFO_FLAG_DEV_BUILD). */
  devBuild: boolean;
  /** Compressed public key (hex), null until provisioned. */
  nodeId: string | null;
  bootCount: number;
  /** Random per boot: a change means the device restarted. */
  session: number;
  maxPayload: number;
  /** 16 random bytes drawn at provisioning (hex); all zeros while unprovisioned
   *  (and on a device provisioned by firmware older than the device id). */
  deviceId: string;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export function networkName(n: number): Network {
  const names: Record<number, Network> = {
    [P.NET_NONE]: 'none', [P.NET_BITCOIN]: 'bitcoin', [P.NET_TESTNET]: 'testnet',
    [P.NET_SIGNET]: 'signet', [P.NET_REGTEST]: 'regtest',
  };
  return names[n] ?? `unknown(${n})`;
}

export function decodeInfo(p: Uint8Array): DeviceInfo {
  if (p.length < P.INFO_SIZE) throw new Error(`get_info reply of ${p.length} bytes, expected at least ${P.INFO_SIZE}`);
  const v = new DataView(p.buffer, p.byteOffset, p.length);
  const fw = v.getUint32(P.INFO_OFF_FW_VERSION, true);
  const slot = p[P.INFO_OFF_SLOT];
  const provisioned = (p[P.INFO_OFF_FLAGS] & P.INFO_FLAG_PROVISIONED) !== 0;
  return {
    protocolVersion: p[P.INFO_OFF_PROTO],
    firmwareVersion: `${(fw >>> 16) & 0xff}.${(fw >>> 8) & 0xff}.${fw & 0xff}`,
    imageHash: hex(p.subarray(P.INFO_OFF_IMAGE_HASH, P.INFO_OFF_IMAGE_HASH + P.HASH_SIZE)),
    activeSlot: slot === SLOT_DIRECT ? 'direct' : slot === SLOT_A ? 'A' : slot === SLOT_B ? 'B' : `unknown(${slot})`,
    network: networkName(p[P.INFO_OFF_NETWORK]),
    provisioned,
    devBuild: (p[P.INFO_OFF_FLAGS] & P.INFO_FLAG_DEV_BUILD) !== 0,
    nodeId: provisioned ? hex(p.subarray(P.INFO_OFF_NODE_ID, P.INFO_OFF_NODE_ID + P.NODE_ID_SIZE)) : null,
    bootCount: v.getUint32(P.INFO_OFF_BOOT_COUNT, true),
    session: v.getUint32(P.INFO_OFF_SESSION, true),
    maxPayload: v.getUint16(P.INFO_OFF_MAX_PAYLOAD, true),
    deviceId: hex(p.subarray(P.INFO_OFF_DEVICE_ID, P.INFO_OFF_DEVICE_ID + P.DEVICE_ID_SIZE)),
  };
}
