// How a daemon command talks to the device for a request that may need a
// press: "Confirm on the device: ..." goes to the requesting client (a
// `message` notification, if it enabled them) and to the daemon log; the
// device's answers become JSON-RPC errors (codes in host/rpc/errors.ts,
// documented in docs/host/daemon.md).
import { CONFIRM_ERROR_CODES, confirmFailure, type ConfirmInfo } from '../device-admin/confirm-adapter.js';
import { confirmFailureMessage, deviceFailureMessage } from '../device-admin/messages.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';
import type { CallInfo } from '../rpc/method.js';
import { DeviceError, TransportError } from '../transport/errors.js';
import type { CommandContext } from './context.js';

/** The onConfirm of a daemon command: tell the client and the log once per request. */
export function confirmNotifier(ctx: CommandContext, call: CallInfo, what: string): (info: ConfirmInfo) => void {
  return (info) => {
    const m = `Confirm on the device: ${info.text ? info.text.replace(/\n/g, ' / ') : what}`;
    ctx.log.info(`${call.method} id=${call.id}: ${m}`);
    call.notify?.(m);
  };
}

/** A device failure as the JSON-RPC error the client sees. */
export function deviceRpcError(e: unknown, doing: string): RpcError | undefined {
  const confirm = confirmFailure(e);
  if (confirm) {
    return new RpcError(CONFIRM_ERROR_CODES[confirm], `${doing}: ${confirmFailureMessage(confirm)}`);
  }
  if (e instanceof DeviceError) return new RpcError(ErrorCode.DEVICE_REFUSED, `${doing}: ${deviceFailureMessage(e, '')}`);
  if (e instanceof TransportError) return new RpcError(ErrorCode.LIGHTNINGD, `${doing}: the signing device did not answer: ${e.message}`);
  return undefined;
}

/** Runs a device call, turning device failures into their JSON-RPC errors. */
export async function onDevice<T>(doing: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw deviceRpcError(e, doing) ?? e;
  }
}
