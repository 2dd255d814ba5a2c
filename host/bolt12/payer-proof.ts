// BOLT 12 payer proofs (`lnp1…`, lightning/bolts #1346, the continuation of
// #1295; docs/host/payer-proof.md): a selectively disclosed copy of a paid
// invoice, the invoice's own signature, the payment preimage and a signature
// by the payer key (`invreq_payer_id`).
//
// Stream: the disclosed invoice records (never `invreq_metadata`, type 0),
// `signature` 240 copied from the invoice, and
//   241  proof_signature       bip340sig
//   1001 proof_preimage        32 bytes
//   1002 proof_omitted_tlvs    BigSize markers (may be left out when empty)
//   1003 proof_missing_hashes  32 bytes each
//   1004 proof_leaf_hashes     32 bytes each
//   1005 proof_note            utf8 (optional)
// The invoice Merkle tree is rebuilt from the disclosed records (each leaf's
// nonce hash given in proof_leaf_hashes, since the nonce tag needs the hidden
// invreq_metadata), one *marker* per omitted record (type 0 implied), and the
// hash of every fully omitted branch (proof_missing_hashes, post-order).
// proof_signature signs the proof's own Merkle root (all non-signature
// records, 1001.. included, so the note is signed) with the tag
// "lightning" ‖ "payer_proof" ‖ "proof_signature".
import { sha256 } from '@noble/hashes/sha2.js';
import { secp } from '../crypto/noble.js';
import { encodeBigSize, readBigSize } from './bigsize.js';
import { encodeBolt12String, decodeBolt12String } from './bech32-string.js';
import { Bolt12SemanticError, Bolt12StringError, TlvError } from './errors.js';
import { branch, merkleRootOfRecords, signatureMessage, taggedHash } from './merkle.js';
import { parseTlvMessage, type Invoice } from './message.js';
import { encodeTlvRecord, readTlvRecords, type TlvRecord } from './tlv.js';
import { TLV, isSignatureType } from './tlv-types.js';

export const PAYER_PROOF_PREFIX = 'lnp';

export const PROOF_TLV = {
  signature: 240n,
  proof_signature: 241n,
  proof_preimage: 1001n,
  proof_omitted_tlvs: 1002n,
  proof_missing_hashes: 1003n,
  proof_leaf_hashes: 1004n,
  proof_note: 1005n,
} as const;

/**
 * BOLT-payer_proof #12: the fields a writer always includes (if present, for
 * invoice_features): invreq_payer_id, invoice_payment_hash, invoice_features,
 * invoice_node_id (and `signature`, copied separately).
 */
export const PROOF_REQUIRED_TYPES: readonly bigint[] = [TLV.invreq_payer_id, TLV.invoice_payment_hash, TLV.invoice_features, TLV.invoice_node_id];

/**
 * Core Lightning `createproof`'s default disclosure when `include` is not
 * given: offer_description, offer_issuer_id, invoice_created_at,
 * invoice_amount (each only if present).
 */
export const PROOF_DEFAULT_INCLUDE: readonly bigint[] = [TLV.offer_description, TLV.offer_issuer_id, TLV.invoice_created_at, TLV.invoice_amount];

/** Records of a proof that belong to the invoice's Merkle tree: not a signature, not a proof field. */
export const isInvoiceTreeType = (t: bigint) => t < 240n || t >= 1000000000n;

/** The proof's own fields (1001 through 999999999), left out of the invoice tree. */
export const isProofFieldType = (t: bigint) => t >= 1001n && t <= 999999999n;

/**
 * BOLT-payer_proof #12: a *marker number* is in 1..239 or
 * 1000000000..3999999999; next_marker(prev) is the smallest marker strictly
 * greater than prev (so 239 is followed by 1000000000).
 */
export function nextMarker(prev: bigint): bigint {
  if (prev < 1n) return 1n;
  if (prev < 239n) return prev + 1n;
  if (prev < 1000000000n) return 1000000000n;
  return prev + 1n;
}

const isMarkerNumber = (m: bigint) => (m >= 1n && m <= 239n) || (m >= 1000000000n && m <= 3999999999n);

/** H("LnNonce" ‖ first-record, type) for a record of `type` (its BigSize bytes). */
function nonceHash(firstRecord: Uint8Array, type: bigint): Uint8Array {
  const tag = new Uint8Array(7 + firstRecord.length);
  tag.set([0x4c, 0x6e, 0x4e, 0x6f, 0x6e, 0x63, 0x65]); // "LnNonce"
  tag.set(firstRecord, 7);
  return taggedHash(tag, encodeBigSize(type));
}

const leafHash = (raw: Uint8Array) => taggedHash('LnLeaf', raw);

/** Largest power of two strictly below n (n ≥ 2): where the BOLT 12 tree splits n leaves. */
function splitAt(n: number): number {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
}

/**
 * Merkle root over leaf nodes, some unknown (omitted): the same tree as
 * BOLT 12's level-by-level pairing (an unpaired last node moves up), walked
 * depth first. At each inner node with exactly one fully omitted branch,
 * `omitted(i)` supplies (reader) or receives (writer) that branch's hash, in
 * post-order, left to right. Returns undefined when every leaf is omitted.
 */
function walk(
  nodes: readonly (Uint8Array | undefined)[],
  omittedBranch: (known: Uint8Array | undefined) => Uint8Array,
  full?: readonly Uint8Array[],
): Uint8Array | undefined {
  const go = (lo: number, hi: number): { hash: Uint8Array | undefined; full?: Uint8Array } => {
    if (hi - lo === 1) return { hash: nodes[lo], full: full?.[lo] };
    const p = splitAt(hi - lo);
    const l = go(lo, lo + p);
    const r = go(lo + p, hi);
    const fullHash = l.full && r.full ? branch(l.full, r.full) : undefined;
    if (!l.hash && !r.hash) return { hash: undefined, full: fullHash };
    // BOLT-payer_proof #12: the merkle hash of the omitted branch of each
    // internal node that has exactly one branch entirely omitted, in
    // post-order depth-first smallest-to-largest TLV order.
    const lh = l.hash ?? omittedBranch(l.full);
    const rh = r.hash ?? omittedBranch(r.full);
    return { hash: branch(lh, rh), full: fullHash };
  };
  if (nodes.length === 0) return undefined;
  return go(0, nodes.length).hash;
}

export interface Disclosure {
  /** The invoice records copied into the proof, in order. */
  included: TlvRecord[];
  /** BOLT-payer_proof #12: proof_leaf_hashes, the nonce hash of each included record. */
  leafHashes: Uint8Array[];
  /** proof_omitted_tlvs: one marker per omitted record except type 0. */
  omittedMarkers: bigint[];
  /** proof_missing_hashes. */
  missingHashes: Uint8Array[];
  /** The invoice's Merkle root (what its signature signs). */
  invoiceRoot: Uint8Array;
}

/**
 * Writer side of selective disclosure over an invoice's records (signature
 * records are skipped): which records are copied, their nonce hashes, the
 * omitted markers and the missing branch hashes.
 */
export function selectiveDisclosure(invoiceRecords: readonly TlvRecord[], include: (type: bigint) => boolean): Disclosure {
  const leaves = invoiceRecords.filter((r) => !isSignatureType(r.type));
  if (leaves.length === 0) throw new Bolt12SemanticError('payer proof: the invoice has no records');
  const first = leaves[0].raw;
  const included: TlvRecord[] = [];
  const leafHashes: Uint8Array[] = [];
  const omittedMarkers: bigint[] = [];
  const full: Uint8Array[] = [];
  const known: (Uint8Array | undefined)[] = [];
  let prev = 0n;
  for (const r of leaves) {
    const nonce = nonceHash(first, r.type);
    const node = branch(leafHash(r.raw), nonce);
    full.push(node);
    // BOLT-payer_proof #12: MUST NOT include invreq_metadata.
    if (r.type !== 0n && include(r.type)) {
      // If the field is to be included: copy it, and append its nonce
      // H("LnNonce" ‖ TLV0, type) to proof_leaf_hashes.
      included.push(r);
      leafHashes.push(nonce);
      known.push(node);
      prev = r.type;
    } else {
      known.push(undefined);
      // Otherwise, if the type is not zero: append next_marker(prev), prev
      // being the previous included type, or the last marker, or 0.
      if (r.type !== 0n) {
        prev = nextMarker(prev);
        omittedMarkers.push(prev);
      }
    }
  }
  const missingHashes: Uint8Array[] = [];
  const root = walk(known, (h) => { missingHashes.push(h!); return h!; }, full);
  if (!root) throw new Bolt12SemanticError('payer proof: no invoice record is disclosed');
  return { included, leafHashes, omittedMarkers, missingHashes, invoiceRoot: root };
}

/** Problem with a proof's Merkle data, as a reader reports it. */
export class PayerProofError extends Bolt12SemanticError {}

/**
 * Reader side: the invoice Merkle root rebuilt from the disclosed records,
 * the markers (0 implied first), the leaf (nonce) hashes and the missing
 * hashes, each of which must be used exactly once.
 */
export function reconstructInvoiceRoot(
  included: readonly TlvRecord[], omittedMarkers: readonly bigint[], leafHashes: readonly Uint8Array[], missingHashes: readonly Uint8Array[],
): Uint8Array {
  // BOLT-payer_proof #12: proof_leaf_hashes contains exactly one hash for each
  // non-signature TLV field.
  if (leafHashes.length < included.length) throw new PayerProofError('not enough proof_leaf_hashes');
  if (leafHashes.length > included.length) throw new PayerProofError('too many proof_leaf_hashes');
  const nodes: (Uint8Array | undefined)[] = [undefined]; // type 0, always omitted
  let i = 0;
  let j = 0;
  while (i < included.length || j < omittedMarkers.length) {
    if (j < omittedMarkers.length && (i >= included.length || omittedMarkers[j] < included[i].type)) {
      nodes.push(undefined);
      j++;
    } else {
      nodes.push(branch(leafHash(included[i].raw), leafHashes[i]));
      i++;
    }
  }
  let used = 0;
  let short = false;
  const root = walk(nodes, () => {
    if (used >= missingHashes.length) {
      short = true;
      return new Uint8Array(32);
    }
    return missingHashes[used++];
  });
  // BOLT-payer_proof #12: there are exactly enough proof_missing_hashes to
  // reconstruct the root (with 0 implied as the first omitted TLV).
  if (short) throw new PayerProofError('not enough proof_missing_hashes');
  if (used !== missingHashes.length) throw new PayerProofError('too many proof_missing_hashes');
  if (!root) throw new PayerProofError('no invoice field is disclosed');
  return root;
}

/** H("lightning" ‖ "payer_proof" ‖ "proof_signature", root): what proof_signature signs. */
export function proofSignatureMessage(proofRoot: Uint8Array): Uint8Array {
  return signatureMessage('payer_proof', 'proof_signature', proofRoot);
}

/** The proof's own Merkle root: every record except signatures (240..1000). */
export function proofMerkleRoot(records: readonly TlvRecord[]): Uint8Array {
  return merkleRootOfRecords(records);
}

export interface UnsignedPayerProof {
  /** The proof stream without proof_signature (241). */
  stream: Uint8Array;
  /** Its Merkle root and the 32-byte BIP-340 message proof_signature signs. */
  proofRoot: Uint8Array;
  sighash: Uint8Array;
  /** The key that must sign: invreq_payer_id (33 bytes). */
  payerId: Uint8Array;
  disclosure: Disclosure;
  invoice: Invoice;
  /** Types of the disclosed invoice records, in order. */
  includedTypes: bigint[];
  note: string | undefined;
  preimage: Uint8Array;
}

export interface ProofRequest {
  /** The signed invoice TLV stream (with its signature 240). */
  invoice: Uint8Array;
  preimage: Uint8Array;
  /** Extra types to disclose (if present); default PROOF_DEFAULT_INCLUDE. Required ones are always in. */
  include?: readonly bigint[];
  /** proof_note; left out when undefined or empty. */
  note?: string;
}

/** Refusal of createproof's inputs (not a paid invoice of ours, bad include list). */
export class ProofInputError extends Error {}

/**
 * Builds the unsigned proof of a paid invoice: checks the invoice (its
 * signature verifies under invoice_node_id, SHA256(preimage) is its payment
 * hash, the required fields are there), picks the disclosed records and
 * writes the stream in type order, proof fields included, 241 left out.
 */
export function buildUnsignedPayerProof(req: ProofRequest): UnsignedPayerProof {
  const invoice = parseTlvMessage('invoice', req.invoice);
  const f = invoice.fields;
  if (!f.invreq_metadata) throw new ProofInputError('the invoice has no invreq_metadata');
  if (!f.invreq_payer_id || !f.invoice_payment_hash || !f.invoice_node_id || !f.signature) {
    throw new ProofInputError('the invoice lacks invreq_payer_id, invoice_payment_hash, invoice_node_id or signature');
  }
  if (req.preimage.length !== 32) throw new ProofInputError('the preimage must be 32 bytes');
  if (!eq(sha256(req.preimage), f.invoice_payment_hash)) throw new ProofInputError('the preimage does not hash to invoice_payment_hash');
  const records = invoice.records;
  const sigMsg = signatureMessage('invoice', 'signature', merkleRootOfRecords(records));
  if (!schnorrOk(f.signature, sigMsg, f.invoice_node_id)) throw new ProofInputError('the invoice signature does not verify');
  for (const t of req.include ?? []) {
    if (t === 0n) throw new ProofInputError('invreq_metadata (0) is never disclosed');
    if (!isInvoiceTreeType(t)) throw new ProofInputError(`type ${t} is not an invoice field`);
  }
  const wanted = new Set<bigint>([...PROOF_REQUIRED_TYPES, ...(req.include ?? PROOF_DEFAULT_INCLUDE)]);
  const disclosure = selectiveDisclosure(records, (t) => wanted.has(t));
  const note = req.note === undefined || req.note === '' ? undefined : req.note;
  const parts: Uint8Array[] = [];
  const low = disclosure.included.filter((r) => r.type < 240n);
  const high = disclosure.included.filter((r) => r.type >= 1000000000n);
  for (const r of low) parts.push(r.raw);
  // BOLT-payer_proof #12: MUST copy signature into the payer_proof.
  parts.push(encodeTlvRecord(PROOF_TLV.signature, f.signature));
  parts.push(encodeTlvRecord(PROOF_TLV.proof_preimage, req.preimage));
  // If proof_omitted_tlvs is empty: MAY omit it (as Core Lightning does).
  if (disclosure.omittedMarkers.length) {
    parts.push(encodeTlvRecord(PROOF_TLV.proof_omitted_tlvs, cat(disclosure.omittedMarkers.map(encodeBigSize))));
  }
  parts.push(encodeTlvRecord(PROOF_TLV.proof_missing_hashes, cat(disclosure.missingHashes)));
  parts.push(encodeTlvRecord(PROOF_TLV.proof_leaf_hashes, cat(disclosure.leafHashes)));
  if (note !== undefined) parts.push(encodeTlvRecord(PROOF_TLV.proof_note, new TextEncoder().encode(note)));
  for (const r of high) parts.push(r.raw);
  const stream = cat(parts);
  const proofRoot = proofMerkleRoot(readTlvRecords(stream));
  return {
    stream, proofRoot, sighash: proofSignatureMessage(proofRoot), payerId: f.invreq_payer_id, disclosure, invoice,
    includedTypes: disclosure.included.map((r) => r.type), note, preimage: req.preimage.slice(),
  };
}

/** The complete proof stream: the unsigned one with proof_signature (241) in type order. */
export function attachProofSignature(unsigned: UnsignedPayerProof, signature: Uint8Array): Uint8Array {
  if (signature.length !== 64) throw new RangeError('proof_signature must be 64 bytes');
  const recs = readTlvRecords(unsigned.stream);
  const parts: Uint8Array[] = [];
  let placed = false;
  for (const r of recs) {
    if (!placed && r.type > PROOF_TLV.proof_signature) {
      parts.push(encodeTlvRecord(PROOF_TLV.proof_signature, signature));
      placed = true;
    }
    parts.push(r.raw);
  }
  if (!placed) parts.push(encodeTlvRecord(PROOF_TLV.proof_signature, signature));
  return cat(parts);
}

/** True when `signature` is a valid proof_signature of `unsigned` by its invreq_payer_id. */
export function proofSignatureValid(unsigned: UnsignedPayerProof, signature: Uint8Array): boolean {
  return schnorrOk(signature, unsigned.sighash, unsigned.payerId);
}

export const encodePayerProof = (stream: Uint8Array) => encodeBolt12String(PAYER_PROOF_PREFIX, stream);

/** A proof's fields as read from its stream (before the reader's checks). */
export interface PayerProof {
  bytes: Uint8Array;
  records: TlvRecord[];
  /** The disclosed invoice records (types < 240 or ≥ 1000000000), parsed as invoice fields. */
  invoicePart: Invoice;
  signature?: Uint8Array;
  proofSignature?: Uint8Array;
  preimage?: Uint8Array;
  omittedMarkers?: bigint[];
  missingHashes?: Uint8Array[];
  leafHashes?: Uint8Array[];
  note?: string;
  /** Records of types this reader does not know (odd), outside the invoice part. */
  unknown: TlvRecord[];
}

const PROOF_KNOWN = new Set<bigint>(Object.values(PROOF_TLV));

function hashList(r: TlvRecord, name: string): Uint8Array[] {
  if (r.value.length % 32 !== 0) throw new TlvError(`${name} length ${r.value.length} is not a multiple of 32`, r.offset, r.type);
  const out: Uint8Array[] = [];
  for (let i = 0; i < r.value.length; i += 32) out.push(r.value.slice(i, i + 32));
  return out;
}

function fixed(r: TlvRecord, name: string, n: number): Uint8Array {
  if (r.value.length !== n) throw new TlvError(`${name} must be ${n} bytes, not ${r.value.length}`, r.offset, r.type);
  return r.value.slice();
}

/**
 * TLV layer of a proof: framing (BOLT 1), the invoice part parsed as invoice
 * fields, the proof fields' encodings; unknown even types fail. Throws
 * TlvError (or Bolt12SemanticError for a non-UTF-8 note).
 */
export function parsePayerProof(bytes: Uint8Array): PayerProof {
  const records = readTlvRecords(bytes);
  const invRecs = records.filter((r) => isInvoiceTreeType(r.type));
  const invoicePart = parseTlvMessage('invoice', cat(invRecs.map((r) => r.raw)));
  const p: PayerProof = { bytes, records, invoicePart, unknown: [] };
  for (const r of records) {
    if (isInvoiceTreeType(r.type)) continue;
    if (!PROOF_KNOWN.has(r.type)) {
      // BOLT #1: an unknown even type fails the stream; an odd one is kept.
      if ((r.type & 1n) === 0n) throw new TlvError(`unknown even record type ${r.type}`, r.offset, r.type);
      p.unknown.push(r);
      continue;
    }
    if (r.type === PROOF_TLV.signature) p.signature = fixed(r, 'signature', 64);
    else if (r.type === PROOF_TLV.proof_signature) p.proofSignature = fixed(r, 'proof_signature', 64);
    else if (r.type === PROOF_TLV.proof_preimage) p.preimage = fixed(r, 'proof_preimage', 32);
    else if (r.type === PROOF_TLV.proof_missing_hashes) p.missingHashes = hashList(r, 'proof_missing_hashes');
    else if (r.type === PROOF_TLV.proof_leaf_hashes) p.leafHashes = hashList(r, 'proof_leaf_hashes');
    else if (r.type === PROOF_TLV.proof_omitted_tlvs) {
      const markers: bigint[] = [];
      for (let at = 0; at < r.value.length;) {
        const b = readBigSize(r.value, at, r.value.length, 'proof_omitted_tlvs entry');
        markers.push(b.value);
        at = b.next;
      }
      p.omittedMarkers = markers;
    } else if (r.type === PROOF_TLV.proof_note) {
      try {
        p.note = new TextDecoder('utf-8', { fatal: true }).decode(r.value);
      } catch {
        throw new TlvError('proof_note is not valid UTF-8', r.offset, r.type);
      }
    }
  }
  return p;
}

/** Decodes `lnp1…` text into its fields (TLV layer only; see payerProofProblem). */
export function decodePayerProof(text: string): PayerProof {
  const { prefix, bytes } = decodeBolt12String(text);
  if (prefix !== PAYER_PROOF_PREFIX) throw new Bolt12StringError(`not a payer proof: prefix '${prefix}' (expected lnp)`, 0);
  return parsePayerProof(bytes);
}

/**
 * BOLT-payer_proof #12 reader rules: undefined when the proof is valid,
 * otherwise why it must be rejected.
 */
export function payerProofProblem(p: PayerProof): string | undefined {
  const f = p.invoicePart.fields;
  // MUST reject if invreq_payer_id, invoice_payment_hash, invoice_node_id,
  // signature, proof_preimage, proof_missing_hashes, proof_leaf_hashes or
  // proof_signature are missing.
  const missing = [
    ['invreq_payer_id', f.invreq_payer_id], ['invoice_payment_hash', f.invoice_payment_hash], ['invoice_node_id', f.invoice_node_id],
    ['signature', p.signature], ['proof_preimage', p.preimage], ['proof_missing_hashes', p.missingHashes],
    ['proof_leaf_hashes', p.leafHashes], ['proof_signature', p.proofSignature],
  ].find(([, v]) => v === undefined);
  if (missing) return `missing ${missing[0]}`;
  // A writer MUST NOT include invreq_metadata.
  if (f.invreq_metadata !== undefined) return 'contains invreq_metadata';
  // SHA256(proof_preimage) does not equal invoice_payment_hash.
  if (!eq(sha256(p.preimage!), f.invoice_payment_hash!)) return 'proof_preimage does not hash to invoice_payment_hash';
  const included = p.records.filter((r) => isInvoiceTreeType(r.type));
  const includedTypes = new Set(included.map((r) => r.type));
  const markers = p.omittedMarkers ?? [];
  for (let i = 0; i < markers.length; i++) {
    const m = markers[i];
    const prev = i > 0 ? markers[i - 1] : 0n;
    // proof_omitted_tlvs are not in strict ascending order (no duplicates).
    if (i > 0 && m <= prev) return `proof_omitted_tlvs[${i}] = ${m} is not above ${prev}`;
    // ... contains 0.
    if (m === 0n) return `proof_omitted_tlvs[${i}] is 0`;
    // ... contains a number outside 1..239 and 1000000000..3999999999.
    if (!isMarkerNumber(m)) return `proof_omitted_tlvs[${i}] = ${m} is not a marker number`;
    // ... contains the number of an included TLV field.
    if (includedTypes.has(m)) return `proof_omitted_tlvs[${i}] = ${m} is an included field`;
    // ... proof_omitted_tlvs[i] is not next_marker(prev), prev being the
    // previous entry (0 for the first) or any included non-signature type.
    if (m !== nextMarker(prev) && !included.some((r) => nextMarker(r.type) === m)) {
      return `proof_omitted_tlvs[${i}] = ${m} follows neither the previous marker nor an included field`;
    }
  }
  let invoiceRoot: Uint8Array;
  try {
    invoiceRoot = reconstructInvoiceRoot(included, markers, p.leafHashes!, p.missingHashes!);
  } catch (e) {
    if (e instanceof PayerProofError) return e.message;
    throw e;
  }
  // signature is not a valid signature using invoice_node_id of the
  // reconstructed invoice root (messagename "invoice").
  if (!schnorrOk(p.signature!, signatureMessage('invoice', 'signature', invoiceRoot), f.invoice_node_id!)) {
    return 'signature does not verify for invoice_node_id';
  }
  // proof_signature is not a valid signature using invreq_payer_id, msg the
  // proof's Merkle root.
  if (!schnorrOk(p.proofSignature!, proofSignatureMessage(proofMerkleRoot(p.records)), f.invreq_payer_id!)) {
    return 'proof_signature does not verify for invreq_payer_id';
  }
  return undefined;
}

/** Decodes and checks an `lnp1…` string; throws PayerProofError if it must be rejected. */
export function verifyPayerProof(text: string): PayerProof {
  const p = decodePayerProof(text);
  const why = payerProofProblem(p);
  if (why) throw new PayerProofError(`payer proof: ${why}`);
  return p;
}

/** The invoice Merkle root a valid proof commits to (what the payee signed). */
export function proofInvoiceRoot(p: PayerProof): Uint8Array {
  return reconstructInvoiceRoot(p.records.filter((r) => isInvoiceTreeType(r.type)), p.omittedMarkers ?? [], p.leafHashes ?? [], p.missingHashes ?? []);
}

function schnorrOk(sig: Uint8Array, msg: Uint8Array, key33: Uint8Array): boolean {
  try {
    return secp.schnorr.verify(sig, msg, key33.subarray(1));
  } catch {
    return false;
  }
}

function eq(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function cat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
