// Node 0's key from a Core Lightning hsm_secret (`simnet --node0-hsm-secret`),
// so the simulated node the plugin runs beside is the node the signing device
// was provisioned as: lightningd's node id = the device's node id, as in a real
// deployment where the device holds the node's hsm_secret (node-key mode), and
// blinded payment paths that end at node 0 end at the device's node (the
// device's rule 9). Core Lightning (hsmd, legacy 32-byte hsm_secret):
// node key = HKDF-SHA256(ikm = hsm_secret, salt = u32le counter, info =
// "nodeid"), the counter starting at 0 and incremented until the result is a
// valid secp256k1 scalar. Only the 32-byte (unencrypted, legacy) format is
// taken here; the mnemonic formats are the device's business (provision).
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { secp } from '../crypto/noble.js';

export function clnNodeSecret(hsmSecret: Uint8Array): Uint8Array {
  if (hsmSecret.length !== 32) throw new Error('--node0-hsm-secret takes a 32-byte hsm_secret (64 hex digits)');
  const info = new TextEncoder().encode('nodeid');
  for (let counter = 0; ; counter++) {
    const salt = Uint8Array.of(counter & 0xff, (counter >>> 8) & 0xff, (counter >>> 16) & 0xff, counter >>> 24);
    const k = hkdf(sha256, hsmSecret, salt, info, 32);
    if (secp.utils.isValidSecretKey(k)) return k;
  }
}
