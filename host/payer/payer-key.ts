// Payer keys for fetchinvoice (cln-rpc-digest §4.3, §7.4; offers digest §4.1
// steps 4–5). Core Lightning's offers plugin reads nodealias_base =
// `makesecret {string:"node-alias-base"}` from lightningd at init (§3.0) and
// derives, per request,
//   invreq_payer_id = node_id + SHA256(nodealias_base ‖ invreq_metadata)·G
// with metadata 16 random bytes (or payer_metadata), and for a recurring
// offer SHA256(nodealias_base ‖ offer_id ‖ recurrence_label), so every period
// of one (offer, label) has the same payer id. lnsigner does the same: the
// device holds the node's hsm_secret, so lightningd's makesecret is the
// device's alias base. The device re-derives the key from the metadata and
// refuses to sign (ERR_SIGN_KEY) a payer id it did not derive itself, so a
// wrong base only costs a refusal (docs/host/payer.md "Payer keys").
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js';
import { secp } from '../crypto/noble.js';
import type { LightningRpcClient } from '../node/client.js';

const enc = new TextEncoder();
const N = secp.Point.CURVE().n;

/** CLN: the makesecret info string of the payer-key base. */
export const NODE_ALIAS_BASE = 'node-alias-base';

const BASES = new WeakMap<LightningRpcClient, Promise<Uint8Array>>();

/** lightningd's makesecret("node-alias-base"), once per client (as CLN's offers plugin at init). */
export function nodeAliasBase(lightning: LightningRpcClient): Promise<Uint8Array> {
  let p = BASES.get(lightning);
  if (!p) {
    p = lightning.call('makesecret', { string: NODE_ALIAS_BASE }).then((r) => {
      const s = (r as { secret?: unknown }).secret;
      if (typeof s !== 'string' || !/^[0-9a-f]{64}$/i.test(s)) throw new Error('makesecret returned no 32-byte secret');
      return hexToBytes(s);
    });
    BASES.set(lightning, p);
    p.catch(() => BASES.delete(lightning));
  }
  return p;
}

/** §7.4: node_id + SHA256(base ‖ metadata)·G (compressed). */
export function derivePayerId(nodeId: Uint8Array, aliasBase: Uint8Array, metadata: Uint8Array): Uint8Array {
  const t = BigInt('0x' + bytesToHex(sha256(concatBytes(aliasBase, metadata)))) % N;
  const P = secp.Point.fromBytes(nodeId);
  return (t === 0n ? P : P.add(secp.Point.BASE.multiply(t))).toBytes(true);
}

/** §4.3: the metadata of every period of a recurring offer under one label. */
export function recurrenceMetadata(aliasBase: Uint8Array, offerId: Uint8Array, label: string): Uint8Array {
  return sha256(concatBytes(aliasBase, offerId, enc.encode(label)));
}
