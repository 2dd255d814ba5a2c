// The device calls that may wait for a press on the device (issue 9,
// docs/protocol.md "Confirmation"): provision, wipe, set_policy and
// build_onion and allowlist add take `opts = { onConfirm }`, poll while the device waits for its
// button, and fail with DeviceError ERR_CONFIRM_DENIED / _TIMEOUT / _BUSY.
// `lnsigner device` and the daemon's getpolicy/setpolicy call only these.
import * as P from '../../shared/protocol.js';
import type { BuildOnionRequest, BuiltOnion, DeviceClient, DevicePolicy, ProvisionRequest, SpendingLimits } from '../device-client/client.js';
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

const { ERR_CONFIRM_DENIED, ERR_CONFIRM_TIMEOUT, ERR_CONFIRM_BUSY } = P;

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

/** provision (both modes); resolves to the new node id. */
export function provisionDevice(client: DeviceClient, req: ProvisionRequest, opts: ConfirmOptions = {}): Promise<{ nodeId: Uint8Array }> {
  return client.provision(req, opts);
}

/** wipe: the device's node id (read from get_info by the caller) goes in the payload. */
export function wipeDevice(client: DeviceClient, nodeId: string, opts: ConfirmOptions = {}): Promise<void> {
  return client.wipe(nodeId, opts);
}

/** build_onion (payment mode): above the policy's confirmation threshold the device waits for a press. */
export function buildOnionOnDevice(client: DeviceClient, req: BuildOnionRequest, opts: ConfirmOptions = {}): Promise<BuiltOnion> {
  return client.buildOnion(req, opts);
}

/** get_policy with the confirmation threshold. */
export async function readPolicy(client: DeviceClient): Promise<PolicyState> {
  const p = await client.getPolicy();
  return { ...p, confirmAboveMsat: p.confirmAboveMsat ?? null };
}

/** set_policy: replaces every limit (the caller merges with the current policy);
 *  loosening waits for the press on the device. */
export async function writePolicy(client: DeviceClient, limits: PolicyLimits, opts: ConfirmOptions = {}): Promise<PolicyState> {
  const p = await client.setPolicy(limits, opts);
  return { ...p, confirmAboveMsat: p.confirmAboveMsat ?? null };
}

/** allowlist (issue 12): the offer ids the device pays without a press. */
export function readAllowlist(client: DeviceClient): Promise<Uint8Array[]> {
  return client.allowlist();
}

/** allowlist add: waits for the press on the device; resolves to the list after it. */
export function allowOfferOnDevice(client: DeviceClient, offerId: Uint8Array, opts: ConfirmOptions = {}): Promise<Uint8Array[]> {
  return client.allowlistAdd(offerId, opts);
}

/** allowlist remove: immediate; resolves to the list after it. */
export function disallowOfferOnDevice(client: DeviceClient, offerId: Uint8Array): Promise<Uint8Array[]> {
  return client.allowlistRemove(offerId);
}
