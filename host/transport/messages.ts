// Payloads the transport itself must read: the ERROR reply and the boot event
// (layouts in shared/protocol.ts).
import * as P from '../../shared/protocol.js';

export interface ErrorReply {
  code: number;
  refType: number;
  discarded: number;
  detail: number;
}

export interface BootEvent {
  reason: number;
  protoVersion: number;
  bootCount: number;
  session: number;
}

function view(p: Uint8Array): DataView {
  return new DataView(p.buffer, p.byteOffset, p.length);
}

/** Undefined when the payload is too short to be one (a newer device may append). */
export function decodeError(p: Uint8Array): ErrorReply | undefined {
  if (p.length < P.ERROR_SIZE) return undefined;
  const v = view(p);
  return {
    code: p[P.ERROR_OFF_CODE],
    refType: p[P.ERROR_OFF_TYPE],
    discarded: v.getUint32(P.ERROR_OFF_DISCARDED, true),
    detail: v.getUint32(P.ERROR_OFF_DETAIL, true),
  };
}

export function decodeBoot(p: Uint8Array): BootEvent | undefined {
  if (p.length < P.BOOT_EVT_SIZE) return undefined;
  const v = view(p);
  return {
    reason: p[P.BOOT_EVT_OFF_REASON],
    protoVersion: p[P.BOOT_EVT_OFF_PROTO],
    bootCount: v.getUint32(P.BOOT_EVT_OFF_COUNT, true),
    session: v.getUint32(P.BOOT_EVT_OFF_SESSION, true),
  };
}
