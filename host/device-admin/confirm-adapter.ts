// The one place that knows how today's DeviceClient (host/device/client.ts)
// differs from the confirming client of issue 9 (DESIGN-issue9.md,
// "Confirmation"): gated requests there take `opts = { onConfirm }`, poll
// while the device waits for its button, and fail with DeviceError
// ERR_CONFIRM_DENIED / ERR_CONFIRM_TIMEOUT / ERR_CONFIRM_BUSY; set_policy
// carries the limits only (no node id) and the limits gain
// confirm_above_msat. `lnsigner device` and the daemon's getpolicy/setpolicy
// call only the functions below, so that merging the two branches changes
// this file alone. Each spot to change is marked "MERGE:".
import * as P from '../../shared/protocol.js';
import type { BuildOnionRequest, BuiltOnion, DeviceClient, DevicePolicy, ProvisionRequest, SpendingLimits } from '../device/client.js';
import { DeviceError, statusName } from '../transport/errors.js';
import { ErrorCode } from '../rpc/errors.js';

/** What the device asks the user to confirm (the confirming client's callback argument). */
export interface ConfirmInfo {
  /** The request waiting for the press: "provision", "wipe", "set_policy", "build_onion", ... */
  request: string;
  /** The text the device shows, when the client knows it. */
  text?: string;
}

export interface ConfirmOptions {
  /** Called once per request when the device starts waiting for its button. */
  onConfirm?: (info: ConfirmInfo) => void;
}

/** Spending limits with the confirmation threshold (null = no limit / never ask). */
export interface PolicyLimits extends SpendingLimits {
  /** A payment delivering more than this needs a press on the device. */
  confirmAboveMsat: bigint | null;
}

export interface PolicyState extends DevicePolicy {
  confirmAboveMsat: bigint | null;
}

// MERGE: the confirmation statuses of DESIGN-issue9.md; use P.ERR_CONFIRM_*
// once shared/protocol.ts has them (values fixed by the design).
const ERR_CONFIRM_DENIED = (P as Record<string, unknown>).ERR_CONFIRM_DENIED as number | undefined ?? 0x19;
const ERR_CONFIRM_TIMEOUT = (P as Record<string, unknown>).ERR_CONFIRM_TIMEOUT as number | undefined ?? 0x1a;
const ERR_CONFIRM_BUSY = (P as Record<string, unknown>).ERR_CONFIRM_BUSY as number | undefined ?? 0x1b;

export type ConfirmFailure = 'denied' | 'timeout' | 'busy';

/** The JSON-RPC error code of each (host/rpc/errors.ts, docs/host/daemon.md). */
export const CONFIRM_ERROR_CODES: Record<ConfirmFailure, number> = {
  denied: ErrorCode.DEVICE_CONFIRM_DENIED,
  timeout: ErrorCode.DEVICE_CONFIRM_TIMEOUT,
  busy: ErrorCode.DEVICE_CONFIRM_BUSY,
};

/** Is `e` the device's answer that the user denied, did not answer, or another prompt is up? */
export function confirmFailure(e: unknown): ConfirmFailure | undefined {
  if (!(e instanceof DeviceError)) return undefined;
  const name = statusName(e.status);
  if (name === 'ERR_CONFIRM_DENIED' || e.status === ERR_CONFIRM_DENIED) return 'denied';
  if (name === 'ERR_CONFIRM_TIMEOUT' || e.status === ERR_CONFIRM_TIMEOUT) return 'timeout';
  if (name === 'ERR_CONFIRM_BUSY' || e.status === ERR_CONFIRM_BUSY) return 'busy';
  return undefined;
}

/** This firmware cannot store what was asked (today: a confirmation threshold). */
export class UnsupportedByFirmwareError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedByFirmwareError';
  }
}

/** provision (both modes); resolves to the new node id. */
export async function provisionDevice(client: DeviceClient, req: ProvisionRequest, _opts: ConfirmOptions = {}): Promise<{ nodeId: Uint8Array }> {
  // MERGE: return client.provision(req, _opts);
  return client.provision(req);
}

/** wipe: the device's node id (read from get_info by the caller) goes in the payload. */
export async function wipeDevice(client: DeviceClient, nodeId: string, _opts: ConfirmOptions = {}): Promise<void> {
  // MERGE: return client.wipe(nodeId, _opts);
  return client.wipe(nodeId);
}

/** build_onion (payment mode): above the policy's confirmation threshold the device waits for a press. */
export async function buildOnionOnDevice(client: DeviceClient, req: BuildOnionRequest, _opts: ConfirmOptions = {}): Promise<BuiltOnion> {
  // MERGE: return client.buildOnion(req, _opts);
  return client.buildOnion(req);
}

/** get_policy with the confirmation threshold. */
export async function readPolicy(client: DeviceClient): Promise<PolicyState> {
  const p = await client.getPolicy();
  // MERGE: the confirming client's DevicePolicy has confirmAboveMsat; return p as is.
  const withThreshold = p as DevicePolicy & { confirmAboveMsat?: bigint | null };
  return { ...p, confirmAboveMsat: withThreshold.confirmAboveMsat ?? null };
}

/** set_policy: replaces every limit (the caller merges with the current policy). */
export async function writePolicy(client: DeviceClient, limits: PolicyLimits, _opts: ConfirmOptions = {}): Promise<PolicyState> {
  // MERGE: return { ...(await client.setPolicy(limits, _opts)) } (no node id, threshold stored);
  // and drop this refusal.
  if (limits.confirmAboveMsat !== null) {
    throw new UnsupportedByFirmwareError('this firmware has no confirmation threshold (confirm_above_msat); update the device first');
  }
  const info = await client.getInfo();
  if (info.nodeId === null) throw new DeviceError(P.ERR_NOT_PROVISIONED, P.MSG_SET_POLICY, 0);
  const { confirmAboveMsat: _threshold, ...today } = limits;
  return { ...(await client.setPolicy(info.nodeId, today)), confirmAboveMsat: null };
}
