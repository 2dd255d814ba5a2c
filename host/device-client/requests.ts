// Payloads of the secret-holding requests (provision, wipe, sign_bolt12, ecdh;
// layouts in shared/protocol.ts and docs/protocol.md), and the host's check of
// every BOLT 12 signature the device returns: the host recomputes the merkle
// root and signature message itself (host/bolt12/merkle.ts), finds the key the
// stream says must have signed (invreq_payer_id / invoice_node_id), and
// verifies the BIP-340 signature with @noble/secp256k1. A device reply that
// does not verify is an error, never a result.
import * as P from '../../shared/protocol.js';
import { secp } from '../crypto/noble.js';
import { merkleRoot, signatureMessage } from '../bolt12/merkle.js';
import { readTlvRecords } from '../bolt12/tlv.js';

export type Bolt12MessageName = 'invoice_request' | 'invoice';
export type NetworkName = 'bitcoin' | 'testnet' | 'signet' | 'regtest';

export const NETWORK_CODES: Record<NetworkName, number> = {
  bitcoin: P.NET_BITCOIN, testnet: P.NET_TESTNET, signet: P.NET_SIGNET, regtest: P.NET_REGTEST,
};

export type ProvisionRequest =
  /** A Core Lightning hsm_secret file (32-byte legacy or v25.12+ mnemonic
   *  format); `passphrase` only for a mnemonic file that has one (the exact
   *  UTF-8 bytes given to Core Lightning). */
  | { hsmSecret: Uint8Array; passphrase?: string | Uint8Array; network?: NetworkName }
  /** The device draws its own secret (never exported: no backup exists). */
  | { generate: true; network?: NetworkName };

export function encodeProvision(req: ProvisionRequest): Uint8Array {
  const net = NETWORK_CODES[req.network ?? 'bitcoin'];
  if (net === undefined) throw new Error(`unknown network ${String(req.network)}`);
  if ('generate' in req) return Uint8Array.from([P.PROVISION_GENERATE, net]);
  if (req.passphrase === undefined) return Uint8Array.from([P.PROVISION_HSM_SECRET, net, ...req.hsmSecret]);
  const pass = typeof req.passphrase === 'string' ? new TextEncoder().encode(req.passphrase) : req.passphrase;
  const file = req.hsmSecret;
  if (file.length > 0xffff) throw new Error('hsm_secret file too long');
  const out = new Uint8Array(4 + file.length + pass.length);
  out.set([P.PROVISION_HSM_SECRET_PASSPHRASE, net, file.length & 0xff, file.length >> 8]);
  out.set(file, 4);
  out.set(pass, 4 + file.length);
  return out;
}

/** sign_bolt12 payload: name lengths and names, then the stream. */
export function encodeSignBolt12(messageName: string, fieldName: string, tlv: Uint8Array): Uint8Array {
  const m = new TextEncoder().encode(messageName);
  const f = new TextEncoder().encode(fieldName);
  if (m.length > 255 || f.length > 255) throw new Error('name longer than 255 bytes');
  const out = new Uint8Array(2 + m.length + f.length + tlv.length);
  out[0] = m.length;
  out.set(m, 1);
  out[1 + m.length] = f.length;
  out.set(f, 2 + m.length);
  out.set(tlv, 2 + m.length + f.length);
  return out;
}

export interface Bolt12Signature {
  /** 64-byte BIP-340 signature, verified by the host. */
  signature: Uint8Array;
  /** Merkle root the device computed (equal to the host's). */
  merkleRoot: Uint8Array;
  /** Which key signed: the node key or the payer key of invreq_metadata. */
  keyKind: 'node' | 'payer';
  /** Its 33-byte compressed public key (= invreq_payer_id / invoice_node_id). */
  publicKey: Uint8Array;
}

/** The device's reply did not check out: a faulty or lying device. Nothing
 *  it returned may be used. */
export class SignatureVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignatureVerificationError';
  }
}

const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The key the stream says must sign it (invreq_payer_id / invoice_node_id). */
export function expectedSigningKey(messageName: Bolt12MessageName, tlv: Uint8Array): Uint8Array {
  const type = messageName === 'invoice' ? 176n : 88n;
  const rec = readTlvRecords(tlv).find((r) => r.type === type);
  if (!rec || rec.value.length !== 33) {
    throw new SignatureVerificationError(`the stream has no 33-byte ${messageName === 'invoice' ? 'invoice_node_id' : 'invreq_payer_id'}`);
  }
  return rec.value;
}

/**
 * Decodes a sign_bolt12 reply and checks it against the host's own reading
 * of `tlv`: same merkle root, the key the stream names (and, with `nodeId`,
 * the node key for invoices), and a valid BIP-340 signature over
 * H("lightning" ‖ messageName ‖ fieldName, root). Throws
 * SignatureVerificationError otherwise.
 */
export function verifySignBolt12Reply(
  messageName: Bolt12MessageName, tlv: Uint8Array, reply: Uint8Array, fieldName = 'signature',
): Bolt12Signature {
  if (reply.length < P.SIGN_REPLY_SIZE) {
    throw new SignatureVerificationError(`sign_bolt12 reply of ${reply.length} bytes, expected ${P.SIGN_REPLY_SIZE}`);
  }
  const signature = reply.slice(P.SIGN_REPLY_OFF_SIG, P.SIGN_REPLY_OFF_SIG + 64);
  const root = reply.slice(P.SIGN_REPLY_OFF_ROOT, P.SIGN_REPLY_OFF_ROOT + 32);
  const kind = reply[P.SIGN_REPLY_OFF_KEY_KIND];
  const publicKey = reply.slice(P.SIGN_REPLY_OFF_KEY, P.SIGN_REPLY_OFF_KEY + 33);
  if (kind !== P.SIGN_KEY_NODE && kind !== P.SIGN_KEY_PAYER) throw new SignatureVerificationError(`unknown key kind ${kind}`);
  let ourRoot: Uint8Array;
  try {
    ourRoot = merkleRoot(tlv);
  } catch (e) {
    throw new SignatureVerificationError(`the device signed a stream the host cannot read: ${(e as Error).message}`);
  }
  if (!eq(ourRoot, root)) {
    throw new SignatureVerificationError(`device merkle root ${hex(root)} differs from the host's ${hex(ourRoot)}`);
  }
  const key = expectedSigningKey(messageName, tlv);
  if (!eq(key, publicKey)) {
    throw new SignatureVerificationError(`device signed with ${hex(publicKey)}, the stream names ${hex(key)}`);
  }
  if (messageName === 'invoice' && kind !== P.SIGN_KEY_NODE) throw new SignatureVerificationError('invoice not signed with the node key');
  let ok = false;
  try {
    ok = secp.schnorr.verify(signature, signatureMessage(messageName, fieldName, ourRoot), key.subarray(1));
  } catch {
    ok = false;
  }
  if (!ok) throw new SignatureVerificationError(`device signature does not verify under ${hex(key)}`);
  return { signature, merkleRoot: root, keyKind: kind === P.SIGN_KEY_NODE ? 'node' : 'payer', publicKey };
}

// ---- build_onion / get_policy / set_policy (docs/protocol.md) -----------------

/** One hop of a build_onion route: node id and its TLV payload (without the
 *  BigSize length prefix; the encoder adds it). */
export interface BuildOnionHop {
  pubkey: Uint8Array;
  payload: Uint8Array;
}

export interface BuildOnionRequest {
  /** 1..27 hops, first to final. */
  hops: BuildOnionHop[];
  /** 32-byte payment hash: the onion's associated data. */
  paymentHash: Uint8Array;
  /** Core Lightning's partid (u64). */
  partId?: bigint | number;
  /** Amount (msat) of the HTLC offered to the first hop: must be at least every
   *  amt_to_forward in the payloads; sent - final amt_to_forward is the fee. */
  firstHopAmountMsat: bigint;
  /** Caller-chosen session key; by default the device derives one. */
  sessionKey?: Uint8Array;
}

const bs = (n: number): Uint8Array =>
  n < 0xfd ? Uint8Array.of(n) : n <= 0xffff ? Uint8Array.of(0xfd, n >> 8, n & 0xff) : (() => { throw new Error('payload too long'); })();

export function encodeBuildOnion(r: BuildOnionRequest): Uint8Array {
  if (r.hops.length < 1 || r.hops.length > P.ONION_MAX_HOPS) throw new Error(`build_onion needs 1..${P.ONION_MAX_HOPS} hops`);
  if (r.paymentHash.length !== 32) throw new Error('payment hash must be 32 bytes');
  if (r.sessionKey && r.sessionKey.length !== 32) throw new Error('session key must be 32 bytes');
  const parts: Uint8Array[] = [];
  const head = new Uint8Array(P.ONION_OFF_ROUTE);
  head[P.ONION_OFF_FLAGS] = r.sessionKey ? P.ONION_FLAG_SESSION_KEY : 0;
  head[P.ONION_OFF_HOPS] = r.hops.length;
  head.set(r.paymentHash, P.ONION_OFF_PAYMENT_HASH);
  const dv = new DataView(head.buffer);
  dv.setBigUint64(P.ONION_OFF_PARTID, BigInt(r.partId ?? 0), true);
  dv.setBigUint64(P.ONION_OFF_FIRST_AMOUNT, BigInt(r.firstHopAmountMsat), true);
  parts.push(head);
  if (r.sessionKey) parts.push(r.sessionKey);
  for (const hp of r.hops) {
    if (hp.pubkey.length !== 33) throw new Error('hop pubkey must be 33 bytes');
    parts.push(hp.pubkey, bs(hp.payload.length), hp.payload);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export interface BuiltOnion {
  /** The 1366-byte onion_routing_packet. */
  onion: Uint8Array;
  /** One per hop, route order: what decodes failure onions (sendonion's shared_secrets). */
  sharedSecrets: Uint8Array[];
}

export function decodeBuildOnionReply(reply: Uint8Array, hops: number): BuiltOnion {
  if (reply.length !== P.ONION_PACKET_SIZE + 32 * hops) throw new Error(`build_onion reply of ${reply.length} bytes for ${hops} hops`);
  return {
    onion: reply.slice(0, P.ONION_PACKET_SIZE),
    sharedSecrets: Array.from({ length: hops }, (_, i) => reply.slice(P.ONION_PACKET_SIZE + 32 * i, P.ONION_PACKET_SIZE + 32 * (i + 1))),
  };
}

/** Spending limits; `null` = no limit. Amounts in msat. */
export interface SpendingLimits {
  maxAmountMsat: bigint | null;
  maxFeeMsat: bigint | null;
  /** Fee as parts per million of the delivered amount (0..1_000_000). */
  maxFeePpm: number | null;
  dailyLimitMsat: bigint | null;
  /** A payment delivering more than this waits for the user's press on the
   *  device; `null` (or absent) = never ask. */
  confirmAboveMsat?: bigint | null;
  /** BOLT 12 terms (issue 12): the rolling 24-hour limit per payee
   *  (invoice_node_id) and the cap on one recurring payment. Both absent: a
   *  36-byte set_policy that leaves them unchanged; given: both are written. */
  payeeDailyMsat?: bigint | null;
  periodCapMsat?: bigint | null;
}

export interface DevicePolicy extends SpendingLimits {
  /** Sum sent by the parts recorded in the last 24 hours. */
  spentLast24hMsat: bigint;
  logUsed: number;
  logCapacity: number;
  /** The board's clock (Unix seconds). */
  clock: number;
  /** Record sequence number (0 = never written). */
  seq: number;
  /** The persisted clock floor: the spending window's time never goes below it. */
  clockFloor: number;
  confirmAboveMsat: bigint | null;
  /** BOLT 12 terms and the allowlist's size (absent: firmware before issue 12,
   *  whose 60-byte reply has no such limits). */
  payeeDailyMsat?: bigint | null;
  periodCapMsat?: bigint | null;
  allowlistCount?: number;
}

const ALL64 = 0xffffffffffffffffn;

/** set_policy payload: the limits block (POLICY_LIMITS_SIZE bytes), then the
 *  two BOLT 12 limits when either is given (SET_POLICY_SIZE_BOLT12 bytes). */
export function encodeSetPolicy(l: SpendingLimits): Uint8Array {
  const bolt12 = l.payeeDailyMsat !== undefined || l.periodCapMsat !== undefined;
  if (bolt12 && (l.payeeDailyMsat === undefined || l.periodCapMsat === undefined)) {
    throw new Error('payeeDailyMsat and periodCapMsat are written together (null = none)');
  }
  const out = new Uint8Array(bolt12 ? P.SET_POLICY_SIZE_BOLT12 : P.SET_POLICY_SIZE);
  const dv = new DataView(out.buffer);
  const u64 = (v: bigint | null) => {
    if (v !== null && (v < 0n || v >= ALL64)) throw new Error(`limit ${v} out of range`);
    return v ?? ALL64;
  };
  if (l.maxFeePpm !== null && !(Number.isInteger(l.maxFeePpm) && l.maxFeePpm >= 0 && l.maxFeePpm <= 1_000_000)) {
    throw new Error('maxFeePpm must be 0..1000000 or null');
  }
  dv.setBigUint64(P.POLICY_OFF_MAX_AMOUNT, u64(l.maxAmountMsat), true);
  dv.setBigUint64(P.POLICY_OFF_MAX_FEE, u64(l.maxFeeMsat), true);
  dv.setUint32(P.POLICY_OFF_MAX_FEE_PPM, l.maxFeePpm ?? 0xffffffff, true);
  dv.setBigUint64(P.POLICY_OFF_DAILY, u64(l.dailyLimitMsat), true);
  dv.setBigUint64(P.POLICY_OFF_CONFIRM_ABOVE, u64(l.confirmAboveMsat ?? null), true);
  if (bolt12) {
    dv.setBigUint64(P.POLICY_OFF_PAYEE_DAILY, u64(l.payeeDailyMsat ?? null), true);
    dv.setBigUint64(P.POLICY_OFF_PERIOD_CAP, u64(l.periodCapMsat ?? null), true);
  }
  return out;
}

/** get_policy reply size of firmware before issue 12 (no BOLT 12 terms). */
const POLICY_REPLY_SIZE_V0 = 60;

export function decodePolicy(r: Uint8Array): DevicePolicy {
  if (r.length !== P.POLICY_REPLY_SIZE && r.length !== POLICY_REPLY_SIZE_V0) throw new Error(`policy reply of ${r.length} bytes`);
  const dv = new DataView(r.buffer, r.byteOffset, r.byteLength);
  const lim = (v: bigint) => (v === ALL64 ? null : v);
  const ppm = dv.getUint32(P.POLICY_OFF_MAX_FEE_PPM, true);
  return {
    maxAmountMsat: lim(dv.getBigUint64(P.POLICY_OFF_MAX_AMOUNT, true)),
    maxFeeMsat: lim(dv.getBigUint64(P.POLICY_OFF_MAX_FEE, true)),
    maxFeePpm: ppm === 0xffffffff ? null : ppm,
    dailyLimitMsat: lim(dv.getBigUint64(P.POLICY_OFF_DAILY, true)),
    spentLast24hMsat: dv.getBigUint64(P.POLICY_REPLY_OFF_SPENT, true),
    logUsed: dv.getUint16(P.POLICY_REPLY_OFF_USED, true),
    logCapacity: dv.getUint16(P.POLICY_REPLY_OFF_CAP, true),
    clock: dv.getUint32(P.POLICY_REPLY_OFF_CLOCK, true),
    seq: dv.getUint32(P.POLICY_REPLY_OFF_SEQ, true),
    clockFloor: dv.getUint32(P.POLICY_REPLY_OFF_FLOOR, true),
    confirmAboveMsat: lim(dv.getBigUint64(P.POLICY_OFF_CONFIRM_ABOVE, true)),
    ...(r.length >= P.POLICY_REPLY_SIZE ? {
      payeeDailyMsat: lim(dv.getBigUint64(P.POLICY_REPLY_OFF_PAYEE_DAILY, true)),
      periodCapMsat: lim(dv.getBigUint64(P.POLICY_REPLY_OFF_PERIOD_CAP, true)),
      allowlistCount: r[P.POLICY_REPLY_OFF_ALLOWLIST],
    } : {}),
  };
}

/** createonion (CLN RPC digest §6) through build_onion's createonion mode. */
export interface CreateOnionRequest {
  /** Hop payloads WITH their BigSize length prefix, as createonion's hops[i].payload. */
  hops: { pubkey: Uint8Array; payload: Uint8Array }[];
  /** Any associated data (the payment hash for payments; empty for onion messages). */
  assocData: Uint8Array;
  /** 32-byte session key (createonion's session_key). */
  sessionKey: Uint8Array;
  /** Routing info size, 1..1300 (createonion's onion_size, default 1300). */
  onionSize?: number;
}

export function encodeCreateOnion(r: CreateOnionRequest): Uint8Array {
  if (r.hops.length < 1 || r.hops.length > P.ONION_MAX_HOPS) throw new Error(`createonion needs 1..${P.ONION_MAX_HOPS} hops`);
  if (r.sessionKey.length !== 32) throw new Error('session key must be 32 bytes');
  const size = r.onionSize ?? P.ONION_MAX_ROUTING;
  if (!Number.isInteger(size) || size < 1 || size > 0xffff) throw new Error('onion_size out of range');
  if (r.assocData.length > 0xffff) throw new Error('assocdata too long');
  const head = new Uint8Array(P.ONION_OFF_ROUTE + 32 + 4);
  head[P.ONION_OFF_FLAGS] = P.ONION_FLAG_SESSION_KEY | P.ONION_FLAG_CREATEONION;
  head[P.ONION_OFF_HOPS] = r.hops.length;
  head.set(r.sessionKey, P.ONION_OFF_ROUTE);
  const dv = new DataView(head.buffer);
  dv.setUint16(P.ONION_OFF_ROUTE + 32, size, true);
  dv.setUint16(P.ONION_OFF_ROUTE + 34, r.assocData.length, true);
  const parts = [head, r.assocData, ...r.hops.flatMap((h) => {
    if (h.pubkey.length !== 33) throw new Error('hop pubkey must be 33 bytes');
    return [h.pubkey, h.payload];
  })];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export function decodeCreateOnionReply(reply: Uint8Array, hops: number, onionSize: number): BuiltOnion {
  const size = 66 + onionSize;
  if (reply.length !== size + 32 * hops) throw new Error(`createonion reply of ${reply.length} bytes`);
  return {
    onion: reply.slice(0, size),
    sharedSecrets: Array.from({ length: hops }, (_, i) => reply.slice(size + 32 * i, size + 32 * (i + 1))),
  };
}
