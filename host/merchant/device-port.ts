// The one place the merchant flow talks to the device's issue-11 requests
// (DESIGN: offer_create 0x22, sign_invoice 0x23, release_preimage 0x24,
// payment_hash 0x25). The daemon's SerialDeviceSigner implements this port
// over DeviceClient (host/daemon/serial-device.ts); a test's in-process
// stand-in may be set on the context instead (TEST-ONLY, --developer).
import { ErrorCode, RpcError } from '../rpc/errors.js';
import type { CommandContext } from '../commands/context.js';

/** One invoice path's proof for sign_invoice: e0 and the clear node ids, introduction first. */
export interface InvoicePathProof {
  e0: Uint8Array;
  nodeIds: Uint8Array[];
}

export interface SignInvoiceRequest {
  /** The invoice_request's signature (its record 240). */
  invreqSignature: Uint8Array;
  paths: InvoicePathProof[];
  /** The complete unsigned invoice TLV stream (no types ≥ 240). */
  invoice: Uint8Array;
}

export interface SignedInvoice {
  signature: Uint8Array;
  merkleRoot: Uint8Array;
  /** 0 node key, 2 offer issuer key. */
  keyKind: number;
  publicKey: Uint8Array;
}

/** A refusal naming the design's sign_invoice / release_preimage rule. */
export class DeviceRuleError extends Error {
  /** `sentence`: the device client's own wording of the rule (InvoiceRuleError.sentence). */
  constructor(readonly rule: number, readonly type?: number, sentence?: string) {
    super(`device refused: ${sentence ?? `${RULE_TEXT[rule] ?? `rule ${rule}`}${type === undefined ? '' : ` (type ${type})`}`}`);
    this.name = 'DeviceRuleError';
  }
}

/** The design's rule numbers, as sentences. */
export const RULE_TEXT: Record<number, string> = {
  1: 'the invoice does not parse strictly',
  2: 'the invoice_request signature does not verify',
  3: 'offer_metadata is not a MAC of this device',
  4: 'offer_issuer_id / invoice_node_id is not our key',
  5: 'invoice_payment_hash is not the device-derived one',
  6: 'invoice_amount does not obey the offer',
  7: 'recurrence fields do not obey the offer',
  8: 'created_at or expiry out of range',
  9: 'invoice paths do not match their proofs or do not end at our node with our path_id',
  10: 'amount received out of range',
  11: 'invoice expired',
  12: 'a bare invoice_request (no offer) with offer_chains / offer_features / offer_quantity_max or without invreq_amount',
};

export interface MerchantDevicePort {
  /** offer_create: `flags` bit 0 = device-key; the stream without types 4 and 22. Returns the complete offer stream. */
  offerCreate(flags: number, offerTlv: Uint8Array): Promise<Uint8Array>;
  /**
   * The payment hash and path_id the device will require for the invoice
   * answering the payer's signed invoice_request stream `signedInvreq` (with
   * its signature 240): the device's payment_hash request (0x25) checks the
   * payer's signature and the offer's MAC first (design: preimage =
   * HMAC(preimage_key, invreq merkle root), hash = SHA256(preimage),
   * path_id = HMAC(path_id_key, hash)).
   */
  invoiceIds(signedInvreq: Uint8Array): Promise<{ paymentHash: Uint8Array; pathId: Uint8Array }>;
  signInvoice(req: SignInvoiceRequest): Promise<SignedInvoice>;
  /** release_preimage: amount received and the signed invoice stream; the 32-byte preimage. */
  releasePreimage(amountReceivedMsat: bigint, signedInvoice: Uint8Array): Promise<Uint8Array>;
}

/** The port for the daemon's device: a test stand-in on the context, or the signer's own methods. */
export function merchantPort(ctx: CommandContext): MerchantDevicePort {
  if (ctx.merchantDevice) return ctx.merchantDevice;
  const signer = ctx.device?.signer as unknown as Partial<MerchantDevicePort> | undefined;
  if (!ctx.device) {
    throw new RpcError(ErrorCode.LIGHTNINGD, `${ctx.deviceProblem ?? 'No signing device connected'}: offers and invoices are made on the device`);
  }
  if (!signer?.offerCreate || !signer.signInvoice || !signer.releasePreimage || !signer.invoiceIds) {
    throw new RpcError(ErrorCode.LIGHTNINGD, 'The signing device cannot create offers or sign invoices (firmware without offer_create / sign_invoice)');
  }
  return signer as MerchantDevicePort;
}

const NODE_IDS = new WeakMap<object, Promise<Uint8Array>>();

/**
 * The node invoices and offer paths lead to: lightningd's own id when we run
 * beside one (getinfo, asked once), else the device's node id. With node keys
 * both are the same node.
 */
export function ourNodeId(ctx: CommandContext): Promise<Uint8Array> {
  const l = ctx.lightning;
  const fromDevice = async () => {
    if (!ctx.device) throw new RpcError(ErrorCode.LIGHTNINGD, `${ctx.deviceProblem ?? 'No signing device connected'}: our node id`);
    return ctx.device.info.nodeId;
  };
  if (!l) return fromDevice();
  let p = NODE_IDS.get(l);
  if (!p) {
    p = l.getinfo().then((i) => Uint8Array.from(Buffer.from(i.id, 'hex')));
    NODE_IDS.set(l, p);
    p.catch(() => NODE_IDS.delete(l));
  }
  return p.catch(fromDevice);
}

/**
 * TEST-ONLY crash points (--developer): LNSIGNER_DEV_CRASH=<where> kills the
 * process there, to prove a restart loses nothing and settles nothing twice
 * (merchant-before-reply, merchant-before-paid-record, merchant-after-paid-record).
 */
export function devCrash(ctx: Pick<CommandContext, 'developer'>, where: string): void {
  if (ctx.developer && process.env.LNSIGNER_DEV_CRASH === where) process.kill(process.pid, 'SIGKILL');
}
