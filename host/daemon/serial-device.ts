// DeviceSigner over the serial client of host/device-client/. get_info gives the node
// id, network, firmware version and image hash; sign_bolt12 goes to the
// client, which verifies every signature before it is returned.
import { hexToBytes } from '@noble/hashes/utils.js';
import * as P from '../../shared/protocol.js';
import { DeviceClient, InvoiceRuleError, SignatureVerificationError } from '../device-client/client.js';
import { DeviceRuleError, type MerchantDevicePort, type SignInvoiceRequest, type SignedInvoice } from '../merchant/device-port.js';
import { decodeInfo } from '../device-client/info.js';
import {
  allowOfferOnDevice, disallowOfferOnDevice, readAllowlist,
} from '../device-admin/confirm-adapter.js';
import type { BlindedPathRequest, OnionMessageRequest } from '../device-client/blinding-requests.js';
import type { BlindedPath } from '../bolt12/subtypes.js';
import { signPayerProofOn, type PayerProofSignature } from '../device-client/proof-requests.js';
import type { UnsignedPayerProof } from '../bolt12/payer-proof.js';
import type { PayerKey, PayerKeyQuery } from '../device-client/payer-key-requests.js';
import type { BuiltPart, PartFailure, PayInvoicePart } from '../device-client/payer-requests.js';
import { buildOnionOnDevice, readPolicy, writePolicy, type ConfirmOptions, type PolicyLimits, type PolicyState } from '../device-admin/confirm-adapter.js';
import {
  DeviceNotProvisionedError, type ConnectOptions, type BuildOnionRequest, type BuiltOnion, type DeviceInfo, type DeviceSigner, type SignBolt12Request,
} from './device-signer.js';

/** BigSize at `o`: [value, bytes used]. */
function bigsizeAt(b: Uint8Array, o: number): [number, number] {
  if (o >= b.length) throw new Error('truncated BigSize');
  const f = b[o];
  if (f < 0xfd) return [f, 1];
  if (f === 0xfd && o + 3 <= b.length) return [(b[o + 1] << 8) | b[o + 2], 3];
  if (f === 0xfe && o + 5 <= b.length) return [new DataView(b.buffer, b.byteOffset + o + 1, 4).getUint32(0), 5];
  throw new Error('BigSize too large for a payload');
}

/** A createonion payload (BigSize length ‖ TLV stream) without its length prefix. */
export function stripLength(payload: Uint8Array): Uint8Array {
  const [len, n] = bigsizeAt(payload, 0);
  if (n + len !== payload.length) throw new Error('payload is not prefixed with its length');
  return payload.slice(n);
}

/** amt_to_forward (TLV 2, tu64) of a payload TLV stream, 0 when absent. */
export function amtToForward(tlv: Uint8Array): bigint {
  for (let o = 0; o < tlv.length; ) {
    const [type, a] = bigsizeAt(tlv, o);
    const [len, b] = bigsizeAt(tlv, o + a);
    const v = tlv.subarray(o + a + b, o + a + b + len);
    if (type === 2) return v.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
    o += a + b + len;
  }
  return 0n;
}

/** InvoiceRuleError (the client's ERR_INVOICE_RULE) → the merchant port's DeviceRuleError, with the client's rule sentence. */
function asRuleError(e: unknown): never {
  if (e instanceof InvoiceRuleError) throw new DeviceRuleError(e.rule, e.type, e.sentence);
  throw e;
}

export class SerialDeviceSigner implements DeviceSigner, MerchantDevicePort {
  private constructor(private readonly client: DeviceClient) {}

  /** Opens the device at `path`; with `o.verify`, get_info is checked on this
   *  open and every reopen before anything else is sent (SerialTransport verify). */
  static async open(path: string, o: ConnectOptions = {}): Promise<SerialDeviceSigner> {
    const verify = o.verify;
    const client = await DeviceClient.open(path, {
      onConfirm: (i) => o.log?.info(`device ${path}: confirm on the device: ${i.text ?? i.request}`),
      verify: async (link) => {
        if (!verify) return;
        const i = decodeInfo(await link.request(P.MSG_GET_INFO));
        verify(path, { nodeId: i.provisioned ? i.nodeId : null, deviceId: i.deviceId });
        o.onEvent?.({ kind: link.reconnect ? 'reconnect' : 'connect', path, device: link.device });
      },
    });
    if (!verify) o.onEvent?.({ kind: 'connect', path, device: client.transport.device ?? path });
    client.transport.on('disconnect', (cause) => o.onEvent?.({ kind: 'disconnect', path, cause }));
    if (!verify) client.transport.on('reconnect', (device: string) => o.onEvent?.({ kind: 'reconnect', path, device }));
    return new SerialDeviceSigner(client);
  }

  async getInfo(): Promise<DeviceInfo> {
    const i = await this.client.getInfo();
    if (!i.provisioned || i.nodeId === null) throw new DeviceNotProvisionedError();
    return {
      nodeId: hexToBytes(i.nodeId),
      network: i.network === 'none' ? undefined : i.network,
      firmwareVersion: i.firmwareVersion,
      imageHash: i.imageHash,
      deviceId: i.deviceId,
    };
  }

  async signBolt12(req: SignBolt12Request): Promise<Uint8Array> {
    // The client verifies the signature against the host's own merkle root and
    // the key the stream names. The device picks the key; the daemon's
    // expectation (tweak = payer key of invreq_metadata, none = node key) must
    // agree with what it picked.
    if (req.fieldName !== 'signature') throw new Error(`the device signs only the "signature" field, not ${req.fieldName}`);
    const s = await this.client.signBolt12(req.messageName, req.tlv);
    const want = req.tweak && req.tweak.length > 0 ? 'payer' : 'node';
    if (s.keyKind !== want) throw new SignatureVerificationError(`the device signed with its ${s.keyKind} key, the daemon expected the ${want} key`);
    return s.signature;
  }

  /** build_onion (docs/protocol.md): the device derives the session key unless
   *  one is given, checks its spending policy and returns the packet and the
   *  shared secrets. The associated data is the 32-byte payment hash and the
   *  routing info is the standard 1300 bytes. */
  async buildOnion(req: BuildOnionRequest): Promise<BuiltOnion> {
    if (req.assocData.length !== 32) throw new Error('the device builds onions whose associated data is a 32-byte payment hash');
    if ((req.onionSize ?? 1300) !== 1300) throw new Error('the device builds 1300-byte payment onions only');
    const hops = req.hops.map((h) => ({ pubkey: h.pubkey, payload: stripLength(h.payload) }));
    const first = req.firstHopAmountMsat ?? hops.reduce((m, h) => { const a = amtToForward(h.payload); return a > m ? a : m; }, 0n);
    return buildOnionOnDevice(this.client, {
      hops, paymentHash: req.assocData, partId: req.partId ?? 0n, firstHopAmountMsat: first, sessionKey: req.sessionKey,
    }, { onConfirm: req.onConfirm });
  }

  /** build_onion in createonion mode (docs/protocol.md): CLN's createonion
   *  parameters as given; a session key is drawn by the client when absent. */
  createOnion(req: BuildOnionRequest): Promise<BuiltOnion> {
    return this.client.createOnion({ hops: req.hops, assocData: req.assocData, sessionKey: req.sessionKey, onionSize: req.onionSize });
  }

  /** get_policy / set_policy through host/device-admin/confirm-adapter.ts. */
  getPolicy(): Promise<PolicyState> {
    return readPolicy(this.client);
  }

  setPolicy(limits: PolicyLimits, opts?: ConfirmOptions): Promise<PolicyState> {
    return writePolicy(this.client, limits, opts);
  }

  /** allowlist (issue 12) through host/device-admin/confirm-adapter.ts. */
  allowlist(): Promise<Uint8Array[]> {
    return readAllowlist(this.client);
  }

  allowOffer(offerId: Uint8Array, opts?: ConfirmOptions): Promise<Uint8Array[]> {
    return allowOfferOnDevice(this.client, offerId, opts);
  }

  disallowOffer(offerId: Uint8Array): Promise<Uint8Array[]> {
    return disallowOfferOnDevice(this.client, offerId);
  }

  // ---- the merchant port (host/merchant/device-port.ts) over the device's
  // offer_create / payment_hash / sign_invoice / release_preimage. The client
  // re-checks every reply with @noble (host/device-client/merchant-requests.ts).

  /** offer_create: flags bit 0 = device-key; the offer stream without types 4 and 22. */
  async offerCreate(flags: number, offerTlv: Uint8Array): Promise<Uint8Array> {
    const r = await this.client.offerCreate({ deviceKey: (flags & P.OFFER_FLAG_DEVICE_KEY) !== 0, offerTlv }).catch(asRuleError);
    return r.offerTlv;
  }

  /** payment_hash (0x25): the invoice's payment hash and path_id for the payer's signed request. */
  invoiceIds(signedInvreq: Uint8Array): Promise<{ paymentHash: Uint8Array; pathId: Uint8Array }> {
    return this.client.paymentHash(signedInvreq).catch(asRuleError);
  }

  async signInvoice(req: SignInvoiceRequest): Promise<SignedInvoice> {
    const s = await this.client.signInvoice({ invreqSignature: req.invreqSignature, proofs: req.paths, invoiceTlv: req.invoice }).catch(asRuleError);
    return { signature: s.signature, merkleRoot: s.merkleRoot, keyKind: s.keyKind === 'node' ? P.SIGN_KEY_NODE : P.SIGN_KEY_ISSUER, publicKey: s.publicKey };
  }

  releasePreimage(amountReceivedMsat: bigint, signedInvoice: Uint8Array): Promise<Uint8Array> {
    return this.client.releasePreimage({ amountMsat: amountReceivedMsat, invoiceTlv: signedInvoice }).catch(asRuleError);
  }

  // ---- the payer requests (issue 12): pay_invoice / pay_failed; the client
  // checks the replies (host/device-client/payer-requests.ts).

  payInvoice(p: PayInvoicePart & { onConfirm?: ConfirmOptions['onConfirm'] }): Promise<BuiltPart> {
    const { onConfirm, ...part } = p;
    return this.client.payInvoice(part, { onConfirm });
  }

  payFailed(part: PayInvoicePart, onionreply: Uint8Array): Promise<PartFailure> {
    return this.client.payFailed(part, onionreply);
  }

  // ---- the payer flow (host/payer/): fetchinvoice's reply path and onion message.

  /** blinded_path (0x33); the client checks the reply is the path asked for. */
  async blindedPath(req: BlindedPathRequest): Promise<BlindedPath> {
    const { encoded: _e, ...path } = await this.client.blindedPath(req);
    return path;
  }

  /** onion_message (0x34), read out with onion_message_read (0x35). */
  onionMessage(req: OnionMessageRequest): Promise<{ pathKey: Uint8Array; packet: Uint8Array }> {
    return this.client.onionMessage(req);
  }

  /** sign_payer_proof (0x29): checked by host/device-client/proof-requests.ts. */
  signPayerProof(unsigned: UnsignedPayerProof): Promise<PayerProofSignature> {
    return signPayerProofOn(this.client.transport, unsigned);
  }

  /** payer_key (0x2A): the payer id (and a recurring series' metadata) from the device; the client checks the key is a point. */
  payerKey(q: PayerKeyQuery): Promise<PayerKey> {
    return this.client.payerKey(q);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export const connectSerialDevice = (path: string, o?: ConnectOptions): Promise<DeviceSigner> => SerialDeviceSigner.open(path, o);
