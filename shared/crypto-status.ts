// Status codes returned by the firmware's secp256k1 / ECDH / BIP-340 functions
// (device/abi/secp.ts). Shared verbatim by the AssemblyScript firmware and the
// TypeScript host, hence plain untyped constants.

// Success (for bip340_verify: the signature is valid).
export const SECP_OK = 0;
// Secret key is 0 or >= n.
export const SECP_ERR_SECKEY = 1;
// Tweak is >= n (additive tweak) or 0 / >= n (multiplicative tweak).
export const SECP_ERR_TWEAK = 2;
// The tweaked secret key would be 0.
export const SECP_ERR_RESULT_ZERO = 3;
// Public key: bad prefix (not 02/03), x >= p, or x not on the curve.
export const SECP_ERR_PUBKEY = 4;
// Well-formed BIP-340 signature that does not verify.
export const SECP_ERR_SIG_INVALID = 5;
// BIP-340 signature with r >= p.
export const SECP_ERR_SIG_R = 6;
// BIP-340 signature with s >= n.
export const SECP_ERR_SIG_S = 7;
// aux pointer was 0 and the hardware entropy source failed.
export const SECP_ERR_ENTROPY = 8;
// Derived BIP-340 nonce is 0 (probability about 2^-256).
export const SECP_ERR_NONCE = 9;
// Result is the point at infinity (impossible for valid inputs; never returned as data).
export const SECP_ERR_INFINITY = 10;
// Scalar operand of secp_scalar_mul is >= n.
export const SECP_ERR_SCALAR = 11;
// A freshly made BIP-340 signature failed its own verification (a computation
// fault); nothing was written.
export const SECP_ERR_FAULT = 12;
// A (pointer, length) argument lies outside linear memory.
export const SECP_ERR_ARG = 13;
