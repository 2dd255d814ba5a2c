// A hop inside a blinded path (bolt-digest §4.4 step 3 and §4.7 reader,
// cln-offers-flow-digest §6.4): from the path key E it was handed and its own
// node secret k it derives ss = SHA256(k·E), opens its own
// encrypted_recipient_data with rho(ss), computes the next path key
// (next_path_key_override if its data has one, else SHA256(E ‖ ss)·E) and the
// blinded private key b = HMAC("blinded_node_id", ss)·k it peels the Sphinx
// packet with (the same as tweaking the packet's ephemeral key).
import { decodeEncryptedData, type EncryptedData } from './encrypted-data.js';
import { blindedNodeSecret, blindingSharedSecret, nextPathKey, openRecipientData, rhoKey } from './keys.js';
import { TlvError } from '../bolt12/errors.js';

/** Why a hop could not read its encrypted data (the message is dropped / the HTLC fails). */
export class BlindingError extends Error {
  constructor(readonly reason: 'bad_path_key' | 'decrypt_failed' | 'bad_encrypted_data', detail: string) {
    super(`${reason}: ${detail}`);
    this.name = 'BlindingError';
  }
}

export interface BlindingKeys {
  /** ss = SHA256(k·E). */
  sharedSecret: Uint8Array;
  rho: Uint8Array;
  /** b = HMAC("blinded_node_id", ss)·k: the Sphinx key of this blinded hop. */
  blindedSecret: Uint8Array;
}

export interface UnblindedHop extends BlindingKeys {
  /** The decrypted encrypted_data_tlv bytes. */
  plaintext: Uint8Array;
  data: EncryptedData;
  /** The path key to hand the next hop (override if present, else SHA256(E ‖ ss)·E). */
  nextPathKey: Uint8Array;
}

/** §6.4: the keys a hop derives from the path key alone. Throws BlindingError('bad_path_key'). */
export function blindingKeys(nodeSecret: Uint8Array, pathKey: Uint8Array): BlindingKeys {
  let ss: Uint8Array;
  try {
    ss = blindingSharedSecret(nodeSecret, pathKey);
  } catch (e) {
    throw new BlindingError('bad_path_key', (e as Error).message);
  }
  return { sharedSecret: ss, rho: rhoKey(ss), blindedSecret: blindedNodeSecret(nodeSecret, ss) };
}

/**
 * §4.7 reader: decrypt own data with rho (failure = MUST return an error /
 * drop), parse it (BOLT 1 rules), derive the next path key. Throws BlindingError.
 */
export function unblindHop(nodeSecret: Uint8Array, pathKey: Uint8Array, encryptedRecipientData: Uint8Array): UnblindedHop {
  const keys = blindingKeys(nodeSecret, pathKey);
  // §4.7: if the encrypted_data field cannot be decrypted: MUST return an error.
  const plaintext = openRecipientData(keys.rho, encryptedRecipientData);
  if (!plaintext) throw new BlindingError('decrypt_failed', 'encrypted_recipient_data does not decrypt with this path key');
  let data: EncryptedData;
  try {
    data = decodeEncryptedData(plaintext);
  } catch (e) {
    if (e instanceof TlvError) throw new BlindingError('bad_encrypted_data', e.message);
    throw e;
  }
  // §4.7: MUST use next_path_key_override as the next path key if present, else E_{i+1}.
  const next = data.nextPathKeyOverride ?? nextPathKey(pathKey, keys.sharedSecret);
  return { ...keys, plaintext, data, nextPathKey: next };
}
