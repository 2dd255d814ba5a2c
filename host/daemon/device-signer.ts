// What the daemon needs from the signing device. The serial client in
// host/device-client/ implements this; the daemon only ever talks to this interface.
// Trust boundary (docs/design): the device computes the merkle root of the
// whole TLV stream it is given, picks the key itself and returns a BIP-340
// signature, which the host verifies before storing or returning anything.
import type { ConfirmOptions, PolicyLimits, PolicyState } from '../device-admin/confirm-adapter.js';

export interface DeviceInfo {
  /** 33-byte compressed node public key. */
  nodeId: Uint8Array;
  /** Network the device's policy is set for, when it reports one. */
  network?: string;
  firmwareVersion: string;
  /** Hex SHA-256 of the running firmware image. */
  imageHash: string;
  /** Hex device id (16 random bytes drawn at provisioning), when reported. */
  deviceId?: string;
}

/** How the daemon watches the link to its device (host/daemon/device-link.ts). */
export interface ConnectOptions {
  /** Runs with the device's get_info on every connect and reconnect, before any
   *  other request goes through; throwing refuses the device (the request that
   *  caused the connect fails with that error, and the port is closed). */
  verify?: (path: string, found: { nodeId: string | null; deviceId: string }) => void;
  /** Connection events, for the log. */
  onEvent?: (e: LinkEvent) => void;
  /** Where "confirm on the device" goes while a request waits for the press. */
  log?: { info(m: string): void };
}

export type LinkEvent =
  | { kind: 'connect'; path: string; device: string }
  | { kind: 'reconnect'; path: string; device: string }
  | { kind: 'disconnect'; path: string; cause?: unknown };

export interface SignBolt12Request {
  /** BOLT 12 message name for the signature tag, e.g. `invoice_request` or `invoice`. */
  messageName: 'invoice_request' | 'invoice';
  /** Signature field name for the tag (always `signature` today). */
  fieldName: 'signature';
  /** The TLV stream to sign, without a signature record. */
  tlv: Uint8Array;
  /** Payer-key tweak input (invreq_metadata); absent: sign with the node key. */
  tweak?: Uint8Array;
}

/** createonion semantics (cln-rpc-digest §6): payloads carry their BigSize length. */
export interface BuildOnionRequest {
  hops: { pubkey: Uint8Array; payload: Uint8Array }[];
  /** Associated data: the payment hash. */
  assocData: Uint8Array;
  /** Given: deterministic onion (createonion session_key); absent: the device picks it. */
  sessionKey?: Uint8Array;
  /** hop_payloads size (default 1300). */
  onionSize?: number;
  /** sendpay: the part (the device's spend log counts a resent part once). */
  partId?: bigint;
  /** HTLC amount offered to the first hop (the device's policy checks the fee);
   *  absent: the largest amt_to_forward in the payloads (createonion). */
  firstHopAmountMsat?: bigint;
  /** Told when the device waits for a press (a payment above its confirmation threshold). */
  onConfirm?: ConfirmOptions['onConfirm'];
}

export interface BuiltOnion {
  onion: Uint8Array;
  /** One per hop, in route order: what decodes a failure onion. */
  sharedSecrets: Uint8Array[];
}

export interface DeviceSigner {
  getInfo(): Promise<DeviceInfo>;
  /** The device builds a payment onion (absent: firmware without build_onion). */
  buildOnion?(req: BuildOnionRequest): Promise<BuiltOnion>;
  /** Core Lightning's createonion on the device: any assocdata and onion_size,
   *  payloads with their length prefix, no spending policy (absent: older firmware client). */
  createOnion?(req: BuildOnionRequest): Promise<BuiltOnion>;
  /** Returns the 64-byte BIP-340 signature. */
  signBolt12(req: SignBolt12Request): Promise<Uint8Array>;
  /** The device's spending policy (absent: a signer without policy requests). */
  getPolicy?(): Promise<PolicyState>;
  /** Replaces every limit; the device may wait for a press (opts.onConfirm). */
  setPolicy?(limits: PolicyLimits, opts?: ConfirmOptions): Promise<PolicyState>;
  /** The offer ids paid without a press (allowlist, issue 12; absent: older device client). */
  allowlist?(): Promise<Uint8Array[]>;
  /** Adds an offer id; the device waits for the press (opts.onConfirm). Resolves to the list. */
  allowOffer?(offerId: Uint8Array, opts?: ConfirmOptions): Promise<Uint8Array[]>;
  /** Removes an offer id (immediate). Resolves to the list. */
  disallowOffer?(offerId: Uint8Array): Promise<Uint8Array[]>;
  /** The merchant requests (host/merchant/device-port.ts MerchantDevicePort; absent: firmware client without them). */
  offerCreate?(flags: number, offerTlv: Uint8Array): Promise<Uint8Array>;
  invoiceIds?(signedInvreq: Uint8Array): Promise<{ paymentHash: Uint8Array; pathId: Uint8Array }>;
  signInvoice?(req: import('../merchant/device-port.js').SignInvoiceRequest): Promise<import('../merchant/device-port.js').SignedInvoice>;
  releasePreimage?(amountReceivedMsat: bigint, signedInvoice: Uint8Array): Promise<Uint8Array>;
  /** pay_invoice (issue 12): one part of a BOLT 12 payment, bound on the
   *  device to an invoice answering a request it signed (absent: firmware
   *  client without it). Hop payloads carry their BigSize length prefix. */
  payInvoice?(p: import('../device-client/payer-requests.js').PayInvoicePart & { onConfirm?: ConfirmOptions['onConfirm'] }): Promise<import('../device-client/payer-requests.js').BuiltPart>;
  /** pay_failed (issue 12): the part (the same fields given to payInvoice)
   *  and lightningd's onionreply; the device decodes and verifies the failure
   *  (it alone holds the shared secrets), releases the part's amount so a
   *  retry may use it, and returns the erring hop and failure message. */
  payFailed?(part: import('../device-client/payer-requests.js').PayInvoicePart, onionreply: Uint8Array): Promise<import('../device-client/payer-requests.js').PartFailure>;
  /** blinded_path (0x33): a blinded path for onion messages built on the device (fetchinvoice's reply path). */
  blindedPath?(req: import('../device-client/blinding-requests.js').BlindedPathRequest): Promise<import('../bolt12/subtypes.js').BlindedPath>;
  /** onion_message (0x34/0x35): an onion message whose first hop is our node (injectonionmessage's packet). */
  onionMessage?(req: import('../device-client/blinding-requests.js').OnionMessageRequest): Promise<{ pathKey: Uint8Array; packet: Uint8Array }>;
  /** BOLT 12 payer proof (issue 12): the device signs the proof of `unsigned`
   *  (host/bolt12/payer-proof.ts) with the payer key of its request, after its
   *  own checks; the reply is verified before it is returned (absent: firmware
   *  client without sign_payer_proof). */
  signPayerProof?(unsigned: import('../bolt12/payer-proof.js').UnsignedPayerProof): Promise<import('../device-client/proof-requests.js').PayerProofSignature>;
  /** payer_key (0x2A, issue 12): fetchinvoice's invreq_metadata and invreq_payer_id from the device (absent: older device client). */
  payerKey?(q: import('../device-client/payer-key-requests.js').PayerKeyQuery): Promise<import('../device-client/payer-key-requests.js').PayerKey>;
  close(): Promise<void>;
}

/** The device answered but has no node key yet (provision it first). */
export class DeviceNotProvisionedError extends Error {
  constructor() {
    super('the device is not provisioned (no node key yet)');
    this.name = 'DeviceNotProvisionedError';
  }
}
