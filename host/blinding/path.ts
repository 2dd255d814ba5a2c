// Building a blinded path (bolt-digest §4.7, cln-offers-flow-digest §6.3): for
// nodes N_0 (introduction) … N_r and one encrypted_data_tlv each, the blinded
// node ids, the sealed encrypted_recipient_data and first_path_key, from a
// session key e_0 (random unless a test supplies one). Optional padding
// equalises the plaintext lengths. The blinded_path subtype codec itself is
// host/bolt12/subtypes.ts; encodeBlindedPath/decodeBlindedPath wrap it.
import { secp } from '../crypto/noble.js';
import { ValueReader, ValueWriter } from '../bolt12/wire.js';
import { readBlindedPath, writeBlindedPath, type BlindedPath, type SciddirOrPubkey } from '../bolt12/subtypes.js';
import { bigSizeLength } from '../bolt12/bigsize.js';
import { decodeEncryptedData, encodeEncryptedData, type EncryptedData } from './encrypted-data.js';
import { blindedNodeId, blindingSharedSecret, nextPathKey, nextPathSecret, randomSessionKey, rhoKey, sealRecipientData } from './keys.js';

export interface PathHopInput {
  /** The hop's real node id (33 bytes). */
  nodeId: Uint8Array;
  /** Its encrypted_data_tlv, as fields or as an already encoded stream. */
  data: EncryptedData | Uint8Array;
}

export interface BuildPathOptions {
  /** e_0; 32 random bytes when absent (tests supply one). */
  sessionKey?: Uint8Array;
  /**
   * Pad every hop's plaintext with a `padding` record so all have the same
   * length: true = the longest hop's length (or the next length padding can
   * reach), a number = at least that length.
   */
  pad?: boolean | number;
  /** first_node_id in scid+direction form instead of N_0's node id. */
  firstNodeId?: SciddirOrPubkey;
}

/** What the creator knows about each hop (for tests and for checking the device). */
export interface BuiltHop {
  pathKey: Uint8Array;
  pathSecret: Uint8Array;
  sharedSecret: Uint8Array;
  rho: Uint8Array;
  blindedNodeId: Uint8Array;
  plaintext: Uint8Array;
  encryptedRecipientData: Uint8Array;
}

export interface BuiltPath {
  path: BlindedPath;
  hops: BuiltHop[];
  sessionKey: Uint8Array;
}

/**
 * §6.3: E_0 = e_0·G; per hop ss_i = SHA256(e_i·N_i), B_i = HMAC("blinded_node_id", ss_i)·N_i,
 * rho_i = HMAC("rho", ss_i), data_i sealed with rho_i, e_{i+1} = SHA256(E_i ‖ ss_i)·e_i.
 * A next_path_key_override given as a field is only allowed on the last hop
 * (it splices a path built elsewhere; the chain built here cannot continue
 * past it). Data given as bytes is sealed as is.
 */
export function buildBlindedPath(hops: PathHopInput[], opts: BuildPathOptions = {}): BuiltPath {
  if (hops.length === 0) throw new RangeError('a blinded path needs at least one hop');
  if (hops.length > 255) throw new RangeError('a blinded path holds at most 255 hops (num_hops is one byte)');
  let plain = hops.map((h) => (h.data instanceof Uint8Array ? h.data : encodeEncryptedData(h.data)));
  for (let i = 0; i < plain.length - 1; i++) {
    // Raw streams are taken as given (tests seal malformed ones on purpose); fields are checked.
    const d = hops[i].data instanceof Uint8Array ? undefined : (hops[i].data as EncryptedData);
    if (d?.nextPathKeyOverride) throw new RangeError(`hop ${i}: next_path_key_override is only allowed on a path's last hop`);
  }
  if (opts.pad !== undefined && opts.pad !== false) plain = padPlaintexts(plain, opts.pad === true ? 0 : opts.pad);
  const sessionKey = opts.sessionKey ?? randomSessionKey();
  let e = sessionKey;
  let E: Uint8Array = secp.getPublicKey(e, true);
  const built: BuiltHop[] = [];
  for (let i = 0; i < hops.length; i++) {
    const ss = blindingSharedSecret(e, hops[i].nodeId);
    const rho = rhoKey(ss);
    built.push({
      pathKey: E, pathSecret: e, sharedSecret: ss, rho,
      blindedNodeId: blindedNodeId(hops[i].nodeId, ss),
      plaintext: plain[i],
      encryptedRecipientData: sealRecipientData(rho, plain[i]),
    });
    const eNext = nextPathSecret(e, E, ss);
    E = nextPathKey(E, ss);
    e = eNext;
  }
  if (built.some((h) => h.encryptedRecipientData.length > 0xffff)) throw new RangeError('encrypted_recipient_data longer than a u16 enclen');
  const path: BlindedPath = {
    firstNodeId: opts.firstNodeId ?? { pubkey: hops[0].nodeId },
    firstPathKey: built[0].pathKey,
    hops: built.map((h) => ({ blindedNodeId: h.blindedNodeId, encryptedRecipientData: h.encryptedRecipientData })),
  };
  return { path, hops: built, sessionKey };
}

/** Bytes a padding record with `v` value bytes adds: type (1) ‖ BigSize length ‖ value. */
const padRecordLen = (v: number) => 1 + bigSizeLength(BigInt(v)) + v;

/** Value length giving a padding record of exactly `d` bytes, or undefined (d = 1, 255, 256 cannot be reached). */
function padValueFor(d: number): number | undefined {
  for (const v of [d - 2, d - 4]) if (v >= 0 && padRecordLen(v) === d) return v;
  return undefined;
}

/**
 * §4.7 "SHOULD add padding data to ensure all encrypted_data_tlv have the same
 * length": strips existing padding, then adds a padding record (type 1, the
 * first record) so every stream reaches one common length.
 */
export function padPlaintexts(plain: Uint8Array[], atLeast = 0): Uint8Array[] {
  const stripped = plain.map((p) => {
    const d = decodeEncryptedData(p);
    if (!d.padding) return p;
    delete d.padding;
    return encodeEncryptedData(d);
  });
  let target = Math.max(atLeast, ...stripped.map((p) => p.length));
  // Smallest target every hop can reach (a padding record is never 1 byte long).
  while (stripped.some((p) => target !== p.length && padValueFor(target - p.length) === undefined)) target++;
  return stripped.map((p) => {
    if (p.length === target) return p;
    const d = decodeEncryptedData(p);
    d.padding = new Uint8Array(padValueFor(target - p.length)!);
    return encodeEncryptedData(d);
  });
}

/** The blinded_path subtype as bytes (host/bolt12/subtypes.ts writer). */
export function encodeBlindedPath(p: BlindedPath): Uint8Array {
  const w = new ValueWriter();
  writeBlindedPath(w, p);
  return w.finish();
}

/** Parses exactly one blinded_path (trailing bytes are an error). Throws TlvError. */
export function decodeBlindedPath(b: Uint8Array): BlindedPath {
  const r = new ValueReader(b, 0, b.length, undefined, 'blinded_path');
  const p = readBlindedPath(r);
  r.done();
  return p;
}
