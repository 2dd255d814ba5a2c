// Builds, signs (on the device), verifies and stores one invoice_request: the
// common part of `invoicerequest` and `offerout` (cln-rpc-digest §1.7, §4).
//
// CLN (§4.1): invreq_metadata = 16 random bytes, invreq_payer_id = our node
// id, so the request is signed with the plain node key (device key policy:
// payer id == node id => node key; docs/protocol.md). The TLVs are written by
// the codec (host/bolt12); the host only ever verifies.
import { randomBytes } from 'node:crypto';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import {
  Bolt12SignatureError, encodeBolt12String, encodeInvoiceRequest, invreqId, parseInvoiceRequest,
  type InvoiceRequestFields,
} from '../bolt12/index.js';
import { GENESIS_WIRE_HEX } from '../daemon/network.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';
import type { InvoiceRequestRecord } from '../store/index.js';
import { requireDevice, type CommandContext } from './context.js';

/** CLN: invreq_metadata is 16 random bytes. */
export const INVREQ_METADATA_BYTES = 16;

export interface InvoiceRequestParams {
  amountMsat: bigint;
  description?: string;
  issuer?: string;
  absoluteExpiry?: bigint;
  label?: string;
  singleUse: boolean;
  /** offerout refund_for: compressed payer key later invoices must be signed by. */
  refundPayerKey?: Uint8Array;
  /** Developer mode only: fixed invreq_metadata (reproduces CLN's examples). */
  metadata?: Uint8Array;
}

/** The device answered, but its signature does not verify: nothing is stored. */
export const BAD_DEVICE_SIGNATURE = "The signing device returned a signature that does not verify; the invoice_request was not created";

export async function createInvoiceRequest(ctx: CommandContext, p: InvoiceRequestParams): Promise<InvoiceRequestRecord> {
  const device = requireDevice(ctx, 'the invoice_request must be signed by it');
  const nodeId = device.info.nodeId;
  const metadata = p.metadata ?? (ctx.randomBytes ?? ((n) => new Uint8Array(randomBytes(n))))(INVREQ_METADATA_BYTES);

  const fields: InvoiceRequestFields = {
    invreq_metadata: metadata,
    offer_description: p.description,
    offer_issuer: p.issuer,
    offer_absolute_expiry: p.absoluteExpiry,
    // CLN: invreq_chain only off mainnet (our genesis, wire order).
    invreq_chain: ctx.network === 'bitcoin' ? undefined : hexToBytes(GENESIS_WIRE_HEX[ctx.network]),
    invreq_amount: p.amountMsat,
    // CLN §4.1: the payer id is the node id (no alias), signed with the node key.
    invreq_payer_id: nodeId,
  };
  for (const k of Object.keys(fields) as (keyof InvoiceRequestFields)[]) if (fields[k] === undefined) delete fields[k];
  const unsigned = encodeInvoiceRequest(fields);

  let signature: Uint8Array;
  try {
    signature = await device.signer.signBolt12({ messageName: 'invoice_request', fieldName: 'signature', tlv: unsigned });
  } catch (e) {
    ctx.log.warn(`invoicerequest: device signing failed: ${(e as Error).message}`);
    // CLN's catch-all for a failed createinvoicerequest.
    throw new RpcError(ErrorCode.LIGHTNINGD, `Could not create invoice_request! The signing device: ${(e as Error).message}`);
  }
  if (signature.length !== 64) {
    ctx.log.error(`invoicerequest: device returned a ${signature.length}-byte signature`);
    throw new RpcError(ErrorCode.LIGHTNINGD, BAD_DEVICE_SIGNATURE);
  }
  const signed = encodeInvoiceRequest({ ...fields, signature });
  // Issue rule 3: verified here, with @noble/secp256k1, before anything is
  // stored — as part of every reader rule our own decoder applies to what we
  // are about to hand out (the signature is checked against invreq_payer_id,
  // which we set to our node id above).
  try {
    parseInvoiceRequest(signed);
  } catch (e) {
    if (!(e instanceof Bolt12SignatureError)) throw e;
    ctx.log.error(`invoicerequest: device signature ${bytesToHex(signature)} does not verify for ${bytesToHex(nodeId)}`);
    throw new RpcError(ErrorCode.LIGHTNINGD, BAD_DEVICE_SIGNATURE);
  }

  const id = bytesToHex(invreqId(unsigned));
  if (ctx.store.invoiceRequests.get(id)) {
    // Only possible with a repeated dev metadata: the same request twice.
    throw new RpcError(ErrorCode.LIGHTNINGD, 'Could not create invoice_request! It already exists');
  }
  // Committed (synchronous=FULL) before the result is returned.
  const record = ctx.store.invoiceRequests.create({
    invreqId: id,
    bolt12: encodeBolt12String('lnr', signed),
    label: p.label,
    singleUse: p.singleUse,
    refundPayerKey: p.refundPayerKey && bytesToHex(p.refundPayerKey),
  });
  ctx.log.info(`invoice_request created: ${id} for ${p.amountMsat} msat${p.singleUse ? ', single use' : ''}`);
  return record;
}

/** Hidden developer parameter: 32 hex digits of invreq_metadata. */
export function devMetadata(ctx: CommandContext, hex: string | undefined, name = 'dev_invreq_metadata'): Uint8Array | undefined {
  if (hex === undefined) return undefined;
  if (!ctx.developer) {
    // Without --developer the parameter does not exist (CLN's dev_ parameters).
    throw new RpcError(
      ErrorCode.INVALID_PARAMS,
      `unknown parameter: ${name}, this may be caused by a failure to autodetect key=value-style parameters. ` +
        'Please try using the -k flag and explicit key=value pairs of parameters.',
    );
  }
  return hexToBytes(hex);
}
