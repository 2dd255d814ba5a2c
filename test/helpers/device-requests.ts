// Shared by the device-requests-*.test.ts files: the CLN key vectors as
// hsm_secret files, independent @noble derivations of node and payer keys, and
// invoice_request / invoice streams built from the CLN schema examples.
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secp } from '../../host/crypto/noble.js';
import { decodeBolt12 } from '../../host/bolt12/index.js';
import { encodeTlvStream, readTlvRecords } from '../../host/bolt12/tlv.js';
import { DeviceError } from '../../host/transport/errors.js';
import { ascii, cat, h, vector } from './bytes.js';

export const vectors = vector('cln-key-derivation-vectors.json');

export interface KeyCase {
  name: string;
  file: Uint8Array;
  passphrase?: string;
  secretData: Uint8Array;
  nodePriv: Uint8Array;
  nodeId: string;
  payerExamples: { metadata: string; payerId: string }[];
}

const field = (c: Record<string, unknown>, prefix: string): string =>
  c[Object.keys(c).find((k) => k.startsWith(prefix))!] as string;

/** Every key case as the hsm_secret file CLN would write (v25.12+ format:
 *  zero header without passphrase, SHA-256(seed) with one). */
export const keyCases: KeyCase[] = vectors.key_cases.map((c: any) => {
  const sd = h(field(c, 'secret_data_hex'));
  const pass: string = c.passphrase ?? '';
  const file = c.hsm_secret_file_hex ? h(c.hsm_secret_file_hex) : cat(pass ? sha256(sd) : new Uint8Array(32), ascii(c.mnemonic));
  return {
    name: c.name,
    file,
    passphrase: pass || undefined,
    secretData: sd,
    nodePriv: h(c.node_privkey_hex),
    nodeId: c.node_id,
    payerExamples: (c.payer_key_examples ?? []).map((p: any) => ({ metadata: p.invreq_metadata_hex, payerId: p.invreq_payer_id })),
  };
});

const N = secp.Point.CURVE().n;
const big = (b: Uint8Array) => BigInt('0x' + Buffer.from(b).toString('hex'));

/** CLN digest §7.3/§7.4 on the host, independent of the firmware. */
export function payerKeyRef(secretData: Uint8Array, nodePriv: Uint8Array, metadata: Uint8Array): { priv: Uint8Array; id: string } {
  const derived = hkdf(sha256, secretData, undefined, ascii('derived secrets'), 32);
  const base = hkdf(sha256, derived, undefined, ascii('node-alias-base'), 32);
  const tweak = big(sha256(cat(base, metadata)));
  const d = (big(nodePriv) + tweak) % N;
  const priv = h(d.toString(16).padStart(64, '0'));
  return { priv, id: Buffer.from(secp.getPublicKey(priv, true)).toString('hex') };
}

/** The TLV stream of a bolt12 string (signature record included). */
export function streamOf(bolt12: string): Uint8Array {
  return decodeBolt12(bolt12).bytes;
}

/** The stream without signature records (240..1000). */
export function unsigned(stream: Uint8Array): Uint8Array {
  return encodeTlvStream(readTlvRecords(stream).filter((r) => r.type < 240n || r.type > 1000n).map((r) => ({ type: r.type, value: r.value })));
}

/** `stream` with record `type` set to `value` (added, replaced, or removed when null). */
export function withRecord(stream: Uint8Array, type: bigint, value: Uint8Array | null): Uint8Array {
  const rest = readTlvRecords(stream).filter((r) => r.type !== type).map((r) => ({ type: r.type, value: r.value }));
  return encodeTlvStream(value === null ? rest : [...rest, { type, value }]);
}

export const sv = vectors.signing_vectors as any[];
/** The invoicerequest example #1 (signed by lightning-2's node key). */
export const INVREQ = streamOf(sv[0].bolt12);
/** The fetchinvoice example's invoice (invoice_node_id = lightning-2). */
export const INVOICE = streamOf(sv[2].bolt12);

/** Rejects with DeviceError carrying `status` (and `detail` when given). */
export async function refused(p: Promise<unknown>, status: number, detail?: number): Promise<DeviceError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (!(e instanceof DeviceError)) throw new Error(`expected DeviceError ${status}, got ${e === undefined ? 'success' : String(e)}`);
  if (e.status !== status || (detail !== undefined && e.detail !== detail)) {
    throw new Error(`expected status 0x${status.toString(16)} detail ${detail}, got 0x${e.status.toString(16)} detail ${e.detail}`);
  }
  return e;
}

export const tmp = () => mkdtempSync(join(tmpdir(), 'lnsigner-req-'));
