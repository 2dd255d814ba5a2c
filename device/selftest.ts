// Power-on self-test: known-answer tests of every primitive. Returns 0 when all
// pass, otherwise the code of the first failing check (codes documented in
// docs/firmware.md: 1-99 hashes and ciphers, 100-199 secp256k1/BIP-340,
// 200-299 BOLT 12 codec, 300-399 key derivation, 400-499 onion construction). Runs under any MVP interpreter (wabt's
// spectest-interp in CI, see flash-scripts/interp-selftest.sh).
import { katHashes } from "./crypto/kat-hashes";
import { katSecp } from "./crypto/kat-secp";
import { katBolt12 } from "./bolt12/kat";
import { katKeys } from "./keys/kat";
import { katOnion } from "./onion/kat";

export function selftest(): i32 {
  let r = katHashes();
  if (r != 0) return r;
  r = katSecp();
  if (r != 0) return r;
  r = katBolt12();
  if (r != 0) return r;
  r = katKeys();
  if (r != 0) return r;
  r = katOnion();
  return r;
}
