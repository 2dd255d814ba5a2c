// Payer keys for fetchinvoice (cln-rpc-digest §4.3, §7.4; offers digest §4.1
// steps 4–5). Core Lightning's offers plugin derives, per request,
//   invreq_payer_id = node_id + SHA256(nodealias_base ‖ invreq_metadata)·G
// with nodealias_base = makesecret("node-alias-base"), metadata 16 random
// bytes (or payer_metadata), and for a recurring offer metadata =
// SHA256(nodealias_base ‖ offer_id ‖ recurrence_label), so every period of
// one (offer, label) has the same payer id. lnsigner's device holds that
// base and answers `payer_key` (0x2A) with the public results only: the
// payer id of a metadata, or a series' metadata and payer id. The host never
// holds the base, so this works whatever secret the device was provisioned
// with (device key mode, `provision generate`), and when lightningd runs on
// the device's hsm_secret the ids are Core Lightning's byte for byte
// (docs/host/payer.md "Payer keys").
import { bytesToHex } from '@noble/hashes/utils.js';
import { secp } from '../crypto/noble.js';
import type { DeviceSigner } from '../daemon/device-signer.js';
import type { PayerKey, PayerKeyQuery } from '../device-client/payer-key-requests.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';

export type { PayerKey, PayerKeyQuery } from '../device-client/payer-key-requests.js';

const failed = (m: string) => new RpcError(ErrorCode.LIGHTNINGD, m);

function validPoint(k: Uint8Array): boolean {
  if (k.length !== 33) return false;
  try {
    secp.Point.fromBytes(k).assertValidity();
    return true;
  } catch {
    return false;
  }
}

/**
 * §4.1 steps 4–5 on the device: `{metadata}` → its payer id; `{offerId,
 * recurrenceLabel}` → the series' metadata and payer id. The reply needs no
 * secret to check: a valid compressed point (the device signs the request
 * with its key, and that signature is verified under it before anything is
 * sent), 32 bytes of metadata for a series, the same metadata otherwise.
 */
export async function devicePayerKey(signer: DeviceSigner, q: PayerKeyQuery): Promise<PayerKey> {
  if (!signer.payerKey) throw failed('The device client cannot derive payer keys (payer_key)');
  let k: PayerKey;
  try {
    k = await signer.payerKey(q);
  } catch (e) {
    throw failed(`Could not derive the payer key on the device: ${(e as Error).message}`);
  }
  const metaOk = 'metadata' in q ? bytesToHex(k.metadata) === bytesToHex(q.metadata) : k.metadata.length === 32;
  if (!metaOk || !validPoint(k.payerId)) throw failed('The signing device returned a payer key that is not a valid public key for the request');
  return k;
}
