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
