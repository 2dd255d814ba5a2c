// ChaCha20 (RFC 8439 §2.3 block function, §2.4 encryption) over raw memory.
// 256-bit key, 96-bit nonce, 32-bit block counter. No allocation: one static
// 64-byte keystream buffer, wiped after every call (not re-entrant).
//
// Secret hygiene: ARX only (add, rotate, xor); loop bounds and branches depend
// on the public length/offset/counter, never on key or data.

export const CHACHA20_OK: i32 = 0;
// RFC 8439 §2.4: the block counter is 32 bits; a request whose keystream
// would need a block beyond 2^32-1 is refused (nothing written).
export const CHACHA20_ERR_COUNTER: i32 = 1;

const KS: usize = memory.data(64);

@inline function rotl(x: u32, n: u32): u32 {
  return (x << n) | (x >>> (32 - n));
}

// RFC 8439 §2.3: state = constants "expand 32-byte k" || key (8 LE words) ||
// counter || nonce (3 LE words); 20 rounds (10 column + diagonal double
// rounds) of §2.1 quarter rounds; output = (working state + input state),
// serialised little-endian. Writes 64 bytes to `out` (may alias key/nonce).
export function chacha20Block(key: usize, nonce: usize, counter: u32, out: usize): void {
  const i0: u32 = 0x61707865, i1: u32 = 0x3320646e, i2: u32 = 0x79622d32, i3: u32 = 0x6b206574;
  const i4 = load<u32>(key), i5 = load<u32>(key, 4), i6 = load<u32>(key, 8), i7 = load<u32>(key, 12);
  const i8 = load<u32>(key, 16), i9 = load<u32>(key, 20), i10 = load<u32>(key, 24), i11 = load<u32>(key, 28);
  const i12 = counter;
  const i13 = load<u32>(nonce), i14 = load<u32>(nonce, 4), i15 = load<u32>(nonce, 8);
  let x0 = i0, x1 = i1, x2 = i2, x3 = i3, x4 = i4, x5 = i5, x6 = i6, x7 = i7;
  let x8 = i8, x9 = i9, x10 = i10, x11 = i11, x12 = i12, x13 = i13, x14 = i14, x15 = i15;
  for (let r = 0; r < 10; r++) {
    // §2.1 QUARTERROUND(a,b,c,d): a+=b; d^=a; d<<<=16; c+=d; b^=c; b<<<=12;
    //                             a+=b; d^=a; d<<<=8;  c+=d; b^=c; b<<<=7.
    // Column rounds: (0,4,8,12) (1,5,9,13) (2,6,10,14) (3,7,11,15).
    x0 += x4; x12 = rotl(x12 ^ x0, 16); x8 += x12; x4 = rotl(x4 ^ x8, 12);
    x0 += x4; x12 = rotl(x12 ^ x0, 8); x8 += x12; x4 = rotl(x4 ^ x8, 7);
    x1 += x5; x13 = rotl(x13 ^ x1, 16); x9 += x13; x5 = rotl(x5 ^ x9, 12);
    x1 += x5; x13 = rotl(x13 ^ x1, 8); x9 += x13; x5 = rotl(x5 ^ x9, 7);
    x2 += x6; x14 = rotl(x14 ^ x2, 16); x10 += x14; x6 = rotl(x6 ^ x10, 12);
    x2 += x6; x14 = rotl(x14 ^ x2, 8); x10 += x14; x6 = rotl(x6 ^ x10, 7);
    x3 += x7; x15 = rotl(x15 ^ x3, 16); x11 += x15; x7 = rotl(x7 ^ x11, 12);
    x3 += x7; x15 = rotl(x15 ^ x3, 8); x11 += x15; x7 = rotl(x7 ^ x11, 7);
    // Diagonal rounds: (0,5,10,15) (1,6,11,12) (2,7,8,13) (3,4,9,14).
    x0 += x5; x15 = rotl(x15 ^ x0, 16); x10 += x15; x5 = rotl(x5 ^ x10, 12);
    x0 += x5; x15 = rotl(x15 ^ x0, 8); x10 += x15; x5 = rotl(x5 ^ x10, 7);
    x1 += x6; x12 = rotl(x12 ^ x1, 16); x11 += x12; x6 = rotl(x6 ^ x11, 12);
    x1 += x6; x12 = rotl(x12 ^ x1, 8); x11 += x12; x6 = rotl(x6 ^ x11, 7);
    x2 += x7; x13 = rotl(x13 ^ x2, 16); x8 += x13; x7 = rotl(x7 ^ x8, 12);
    x2 += x7; x13 = rotl(x13 ^ x2, 8); x8 += x13; x7 = rotl(x7 ^ x8, 7);
    x3 += x4; x14 = rotl(x14 ^ x3, 16); x9 += x14; x4 = rotl(x4 ^ x9, 12);
    x3 += x4; x14 = rotl(x14 ^ x3, 8); x9 += x14; x4 = rotl(x4 ^ x9, 7);
  }
  // Wasm stores are little-endian, which is the §2.3 serialisation.
  store<u32>(out, x0 + i0); store<u32>(out, x1 + i1, 4);
  store<u32>(out, x2 + i2, 8); store<u32>(out, x3 + i3, 12);
  store<u32>(out, x4 + i4, 16); store<u32>(out, x5 + i5, 20);
  store<u32>(out, x6 + i6, 24); store<u32>(out, x7 + i7, 28);
  store<u32>(out, x8 + i8, 32); store<u32>(out, x9 + i9, 36);
  store<u32>(out, x10 + i10, 40); store<u32>(out, x11 + i11, 44);
  store<u32>(out, x12 + i12, 48); store<u32>(out, x13 + i13, 52);
  store<u32>(out, x14 + i14, 56); store<u32>(out, x15 + i15, 60);
}

// XORs `len` bytes of keystream into in -> out, starting `offset` bytes into
// the keystream of block `counter` (RFC 8439 §2.4 with counter = initial
// counter; offset lets a caller resume mid-stream, e.g. encrypt a message in
// pieces). Encryption and decryption are the same operation. `in` and `out`
// must be equal or disjoint. Returns CHACHA20_ERR_COUNTER (nothing written)
// if the 32-bit block counter would wrap.
export function chacha20Xor(key: usize, nonce: usize, counter: u32, offset: u64, input: usize, out: usize, len: usize): i32 {
  if (len == 0) return CHACHA20_OK;
  const first: u64 = <u64>counter + (offset >> 6);
  const last: u64 = <u64>counter + ((offset + <u64>len - 1) >> 6);
  if (last > 0xffffffff) return CHACHA20_ERR_COUNTER;
  let block = <u32>first;
  let skip = <usize>(offset & 63);
  let pos: usize = 0;
  while (pos < len) {
    chacha20Block(key, nonce, block, KS);
    let n: usize = 64 - skip;
    if (n > len - pos) n = len - pos;
    if (n == 64) {
      for (let j: usize = 0; j < 64; j += 4) {
        store<u32>(out + pos + j, load<u32>(input + pos + j) ^ load<u32>(KS + j));
      }
    } else {
      for (let j: usize = 0; j < n; j++) {
        store<u8>(out + pos + j, load<u8>(input + pos + j) ^ load<u8>(KS + skip + j));
      }
    }
    pos += n;
    skip = 0;
    block++;
  }
  for (let j: usize = 0; j < 64; j += 8) store<u64>(KS + j, 0);
  return CHACHA20_OK;
}
