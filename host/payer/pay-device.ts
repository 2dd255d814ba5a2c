// The device side of `pay` (DESIGN-issue12 "Host contracts"): MSG_PAY_INVOICE
// builds each part's onion for an invoice the device checks itself (the
// reply is the onion and a part ref: the shared secrets never leave the
// device), and MSG_PAY_FAILED — the same pay_invoice fields plus the node's
// onionreply — decodes the failure on the device and releases the part. The wrappers
// live in host/device-client/payer-requests.ts and DeviceSigner.payInvoice /
// payFailed; a signer without them cannot pay BOLT 12 invoices.
import { ErrorCode, RpcError } from '../rpc/errors.js';
import { ONION_PACKET_LEN } from '../onion/sphinx.js';
import type { DeviceSigner } from '../daemon/device-signer.js';

import type { BuiltPart, PartFailure, PayInvoicePart } from '../device-client/payer-requests.js';
export type { BuiltPart, PartFailure, PayInvoicePart };

export interface PayDevice {
  payInvoice(p: PayInvoicePart & { onConfirm?: (info: { request: string; text?: string }) => void }): Promise<BuiltPart>;
  payFailed(part: PayInvoicePart, onionreply: Uint8Array): Promise<PartFailure>;
}

/** The signer's pay requests, or CLN's catch-all error when its client has none. */
export function payDeviceOf(signer: DeviceSigner): PayDevice {
  const s = signer as DeviceSigner & Partial<PayDevice>;
  if (typeof s.payInvoice !== 'function' || typeof s.payFailed !== 'function') {
    throw new RpcError(ErrorCode.LIGHTNINGD, 'The signing device cannot pay BOLT 12 invoices (firmware or client without pay_invoice)');
  }
  return { payInvoice: s.payInvoice.bind(s), payFailed: s.payFailed.bind(s) };
}

/** The host checks what it can of the device's reply (onion size and version, part ref). */
export function checkBuiltPart(b: BuiltPart): BuiltPart {
  if (b.onion.length !== ONION_PACKET_LEN || b.onion[0] !== 0) throw new RpcError(ErrorCode.LIGHTNINGD, `The signing device returned an onion of ${b.onion.length} bytes`);
  if (b.partRef.length !== 16) throw new RpcError(ErrorCode.LIGHTNINGD, `The signing device returned a part ref of ${b.partRef.length} bytes`);
  return b;
}
