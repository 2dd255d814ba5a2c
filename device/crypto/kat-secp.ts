// Known-answer tests of secp256k1, ECDH and BIP-340 (self-test codes 100-199).
// Kept small: the self-test also runs under a slow interpreter. The first
// point operation builds the fixed-base table (genInit), so its cost is
// included here.
//   100 secret keys 0 and n are rejected          105 ECDH: BOLT 4 onion vector hop 0
//   101 x-only pubkey, BIP-340 vector 1            106 compressed pubkey of 1 = G
//   102 BIP-340 sign, vector 1 (byte for byte)    107 tweak-add 1 + (n-1) gives "zero"
//   103 BIP-340 verify, vector 1                  108 (n-1)*(n-1) = 1 mod n
//   104 verify rejects a modified message
//   109-113 the constant-time complete addition gejAddGe against doubling and
//   the variable-time formula in its special cases (a = b, a = -b, a = infinity,
//   y1 = -y2 with x1 = beta*x2, and x1 = beta*x2 with y1 = y2)
import { SECP_ERR_RESULT_ZERO, SECP_ERR_SIG_INVALID, SECP_OK } from "../../shared/crypto-status";
import { bip340Sign, bip340Verify } from "./bip340";
import { ecdh } from "./ecdh";
import { pubkeyCreate, scalarMulModN, seckeyLoad, seckeyTweakAdd, xonlyPubkeyCreate } from "./keys";
import { bytesEqual } from "../util";
import { feEqual, feMul } from "./field";
import {
  FE_BETA, GE_SIZE, GEJ_SIZE, G_STORAGE, geFromStorage, geNegVar, geSetGej, gejAddGe, gejAddGeVar,
  gejDouble, gejIsInfinity, gejSetGe, gejSetInfinity, groupInit,
} from "./group";

const SK1: usize = memory.data<u8>([
  0xb7, 0xe1, 0x51, 0x62, 0x8a, 0xed, 0x2a, 0x6a, 0xbf, 0x71, 0x58, 0x80, 0x9c, 0xf4, 0xf3, 0xc7,
  0x62, 0xe7, 0x16, 0x0f, 0x38, 0xb4, 0xda, 0x56, 0xa7, 0x84, 0xd9, 0x04, 0x51, 0x90, 0xcf, 0xef,
]);
const PK1: usize = memory.data<u8>([
  0xdf, 0xf1, 0xd7, 0x7f, 0x2a, 0x67, 0x1c, 0x5f, 0x36, 0x18, 0x37, 0x26, 0xdb, 0x23, 0x41, 0xbe,
  0x58, 0xfe, 0xae, 0x1d, 0xa2, 0xde, 0xce, 0xd8, 0x43, 0x24, 0x0f, 0x7b, 0x50, 0x2b, 0xa6, 0x59,
]);
const AUX1: usize = memory.data<u8>([
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
]);
const MSG1: usize = memory.data<u8>([
  0x24, 0x3f, 0x6a, 0x88, 0x85, 0xa3, 0x08, 0xd3, 0x13, 0x19, 0x8a, 0x2e, 0x03, 0x70, 0x73, 0x44,
  0xa4, 0x09, 0x38, 0x22, 0x29, 0x9f, 0x31, 0xd0, 0x08, 0x2e, 0xfa, 0x98, 0xec, 0x4e, 0x6c, 0x89,
]);
const SIG1: usize = memory.data<u8>([
  0x68, 0x96, 0xbd, 0x60, 0xee, 0xae, 0x29, 0x6d, 0xb4, 0x8a, 0x22, 0x9f, 0xf7, 0x1d, 0xfe, 0x07,
  0x1b, 0xde, 0x41, 0x3e, 0x6d, 0x43, 0xf9, 0x17, 0xdc, 0x8d, 0xcf, 0x8c, 0x78, 0xde, 0x33, 0x41,
  0x89, 0x06, 0xd1, 0x1a, 0xc9, 0x76, 0xab, 0xcc, 0xb2, 0x0b, 0x09, 0x12, 0x92, 0xbf, 0xf4, 0xea,
  0x89, 0x7e, 0xfc, 0xb6, 0x39, 0xea, 0x87, 0x1c, 0xfa, 0x95, 0xf6, 0xde, 0x33, 0x9e, 0x4b, 0x0a,
]);
const ECDH_PUB: usize = memory.data<u8>([
  0x02, 0xee, 0xc7, 0x24, 0x5d, 0x6b, 0x7d, 0x2c, 0xcb, 0x30, 0x38, 0x0b, 0xfb, 0xe2, 0xa3, 0x64,
  0x8c, 0xd7, 0xa9, 0x42, 0x65, 0x3f, 0x5a, 0xa3, 0x40, 0xed, 0xce, 0xa1, 0xf2, 0x83, 0x68, 0x66,
  0x19,
]);
const ECDH_SS: usize = memory.data<u8>([
  0x53, 0xeb, 0x63, 0xea, 0x8a, 0x3f, 0xec, 0x3b, 0x3c, 0xd4, 0x33, 0xb8, 0x5c, 0xd6, 0x2a, 0x4b,
  0x14, 0x5e, 0x1d, 0xda, 0x09, 0x39, 0x1b, 0x34, 0x8c, 0x4e, 0x1c, 0xd3, 0x6a, 0x03, 0xea, 0x66,
]);
const G33: usize = memory.data<u8>([
  0x02, 0x79, 0xbe, 0x66, 0x7e, 0xf9, 0xdc, 0xbb, 0xac, 0x55, 0xa0, 0x62, 0x95, 0xce, 0x87, 0x0b,
  0x07, 0x02, 0x9b, 0xfc, 0xdb, 0x2d, 0xce, 0x28, 0xd9, 0x59, 0xf2, 0x81, 0x5b, 0x16, 0xf8, 0x17,
  0x98,
]);
const NM1: usize = memory.data<u8>([
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
  0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x40,
]);
const ZERO32: usize = memory.data(32, 8);
const ONE32: usize = memory.data<u8>([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
]);
const SC: usize = memory.data(32, 8);
const OUT: usize = memory.data(64, 8);
const MSG: usize = memory.data(32, 8);

const GA: usize = memory.data(<i32>GE_SIZE, 8);
const GB: usize = memory.data(<i32>GE_SIZE, 8);
const GR: usize = memory.data(<i32>GE_SIZE, 8);
const GX: usize = memory.data(<i32>GE_SIZE, 8);
const JA: usize = memory.data(<i32>GEJ_SIZE, 8);
const JR: usize = memory.data(<i32>GEJ_SIZE, 8);
const JX: usize = memory.data(<i32>GEJ_SIZE, 8);

// 1 when the Jacobian points j1, j2 (not infinity) are equal, via affine forms.
function sameAffine(j1: usize, j2: usize): bool {
  geSetGej(GR, j1);
  geSetGej(GX, j2);
  return feEqual(GR, GX) != 0 && feEqual(GR + 40, GX + 40) != 0;
}

// Complete-addition checks; a = 3G as a Jacobian point with Z != 1.
function katAddition(): i32 {
  groupInit();
  geFromStorage(GA, G_STORAGE);
  gejSetGe(JA, GA);
  gejDouble(JA, JA);
  gejAddGeVar(JA, JA, GA, 0);          // 3G, Z != 1
  geSetGej(GB, JA);                   // b = 3G affine
  // 109: a + a = 2a
  gejAddGe(JR, JA, GB);
  gejDouble(JX, JA);
  if (gejIsInfinity(JR) || !sameAffine(JR, JX)) return 109;
  // 110: a + (-a) = infinity
  geNegVar(GB);
  gejAddGe(JR, JA, GB);
  if (!gejIsInfinity(JR)) return 110;
  // 111: y1 = -y2, x1 = beta*x2 (the unified slope is 0/0): b = -lambda(a)
  feMul(GB, GB, FE_BETA);
  gejAddGe(JR, JA, GB);
  gejAddGeVar(JX, JA, GB, 0);
  if (gejIsInfinity(JR) || !sameAffine(JR, JX)) return 111;
  // 112: b = lambda(a) (same y, different x)
  geNegVar(GB);
  gejAddGe(JR, JA, GB);
  gejAddGeVar(JX, JA, GB, 0);
  if (gejIsInfinity(JR) || !sameAffine(JR, JX)) return 112;
  // 113: infinity + b = b
  gejSetInfinity(JX);
  gejAddGe(JR, JX, GB);
  gejSetGe(JX, GB);
  if (gejIsInfinity(JR) || !sameAffine(JR, JX)) return 113;
  return 0;
}

export function katSecp(): i32 {
  // 100: the key range check (0 < d < n).
  const NN: usize = OUT; // n = (n - 1) + 1, built in place
  for (let i: usize = 0; i < 32; i++) store<u8>(NN + i, load<u8>(NM1 + i));
  store<u8>(NN + 31, 0x41);
  if (seckeyLoad(SC, ZERO32) || seckeyLoad(SC, NN) || !seckeyLoad(SC, NM1)) return 100;
  // 101
  if (xonlyPubkeyCreate(OUT, SK1) != SECP_OK || !bytesEqual(OUT, PK1, 32)) return 101;
  // 102
  if (bip340Sign(OUT, MSG1, 32, SK1, AUX1) != SECP_OK || !bytesEqual(OUT, SIG1, 64)) return 102;
  // 103
  if (bip340Verify(MSG1, 32, PK1, SIG1) != SECP_OK) return 103;
  // 104
  for (let i: usize = 0; i < 32; i++) store<u8>(MSG + i, load<u8>(MSG1 + i));
  store<u8>(MSG + 31, load<u8>(MSG + 31) ^ 1);
  if (bip340Verify(MSG, 32, PK1, SIG1) != SECP_ERR_SIG_INVALID) return 104;
  // 105: session key 0x41 * 32 and the first hop's node id (BOLT 4 test vector).
  for (let i: usize = 0; i < 32; i++) store<u8>(SC + i, 0x41);
  if (ecdh(OUT, SC, ECDH_PUB) != SECP_OK || !bytesEqual(OUT, ECDH_SS, 32)) return 105;
  // 106
  if (pubkeyCreate(OUT, ONE32) != SECP_OK || !bytesEqual(OUT, G33, 33)) return 106;
  // 107
  if (seckeyTweakAdd(OUT, ONE32, NM1) != SECP_ERR_RESULT_ZERO) return 107;
  // 108
  if (scalarMulModN(OUT, NM1, NM1) != SECP_OK || !bytesEqual(OUT, ONE32, 32)) return 108;
  return katAddition();
}
