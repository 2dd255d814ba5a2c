// Every exported function that takes a pointer checks it (issue 9): a pointer
// or a length reaching outside linear memory gives the export's argument-error
// code and never traps — for every pointer argument of every export, not only
// the secp_* ones.
import { describe, expect, it } from 'vitest';
import { loadFirmware } from '../host/firmware/load.js';
import { CRYPTO_ERR_ARG } from '../shared/hash-cipher-status.js';
import { SECP_ERR_ARG } from '../shared/crypto-status.js';
import { BOLT12_ERR_ARG } from '../shared/bolt12-limits.js';
import { KEYS_ERR_ARG } from '../shared/keys-status.js';

// [export, argument kinds, the code for an argument outside memory]
//   p = pointer (followed by its length when the next kind is 'l'), l = length,
//   k = other integer (kind, counter, hop count, size, index)
type Kind = 'p' | 'l' | 'k';
const EXPORTS: [string, Kind[], number][] = [
  ['crypto_sha256', ['p', 'l', 'p'], CRYPTO_ERR_ARG],
  ['crypto_sha256_init', ['p'], CRYPTO_ERR_ARG],
  ['crypto_sha256_update', ['p', 'p', 'l'], CRYPTO_ERR_ARG],
  ['crypto_sha256_final', ['p', 'p'], CRYPTO_ERR_ARG],
  ['crypto_hmac_sha256', ['p', 'l', 'p', 'l', 'p'], CRYPTO_ERR_ARG],
  ['crypto_hkdf_sha256', ['p', 'l', 'p', 'l', 'p', 'l', 'p', 'l'], CRYPTO_ERR_ARG],
  ['crypto_hkdf_sha256_extract', ['p', 'l', 'p', 'l', 'p'], CRYPTO_ERR_ARG],
  ['crypto_hkdf_sha256_expand', ['p', 'l', 'p', 'l', 'p', 'l'], CRYPTO_ERR_ARG],
  ['crypto_chacha20_block', ['p', 'p', 'k', 'p'], CRYPTO_ERR_ARG],
  ['crypto_chacha20_xor', ['p', 'p', 'k', 'k', 'p', 'p', 'l'], CRYPTO_ERR_ARG],
  ['crypto_chacha20poly1305_seal', ['p', 'p', 'p', 'l', 'p', 'l', 'p'], CRYPTO_ERR_ARG],
  ['crypto_chacha20poly1305_open', ['p', 'p', 'p', 'l', 'p', 'l', 'p'], -1],
  ['crypto_sha512', ['p', 'l', 'p'], CRYPTO_ERR_ARG],
  ['crypto_hmac_sha512', ['p', 'l', 'p', 'l', 'p'], CRYPTO_ERR_ARG],
  ['crypto_pbkdf2_hmac_sha512', ['p', 'l', 'p', 'l', 'k', 'p', 'l'], CRYPTO_ERR_ARG],
  ['secp_seckey_verify', ['p'], SECP_ERR_ARG],
  ['secp_pubkey', ['p', 'p'], SECP_ERR_ARG],
  ['secp_xonly_pubkey', ['p', 'p'], SECP_ERR_ARG],
  ['secp_pubkey_validate', ['p', 'p'], SECP_ERR_ARG],
  ['secp_seckey_tweak_add', ['p', 'p', 'p'], SECP_ERR_ARG],
  ['secp_seckey_tweak_mul', ['p', 'p', 'p'], SECP_ERR_ARG],
  ['secp_pubkey_tweak_mul', ['p', 'p', 'p'], SECP_ERR_ARG],
  ['secp_scalar_mul', ['p', 'p', 'p'], SECP_ERR_ARG],
  ['secp_ecdh', ['p', 'p', 'p'], SECP_ERR_ARG],
  ['bip340_sign', ['p', 'l', 'p', 'p', 'p'], SECP_ERR_ARG],
  ['bip340_verify', ['p', 'l', 'p', 'p'], SECP_ERR_ARG],
  ['bolt12_validate', ['k', 'p', 'l'], BOLT12_ERR_ARG],
  ['bolt12_merkle_root', ['p', 'l', 'p'], BOLT12_ERR_ARG],
  ['bolt12_sighash', ['k', 'p', 'l', 'p'], BOLT12_ERR_ARG],
  ['bolt12_sighash_tagged', ['k', 'p', 'l', 'p', 'l', 'p', 'l', 'p'], BOLT12_ERR_ARG],
  ['bolt12_bigsize_decode', ['p', 'l', 'p'], -3],
  ['keys_secret_data_from_hsm_secret', ['p', 'l', 'p', 'l', 'p', 'p'], KEYS_ERR_ARG],
  ['keys_bip39_word', ['k', 'p'], 0],
  ['keys_node_key', ['p', 'l', 'p'], KEYS_ERR_ARG],
  ['keys_node_id', ['p', 'l', 'p'], KEYS_ERR_ARG],
  ['keys_derived_secret', ['p', 'l', 'p'], KEYS_ERR_ARG],
  ['keys_makesecret', ['p', 'l', 'p', 'l', 'p'], KEYS_ERR_ARG],
  ['keys_payer_tweak', ['p', 'l', 'p', 'l', 'p'], KEYS_ERR_ARG],
  ['keys_payer_key', ['p', 'l', 'p', 'l', 'p'], KEYS_ERR_ARG],
  ['keys_payer_id', ['p', 'l', 'p', 'l', 'p'], KEYS_ERR_ARG],
  ['keys_bolt12_sign', ['p', 'l', 'p', 'l', 'p', 'p'], KEYS_ERR_ARG],
  ['onion_create', ['p', 'l', 'k', 'p', 'l', 'p', 'k', 'p', 'p'], 8],
];

// Exports that take no pointer (or clamp their only length to a buffer of their own).
const NO_POINTER = new Set([
  'io_ptr', 'io_size', 'selftest', 'crypto_sha256_ctx_size', 'secp_abi_version', 'bolt12_abi_version',
  'bolt12_max_message', 'keys_abi_version', 'onion_abi_version', 'onion_err_hop', 'fw_boot_info_ptr',
  'fw_boot', 'serial_rx_ptr', 'serial_rx_cap', 'serial_rx', 'boot_select', 'boot_trial_result',
  'fw_reset_pending', 'fw_static_end',
]);

describe('exported functions check their pointer arguments', () => {
  const fw = loadFirmware();
  const E = fw.exports;
  const end = fw.memory.buffer.byteLength;

  it('the table covers every exported function that takes arguments', () => {
    const fns = Object.keys(E).filter((n) => typeof E[n] === 'function');
    expect(fns.filter((n) => !NO_POINTER.has(n) && !EXPORTS.some(([e]) => e === n))).toEqual([]);
    for (const [name, kinds] of EXPORTS) expect([name, E[name].length]).toEqual([name, kinds.length]);
  });

  for (const [name, kinds, code] of EXPORTS) {
    it(`${name}: a pointer or length outside memory is ${code}, not a trap`, () => {
      // A baseline of valid arguments: pointers 1 KiB apart in the io area, 32-byte lengths.
      const base = kinds.map((k, i) => (k === 'p' ? fw.io + 1024 * i : k === 'l' ? 32 : 1));
      if (name === 'onion_create') base[6] = 1300;
      const bad: number[][] = [];
      kinds.forEach((k, i) => {
        if (k === 'p') {
          for (const p of [end - 1, end, -16, -1]) { const a = [...base]; a[i] = p; bad.push(a); }
        }
        if (k === 'l' && kinds[i - 1] === 'p') {
          for (const l of [end, 0x7fffffff, -1]) { const a = [...base]; a[i] = l; bad.push(a); }
        }
      });
      expect(bad.length).toBeGreaterThan(0);
      for (const args of bad) {
        let r: unknown;
        expect(() => { r = E[name](...args); }, `${name}(${args.join(', ')})`).not.toThrow();
        expect([args, r]).toEqual([args, code]);
      }
    });
  }
});
