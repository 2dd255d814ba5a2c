// Errors of the serial transport. Each says what happened and whether the
// request may have run on the device, so callers can decide what to do.
import * as P from '../../shared/protocol.js';
import type { PortHolder } from './holders.js';
import { explainDeviceStatus } from '../device-client/explain.js';

/** Name of an ERR_* status code ("ERR_FRAME_CRC"), or its number in hex. */
export function statusName(code: number): string {
  for (const [k, v] of Object.entries(P)) if (k.startsWith('ERR_') && v === code && k !== 'ERR_FRAME_LAST') return k;
  return `status 0x${code.toString(16).padStart(2, '0')}`;
}

/** Name of a MSG_* type ("MSG_PING"), or its number in hex. */
export function typeName(type: number): string {
  for (const [k, v] of Object.entries(P)) if (k.startsWith('MSG_') && v === type && k !== 'MSG_REPLY') return k;
  if (type & P.MSG_REPLY) {
    const req = typeName(type & ~P.MSG_REPLY);
    if (req.startsWith('MSG_')) return `${req} reply`;
  }
  return `type 0x${type.toString(16).padStart(2, '0')}`;
}

export class TransportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No device at the path (never there, or unplugged and not back). */
export class DeviceNotFoundError extends TransportError {}
/** Another process holds the port (exclusive lock) or the OS says it is busy;
 *  `holders` names it when /proc could tell (host/transport/holders.ts). */
export class DeviceBusyError extends TransportError {
  readonly holders: PortHolder[];
  constructor(message: string, options?: { cause?: unknown; holders?: PortHolder[] }) {
    super(message, options);
    this.holders = options?.holders ?? [];
  }
}
/** No permission to open the port. */
export class DevicePermissionError extends TransportError {}
/** The device vanished (port closed under us) and did not come back in time. */
export class DeviceGoneError extends TransportError {}
/** The transport was closed by its owner. */
export class TransportClosedError extends TransportError {}

/** No reply in time. For a request that is not idempotent the outcome is unknown. */
export class RequestTimeoutError extends TransportError {}
/** The device restarted while the request was outstanding; outcome unknown. */
export class DeviceResetError extends TransportError {}
/** The device threw the request frame away as damaged: it did not run. */
export class FrameRejectedError extends TransportError {
  constructor(message: string, readonly status: number, readonly discarded: number) {
    super(message);
  }
}

/** The device received the request intact and refused it (ERR_* >= 0x10). */
export class DeviceError extends TransportError {
  constructor(readonly status: number, readonly requestType: number, readonly detail: number) {
    // The status name (for logs and searches), then what it means and where (host/device-client/explain.ts).
    super(`device refused ${typeName(requestType)}: ${statusName(status)}: ${explainDeviceStatus(status, detail)}`);
  }
}
