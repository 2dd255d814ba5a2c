// Typed client of the signer: one method per request of shared/protocol.ts.
// Firmware update adds its methods here when its firmware handlers exist.
import { randomBytes } from 'node:crypto';
import * as P from '../../shared/protocol.js';
import { SerialTransport, type TransportOptions } from '../transport/serial.js';
import { DeviceError, TransportError } from '../transport/errors.js';
import { decodeInfo, type DeviceInfo } from './info.js';
import {
  encodeProvision, encodeSignBolt12, verifySignBolt12Reply, type Bolt12MessageName, type Bolt12Signature,
  type ProvisionRequest,
} from './requests.js';
import {
  decodeBuildOnionReply, decodeCreateOnionReply, decodePolicy, encodeBuildOnion, encodeCreateOnion, type CreateOnionRequest, encodeSetPolicy, type BuildOnionRequest, type BuiltOnion,
  type DevicePolicy, type SpendingLimits,
} from './requests.js';

export type { Bolt12MessageName, Bolt12Signature, ProvisionRequest } from './requests.js';
export { SignatureVerificationError } from './requests.js';
export type { CreateOnionRequest } from './requests.js';
export type { BuildOnionHop, BuildOnionRequest, BuiltOnion, DevicePolicy, SpendingLimits } from './requests.js';
import {
  decodeOnionMessageReply, encodeBlindedPathRequest, encodeOnionMessageRead,
  encodeOnionMessageRequest, type BlindedPathRequest, type OnionMessageRequest,
} from './blinding-requests.js';
import { decodeBlindedPath } from '../blinding/path.js';
import type { BlindedPath } from '../bolt12/subtypes.js';
export type { DevicePathHop, BlindedPathRequest, OnionMessageRequest } from './blinding-requests.js';
export type { BlindedPath } from '../bolt12/subtypes.js';
import {
  decodePaymentHashReply, type InvoiceHashes,
  encodeOfferCreate, encodeReleasePreimage, encodeSignInvoice, verifyOfferCreateReply, verifyPreimage, verifySignInvoiceReply,
  type CreatedOffer, type InvoiceSignature, type OfferCreateRequest, type ReleasePreimageRequest, type SignInvoiceRequest,
} from './merchant-requests.js';
import { withRuleSentence } from './merchant-rules.js';
import {
  decodePayFailedReply, decodePayInvoiceReply, encodePayFailed, encodePayInvoice, type BuiltPart, type PartFailure, type PayInvoicePart,
} from './payer-requests.js';
import { decodeAllowlist, encodeAllowlist } from './allowlist-requests.js';
import { decodePayerKeyReply, encodePayerKey, type PayerKey, type PayerKeyQuery } from './payer-key-requests.js';
export type { PayerKey, PayerKeyQuery } from './payer-key-requests.js';
export type {
  CreatedOffer, InvoiceHashes, InvoiceSignature, OfferCreateRequest, PathProof, ReleasePreimageRequest, SignInvoiceRequest,
} from './merchant-requests.js';
export { InvoiceRuleError, ruleSentence } from './merchant-rules.js';

/** An onion message built by the device: the onion_message's path_key and packet. */
export interface DeviceOnionMessage {
  pathKey: Uint8Array;
  /** onion_message_packet: 1366 or 32834 bytes. */
  packet: Uint8Array;
}

/** A random valid secp256k1 secret key (createonion without session_key). */
function newSessionKey(): Uint8Array {
  for (;;) {
    const k = Uint8Array.from(randomBytes(32));
    const v = BigInt('0x' + Buffer.from(k).toString('hex'));
    if (v > 0n && v < 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n) return k;
  }
}

const toBytes = (x: Uint8Array | string): Uint8Array =>
  typeof x === 'string' ? Uint8Array.from(Buffer.from(x, 'hex')) : x;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What waits for the user's press (docs/protocol.md "Confirmation"). */
export interface ConfirmInfo {
  /** The request: 'provision', 'wipe', 'set_policy', 'build_onion', 'fw_begin'. */
  request: string;
  /** The host's description of it (the device shows its own text). */
  text?: string;
}

export interface ConfirmOptions {
  /** Called once per request when the device first answers
   *  ERR_CONFIRM_PENDING: tell the user to confirm on the device. */
  onConfirm?: (info: ConfirmInfo) => void;
  /** Poll interval while the device waits for the press (default 200 ms). */
  confirmPollMs?: number;
  /** Give up polling after this long (default 15 min; the board's own timeout
   *  normally ends the wait first, with ERR_CONFIRM_TIMEOUT). */
  confirmMaxMs?: number;
}

/** The device still waited for a press when the host stopped polling
 *  (confirmMaxMs): nothing was changed; the device keeps the prompt until its
 *  own timeout. */
export class ConfirmWaitError extends TransportError {}

export type DeviceClientOptions = ConfirmOptions;

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const limitText = (v: bigint | number | null | undefined) => (v === null || v === undefined ? 'none' : String(v));

export class DeviceClient {
  constructor(readonly transport: SerialTransport, readonly options: DeviceClientOptions = {}) {}

  static async open(path: string, options?: TransportOptions & DeviceClientOptions): Promise<DeviceClient> {
    return new DeviceClient(await SerialTransport.open(path, options), options);
  }

  /**
   * Sends a request that may need the user's press. While the device answers
   * ERR_CONFIRM_PENDING, calls onConfirm once and re-sends the identical
   * payload every confirmPollMs. Each poll is its own transport request, so
   * the port is free between polls: other requests (ping, get_info, signing)
   * are answered meanwhile. Denied / timed out / busy: DeviceError with
   * status ERR_CONFIRM_DENIED / ERR_CONFIRM_TIMEOUT / ERR_CONFIRM_BUSY;
   * nothing changed on the device.
   */
  async confirmed(type: number, payload: Uint8Array, info: ConfirmInfo, o: ConfirmOptions = {}): Promise<Uint8Array> {
    const onConfirm = o.onConfirm ?? this.options.onConfirm;
    const pollMs = o.confirmPollMs ?? this.options.confirmPollMs ?? 200;
    const maxMs = o.confirmMaxMs ?? this.options.confirmMaxMs ?? 15 * 60_000;
    const t0 = Date.now();
    let told = false;
    for (;;) {
      try {
        return await this.transport.request(type, payload);
      } catch (e) {
        if (!(e instanceof DeviceError) || e.status !== P.ERR_CONFIRM_PENDING) throw e;
        if (!told) {
          told = true;
          try {
            onConfirm?.(info);
          } catch {
            // Telling the user failed (a closed stream, a logger error): keep polling.
          }
        }
        if (Date.now() - t0 >= maxMs) {
          throw new ConfirmWaitError(`${info.request}: no answer on the device within ${Math.round(maxMs / 1000)} s; nothing was changed`);
        }
        await sleep(pollMs);
      }
    }
  }

  /** Round trip; resolves to the echoed payload. */
  ping(data: Uint8Array = new Uint8Array(0)): Promise<Uint8Array> {
    return this.transport.request(P.MSG_PING, data);
  }

  async getInfo(): Promise<DeviceInfo> {
    return decodeInfo(await this.transport.request(P.MSG_GET_INFO));
  }

  /** Gives the device its secret (once); resolves to the 33-byte node id.
   *  Refused with ERR_ALREADY_PROVISIONED on a provisioned device. */
  async provision(req: ProvisionRequest, o?: ConfirmOptions): Promise<{ nodeId: Uint8Array }> {
    const what = 'generate' in req ? 'generate a secret on the device' : 'import an hsm_secret';
    const r = await this.confirmed(P.MSG_PROVISION, encodeProvision(req), {
      request: 'provision', text: `provision (${what}, network ${req.network ?? 'bitcoin'})`,
    }, o);
    if (r.length < P.NODE_ID_SIZE) throw new Error(`provision reply of ${r.length} bytes`);
    return { nodeId: r.slice(0, P.NODE_ID_SIZE) };
  }

  /** Erases the device's secret; `nodeId` (bytes or hex) must be its node id
   *  (ERR_WIPE_CONFIRM otherwise); then the user confirms on the device. */
  async wipe(nodeId: Uint8Array | string, o?: ConfirmOptions): Promise<void> {
    const id = toBytes(nodeId);
    if (id.length !== P.WIPE_SIZE) throw new Error(`wipe needs the 33-byte node id, not ${id.length} bytes`);
    await this.confirmed(P.MSG_WIPE, id, { request: 'wipe', text: `wipe node ${hex(id)}` }, o);
  }

  /** Has the device sign a whole invoice_request or invoice TLV stream; the
   *  signature is verified here (host merkle root, key named by the stream,
   *  BIP-340) before it is returned — SignatureVerificationError otherwise. */
  async signBolt12(kind: Bolt12MessageName, tlvStream: Uint8Array): Promise<Bolt12Signature> {
    const r = await this.transport.request(P.MSG_SIGN_BOLT12, encodeSignBolt12(kind, 'signature', tlvStream));
    return verifySignBolt12Reply(kind, tlvStream, r);
  }

  /** Lightning ECDH with the node key: SHA-256 of the compressed shared point. */
  async ecdh(point: Uint8Array | string): Promise<Uint8Array> {
    const p = toBytes(point);
    if (p.length !== P.ECDH_POINT_SIZE) throw new Error(`ecdh needs a 33-byte compressed point, not ${p.length} bytes`);
    const r = await this.transport.request(P.MSG_ECDH, p);
    if (r.length < P.ECDH_REPLY_SIZE) throw new Error(`ecdh reply of ${r.length} bytes`);
    return r.slice(0, P.ECDH_REPLY_SIZE);
  }

  /** Builds a payment onion on the device (BOLT 4) for `req.hops`, checked
   *  against and recorded in the device's spending policy. Resending the same
   *  part (payment hash, partid, route) returns the same onion and counts once.
   *  Refusals: ERR_ONION_ROUTE, ERR_ONION_AMOUNT, ERR_POLICY (detail = limit). */
  async buildOnion(req: BuildOnionRequest, o?: ConfirmOptions): Promise<BuiltOnion> {
    // A payment above the policy's confirm_above_msat waits for the press.
    const r = await this.confirmed(P.MSG_BUILD_ONION, encodeBuildOnion(req), {
      request: 'build_onion',
      text: `payment ${hex(req.paymentHash)} part ${req.partId ?? 0}, ${req.firstHopAmountMsat} msat to the first hop`,
    }, o);
    return decodeBuildOnionReply(r, req.hops.length);
  }

  /** Core Lightning's createonion on the device (build_onion createonion
   *  mode): hops with length-prefixed payloads, any assocdata, onion_size;
   *  without a session key one is drawn here at random, as lightningd does.
   *  No policy applies (the caller holds the session key). */
  async createOnion(req: Omit<CreateOnionRequest, 'sessionKey'> & { sessionKey?: Uint8Array }): Promise<BuiltOnion> {
    const full: CreateOnionRequest = { ...req, sessionKey: req.sessionKey ?? newSessionKey() };
    const r = await this.transport.request(P.MSG_BUILD_ONION, encodeCreateOnion(full));
    return decodeCreateOnionReply(r, req.hops.length, req.onionSize ?? P.ONION_MAX_ROUTING);
  }

  /** The device's spending limits and 24-hour spend log state. */
  async getPolicy(): Promise<DevicePolicy> {
    return decodePolicy(await this.transport.request(P.MSG_GET_POLICY));
  }

  /** Replaces the spending limits (`null` = none). Tightening applies at once;
   *  loosening or removing any limit waits for the user's press. Resolves to
   *  the policy now stored. */
  async setPolicy(limits: SpendingLimits, o?: ConfirmOptions): Promise<DevicePolicy> {
    const l = limits;
    const bolt12 = l.payeeDailyMsat !== undefined || l.periodCapMsat !== undefined
      ? `, per payee daily ${limitText(l.payeeDailyMsat ?? null)}, recurring per period ${limitText(l.periodCapMsat ?? null)}` : '';
    const text = `set policy: max amount ${limitText(l.maxAmountMsat)}, max fee ${limitText(l.maxFeeMsat)} msat / ` +
      `${limitText(l.maxFeePpm)} ppm, daily ${limitText(l.dailyLimitMsat)}, confirm above ${limitText(l.confirmAboveMsat)}${bolt12}`;
    return decodePolicy(await this.confirmed(P.MSG_SET_POLICY, encodeSetPolicy(limits), { request: 'set_policy', text }, o));
  }

  /** The offer ids the device pays without a press (allowlist list). */
  async allowlist(): Promise<Uint8Array[]> {
    return decodeAllowlist(await this.transport.request(P.MSG_ALLOWLIST, encodeAllowlist('list')));
  }

  /** Adds an offer id to the allowlist: the device waits for the user's press
   *  (an id already listed changes nothing). Resolves to the list after it;
   *  ERR_REFUSED (detail REFUSED_ALLOWLIST_FULL) when ALLOWLIST_CAP ids are listed. */
  async allowlistAdd(offerId: Uint8Array, o?: ConfirmOptions): Promise<Uint8Array[]> {
    const r = await this.confirmed(P.MSG_ALLOWLIST, encodeAllowlist('add', offerId), {
      request: 'allowlist', text: `allow offer ${hex(offerId.subarray(0, 8))}... to be paid without a press`,
    }, o);
    return decodeAllowlist(r);
  }

  /** Removes an offer id from the allowlist (immediate; an absent id changes nothing). */
  async allowlistRemove(offerId: Uint8Array): Promise<Uint8Array[]> {
    return decodeAllowlist(await this.transport.request(P.MSG_ALLOWLIST, encodeAllowlist('remove', offerId)));
  }

  /** payer_key (issue 12): the payer id of an invoice_request's metadata, or
   *  for a recurring series (offer_id, label) its metadata and payer id,
   *  derived on the device; the key is checked to be a valid point. */
  async payerKey(q: PayerKeyQuery): Promise<PayerKey> {
    return decodePayerKeyReply(q, await this.transport.request(P.MSG_PAYER_KEY, encodePayerKey(q)));
  }

  /** Builds a blinded path on the device (route blinding, BOLT 4) from node
   *  ids and encrypted_data_tlv plaintexts the device checks; the path secret
   *  is fresh per request unless given. Refusals: ERR_BLIND_TLV (detail
   *  reason | hop << 8 | offset << 16), ERR_ONION_ROUTE. */
  async blindedPath(req: BlindedPathRequest): Promise<BlindedPath & { encoded: Uint8Array }> {
    const r = await this.transport.request(P.MSG_BLINDED_PATH, encodeBlindedPathRequest(req));
    const path = decodeBlindedPath(r);
    // The reply must be the path asked for: same first node, one hop per
    // node, each ciphertext 16 bytes (the tag) longer than its plaintext, or
    // all equal when padded.
    const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);
    const lens = path.hops.map((hp) => hp.encryptedRecipientData.length);
    const first = 'pubkey' in path.firstNodeId ? path.firstNodeId.pubkey : undefined;
    if (path.hops.length !== req.hops.length || !first || !same(first, req.hops[0].nodeId)
      || (req.pad ? new Set(lens).size !== 1 : lens.some((l, i) => l !== req.hops[i].tlv.length + 16))) {
      throw new Error('blinded_path reply does not match the request');
    }
    return { ...path, encoded: r };
  }

  /** Builds an onion message (as CLN's injectonionmessage: our node first)
   *  for our route ending in their blinded path; a 32834-byte packet is read
   *  out in chunks with onion_message_read. */
  async onionMessage(req: OnionMessageRequest): Promise<DeviceOnionMessage> {
    const first = decodeOnionMessageReply(await this.transport.request(P.MSG_ONION_MESSAGE, encodeOnionMessageRequest(req)));
    if (first.total !== 66 + P.OMSG_ROUTING_SMALL && first.total !== 66 + P.OMSG_ROUTING_LARGE) {
      throw new Error(`onion_message: packet of ${first.total} bytes`);
    }
    const packet = new Uint8Array(first.total);
    packet.set(first.chunk, 0);
    for (let off = first.chunk.length; off < first.total;) {
      const c = await this.transport.request(P.MSG_ONION_MESSAGE_READ, encodeOnionMessageRead(off));
      if (c.length === 0 || off + c.length > first.total) throw new Error('onion_message_read: bad chunk');
      packet.set(c, off);
      off += c.length;
    }
    return { pathKey: first.pathKey, packet };
  }

  /** Completes an offer on the device: offer_metadata (nonce ‖ MAC) and
   *  offer_issuer_id (the node id, or with deviceKey a key derived from the
   *  nonce) inserted. The reply is checked (host records unchanged, fields
   *  well formed; with `nodeId`, the issuer id against the mode).
   *  Refusals: ERR_SIGN_STREAM, ERR_OFFER_FIELD (detail: the type). */
  async offerCreate(req: OfferCreateRequest, nodeId?: Uint8Array): Promise<CreatedOffer> {
    const r = await this.transport.request(P.MSG_OFFER_CREATE, encodeOfferCreate(req));
    return verifyOfferCreateReply(req, r, nodeId);
  }

  /** The payment hash and path_id of the invoice answering `invreqTlv` (the
   *  payer's invoice_request stream with its signature 240) for one of the
   *  device's offers: what the host puts in invoice_payment_hash and in the
   *  final hop of every payment path before signInvoice. InvoiceRuleError
   *  (rules 1-3) otherwise. */
  async paymentHash(invreqTlv: Uint8Array): Promise<InvoiceHashes> {
    const r = await this.transport.request(P.MSG_PAYMENT_HASH, invreqTlv).catch(withRuleSentence);
    return decodePaymentHashReply(r);
  }

  /** Has the device sign an invoice for one of its offers; it checks the
   *  merchant rules first (InvoiceRuleError naming the rule otherwise). The
   *  signature is verified here (host merkle root, BIP-340 under
   *  invoice_node_id) before it is returned. */
  async signInvoice(req: SignInvoiceRequest): Promise<InvoiceSignature> {
    const r = await this.transport.request(P.MSG_SIGN_INVOICE, encodeSignInvoice(req)).catch(withRuleSentence);
    return verifySignInvoiceReply(req.invoiceTlv, r);
  }

  /** The preimage of a payment to one of the device's signed invoices, when
   *  the amount received is right and the invoice has not expired
   *  (InvoiceRuleError otherwise); checked: SHA256(preimage) = payment hash. */
  async releasePreimage(req: ReleasePreimageRequest): Promise<Uint8Array> {
    const r = await this.transport.request(P.MSG_RELEASE_PREIMAGE, encodeReleasePreimage(req)).catch(withRuleSentence);
    return verifyPreimage(req.invoiceTlv, r);
  }

  /** pay_invoice (issue 12): the onion of one part of a BOLT 12 payment,
   *  built only for an invoice answering a request this device signed, for
   *  its amount, once per invoice and recurrence period (ERR_PAY_RULE
   *  otherwise, detail = rule | field or hop << 8). Above the policy's
   *  confirmation threshold the device waits for a press (o.onConfirm).
   *  Resending the same part returns the same onion and counts once. */
  async payInvoice(p: PayInvoicePart, o?: ConfirmOptions): Promise<BuiltPart> {
    const r = await this.confirmed(P.MSG_PAY_INVOICE, encodePayInvoice(p), {
      request: 'pay_invoice',
      text: `BOLT 12 payment part ${p.partId}, ${p.firstHopAmountMsat} msat to the first hop`,
    }, o);
    return decodePayInvoiceReply(r);
  }

  /** pay_failed (issue 12): a part came back failed with the node's
   *  onionreply (sendonion without shared_secrets: 202). The device
   *  recomputes the part from the same pay_invoice fields, re-derives its
   *  shared secrets, decodes the failure (BOLT 4) and, verified at a hop,
   *  releases the part's amount and credits the 24-hour window; the reply is
   *  the erring hop and the decrypted failure message. Refused with
   *  ERR_PAY_RULE (PAY_RULE_FAILURE) for an unknown part or a failure that
   *  does not verify at any hop. */
  async payFailed(part: PayInvoicePart, onionreply: Uint8Array): Promise<PartFailure> {
    const r = await this.transport.request(P.MSG_PAY_FAILED, encodePayFailed(part, onionreply));
    return decodePayFailedReply(r, part.hops.length);
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
