// Status codes of the firmware's hash/cipher exports (crypto_hmac_*,
// crypto_hkdf_*, crypto_chacha20_*), one definition for the firmware
// (AssemblyScript) and the host (TypeScript).
// Plain `export const NAME = n;` lines only: both compilers accept them.

export const CRYPTO_OK = 0;
/** A (pointer, length) argument lies outside linear memory, or ChaCha20 in/out partially overlap. */
export const CRYPTO_ERR_ARG = 1;
/** HKDF output longer than 255 * 32 = 8160 bytes (RFC 5869 §2.3). */
export const CRYPTO_ERR_LENGTH = 2;
/** ChaCha20: the 32-bit block counter would wrap (RFC 8439 §2.4). */
export const CRYPTO_ERR_COUNTER = 3;
/** HKDF output overlaps `info` (info is read for every output block). */
export const CRYPTO_ERR_OVERLAP = 4;
