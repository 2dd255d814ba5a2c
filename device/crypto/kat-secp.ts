// Known-answer tests of secp256k1, ECDH and BIP-340 (self-test codes 100-199).
// To be filled by the secp256k1 work.
export function katSecp(): i32 {
  return 0;
}
