// JSON-RPC error objects and the error codes Core Lightning uses for the
// commands we implement (common/jsonrpc_errors.h; cln-rpc-digest §1.20).
import { cut } from './cut.js';

export const ErrorCode = {
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  /** CLN's generic "LIGHTNINGD" catch-all. */
  LIGHTNINGD: -1,
  /** Shutting down. */
  SHUTTING_DOWN: -5,
  OFFER_ALREADY_EXISTS: 1000,
  OFFER_ALREADY_DISABLED: 1001,
  /** fetchinvoice / cancelrecurringinvoice (cln-rpc-digest §1.11, §1.20). */
  OFFER_EXPIRED: 1002,
  OFFER_ROUTE_NOT_FOUND: 1003,
  OFFER_BAD_INVREQ_REPLY: 1004,
  OFFER_TIMEOUT: 1005,
  OFFER_ALREADY_ENABLED: 1006,
  OFFER_USED_SINGLE_USE: 1007,
  // lnsigner's own block for its signing device (no Core Lightning command we
  // mirror uses 2100..2199): docs/host/daemon.md "Device errors".
  /** The device refused the request (message names its status). */
  DEVICE_REFUSED: 2100,
  /** The user pressed deny on the device: nothing changed. */
  DEVICE_CONFIRM_DENIED: 2101,
  /** The device's prompt timed out: nothing changed. */
  DEVICE_CONFIRM_TIMEOUT: 2102,
  /** Another request is waiting for a press on the device: try later. */
  DEVICE_CONFIRM_BUSY: 2103,
  /** The device's firmware cannot do what was asked (e.g. a confirmation threshold). */
  DEVICE_UNSUPPORTED: 2104,
} as const;

/** An error that becomes the JSON-RPC `error` member as is. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }

  toJSON(): { code: number; message: string; data?: unknown } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/**
 * A parameter failed validation. The server turns it into CLN's
 * `NAME: REASON: invalid token ...` message (see badParamMessage).
 */
export class BadParamError extends Error {
  constructor(
    readonly param: string,
    readonly reason: string,
    /** Raw JSON text of the offending token, if there is one. */
    readonly token?: string,
  ) {
    super(`${param}: ${reason}`);
    this.name = 'BadParamError';
  }
}

/**
 * CLN (common/json_command.h command_fail_badparam): `NAME: REASON: invalid
 * token (see logs for details)`; in developer mode the token is echoed:
 * `NAME: REASON: invalid token 'TOKEN'` (cut to MAX_ECHO_CHARS, host/rpc/cut.ts).
 */
export function badParamMessage(e: BadParamError, developer: boolean): string {
  if (developer && e.token !== undefined) return `${e.param}: ${e.reason}: invalid token '${cut(e.token)}'`;
  return `${e.param}: ${e.reason}: invalid token (see logs for details)`;
}

export const invalidParams = (message: string, data?: unknown) =>
  new RpcError(ErrorCode.INVALID_PARAMS, message, data);
