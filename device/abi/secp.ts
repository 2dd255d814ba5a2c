// Exported secp256k1 / BIP-340 / ECDH primitives (chip interface).
// To be filled by the secp256k1 work.
export function secp_abi_version(): u32 {
  return 1;
}
