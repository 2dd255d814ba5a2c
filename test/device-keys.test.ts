// Device key derivation from a Core Lightning hsm_secret (device/keys/*,
// exports keys_* in device/abi/keys.ts) against
// test/vectors/cln-key-derivation-vectors.json: secret_data, node key and id,
// derived secret, makesecret values, payer keys, and the BOLT 12 signing
// vectors (sighash with the device's bolt12_* functions, BIP-340 signature
// with the derived key, byte for byte). Every expected value is also
// recomputed on the host with @noble, and fast-check compares random payer
// keys and random valid mnemonics with @noble. Invalid files give their
// status codes, never a trap.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { secp } from '../host/crypto/noble.js';
import { loadFirmware } from '../host/firmware/load.js';
import { h, x, ascii, cat } from './helpers/bytes.js';
import { decodeBolt12String } from '../host/bolt12/bech32-string.js';
import * as K from '../shared/keys-status.js';
import * as L from '../shared/bolt12-limits.js';

const { schnorr } = secp;
const N = secp.Point.CURVE().n;

const vectors = JSON.parse(readFileSync(new URL('./vectors/cln-key-derivation-vectors.json', import.meta.url), 'utf8'));
const big = (b: Uint8Array) => BigInt('0x' + (x(b) || '0'));
const b32 = (v: bigint) => h(v.toString(16).padStart(64, '0'));
/** Vector fields carry explanations in their names ("secret_data_hex (BIP39 seed, 64 bytes)"). */
const field = (o: Record<string, any>, prefix: string): any => {
  const k = Object.keys(o).find((n) => n === prefix || n.startsWith(prefix + ' '));
  return k === undefined ? undefined : o[k];
};

const fw = loadFirmware();
const E = fw.exports;
const MEM = fw.memory.buffer.byteLength;
const KNOWN_STATUS = new Set(Object.entries(K).filter(([n]) => n.startsWith('KEYS_ERR_') || n === 'KEYS_OK').map(([, v]) => v));

/** Bump allocator over the firmware's io scratch area, reset per call. */
function scratch() {
  let p = fw.io;
  return {
    put(data: Uint8Array): number {
      const at = p;
      if (at + data.length > fw.io + fw.ioSize) throw new Error('io area exhausted');
      fw.write(at, data);
      p += data.length;
      return at;
    },
    alloc(n: number): number {
      return this.put(new Uint8Array(n));
    },
  };
}

// ---- device calls ----

function devSecretData(file: Uint8Array, pass?: Uint8Array): { code: number; sd?: Uint8Array } {
  const s = scratch();
  const f = s.put(file), p = pass ? s.put(pass.length ? pass : new Uint8Array(1)) : 0;
  const out = s.put(new Uint8Array(64).fill(0xee)), outLen = s.alloc(4);
  const code = E.keys_secret_data_from_hsm_secret(f, file.length, p, pass?.length ?? 0, out, outLen);
  if (code !== K.KEYS_OK) {
    expect(x(fw.read(out, 64))).toBe('ee'.repeat(64)); // nothing written on error
    return { code };
  }
  const n = new DataView(fw.memory.buffer).getUint32(outLen, true);
  return { code, sd: fw.read(out, n) };
}

/** Calls a keys_* export taking (sd, sdLen, [data, dataLen,] out) and returns its output. */
function devDerive(fn: string, sd: Uint8Array, outLen: number, data?: Uint8Array): Uint8Array {
  const s = scratch();
  const a = s.put(sd), d = data ? s.put(data.length ? data : new Uint8Array(1)) : 0, out = s.alloc(outLen);
  const code = data ? E[fn](a, sd.length, d, data.length, out) : E[fn](a, sd.length, out);
  expect(code, fn).toBe(K.KEYS_OK);
  return fw.read(out, outLen);
}

function devSign(sd: Uint8Array, tweak: Uint8Array, sighash: Uint8Array): Uint8Array {
  const s = scratch();
  const a = s.put(sd), t = s.put(tweak.length ? tweak : new Uint8Array(1)), m = s.put(sighash), out = s.alloc(64);
  expect(E.keys_bolt12_sign(a, sd.length, t, tweak.length, m, out)).toBe(K.KEYS_OK);
  return fw.read(out, 64);
}

function devSighash(kind: number, stream: Uint8Array): { root: string; sighash: string } {
  const s = scratch();
  const p = s.put(stream), r = s.alloc(32), o = s.alloc(32);
  expect(E.bolt12_merkle_root(p, stream.length, r)).toBe(L.BOLT12_OK);
  expect(E.bolt12_sighash(kind, p, stream.length, o)).toBe(L.BOLT12_OK);
  return { root: x(fw.read(r, 32)), sighash: x(fw.read(o, 32)) };
}

// ---- host reference (spec §7, with @noble) ----

const ref = {
  seed: (mnemonic: string, pass: string) => pbkdf2(sha512, ascii(mnemonic), ascii('mnemonic' + pass), { c: 2048, dkLen: 64 }),
  nodeKey(sd: Uint8Array): Uint8Array {
    for (let counter = 0; ; counter++) {
      const salt = new Uint8Array(4);
      new DataView(salt.buffer).setUint32(0, counter, true);
      const k = hkdf(sha256, sd.subarray(0, 32), salt, ascii('nodeid'), 32);
      if (big(k) > 0n && big(k) < N) return k;
    }
  },
  derived: (sd: Uint8Array) => hkdf(sha256, sd, undefined, ascii('derived secrets'), 32),
  makesecret: (sd: Uint8Array, info: Uint8Array) => hkdf(sha256, ref.derived(sd), undefined, info, 32),
  tweak: (sd: Uint8Array, meta: Uint8Array) => sha256(cat(ref.makesecret(sd, ascii('node-alias-base')), meta)),
  payerKey: (sd: Uint8Array, meta: Uint8Array) => b32((big(ref.nodeKey(sd)) + big(ref.tweak(sd, meta))) % N),
};

// ---- BIP39 word list as the device holds it ----

const WORDS: string[] = [];
for (let i = 0; i < 2048; i++) {
  const out = fw.io;
  const n = E.keys_bip39_word(i, out);
  WORDS.push(Buffer.from(fw.read(out, n)).toString('ascii'));
}

/** A BIP39 mnemonic of `entropy` (16..32 bytes, multiple of 4), built on the host. */
function mnemonicOf(entropy: Uint8Array): string {
  const cs = entropy.length / 4; // ENT / 32 checksum bits
  let bits = [...entropy].map((b) => b.toString(2).padStart(8, '0')).join('');
  bits += [...sha256(entropy)].map((b) => b.toString(2).padStart(8, '0')).join('').slice(0, cs);
  const words: string[] = [];
  for (let i = 0; i < bits.length; i += 11) words.push(WORDS[parseInt(bits.slice(i, i + 11), 2)]);
  return words.join(' ');
}

const ZERO32 = new Uint8Array(32);
const fileOf = (mnemonic: string, header: Uint8Array = ZERO32) => cat(header, ascii(mnemonic));

describe('BIP39 English word list on the device', () => {
  it('decodes to the BIP39 english.txt file (SHA-256 of the newline-terminated list)', () => {
    expect(WORDS.length).toBe(2048);
    expect(x(sha256(ascii(WORDS.join('\n') + '\n')))).toBe('2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda');
    expect(WORDS[0]).toBe('abandon');
    expect(WORDS[3]).toBe('about');
    expect(WORDS[2047]).toBe('zoo');
  });

  it('index >= 2048 or an out pointer outside memory gives length 0', () => {
    expect(E.keys_bip39_word(2048, fw.io)).toBe(0);
    expect(E.keys_bip39_word(0xffffffff, fw.io)).toBe(0);
    expect(E.keys_bip39_word(0, MEM - 4)).toBe(0);
  });
});

describe('CLN key cases (cln-key-derivation-vectors.json)', () => {
  for (const c of vectors.key_cases) {
    describe(c.name, () => {
      const pass: string = c.passphrase ?? '';
      const sdHex: string = field(c, 'secret_data_hex');
      const sd = h(sdHex);
      // The vector's file, or one built as CLN v25.12+ writes it: header =
      // zeros without a passphrase, SHA-256(seed) with one.
      const file: Uint8Array = c.hsm_secret_file_hex
        ? h(c.hsm_secret_file_hex)
        : fileOf(c.mnemonic, pass ? sha256(sd) : ZERO32);

      it('secret_data from the hsm_secret file (and @noble agrees)', () => {
        if (c.mnemonic) {
          expect(x(ref.seed(c.mnemonic, pass))).toBe(sdHex);
          expect(x(file.subarray(32))).toBe(x(ascii(c.mnemonic)));
        } else {
          expect(x(file)).toBe(sdHex);
        }
        const r = devSecretData(file, pass ? ascii(pass) : undefined);
        expect(r.code).toBe(K.KEYS_OK);
        expect(x(r.sd!)).toBe(sdHex);
      });

      it('node key and node id', () => {
        expect(x(ref.nodeKey(sd))).toBe(c.node_privkey_hex);
        expect(x(secp.getPublicKey(h(c.node_privkey_hex), true))).toBe(c.node_id);
        expect(x(devDerive('keys_node_key', sd, 32))).toBe(c.node_privkey_hex);
        expect(x(devDerive('keys_node_id', sd, 33))).toBe(c.node_id);
      });

      if (c.derived_secret_hex) {
        it('derived secret', () => {
          expect(x(ref.derived(sd))).toBe(c.derived_secret_hex);
          expect(x(devDerive('keys_derived_secret', sd, 32))).toBe(c.derived_secret_hex);
        });
      }

      for (const [info, value] of Object.entries<string>(c.makesecret ?? {})) {
        it(`makesecret("${info}")`, () => {
          expect(x(ref.makesecret(sd, ascii(info)))).toBe(value);
          expect(x(devDerive('keys_makesecret', sd, 32, ascii(info)))).toBe(value);
        });
      }

      for (const p of c.payer_key_examples ?? []) {
        const meta = h(field(p, 'invreq_metadata_hex'));
        const tweak: string = field(p, 'tweak_hex');
        const payer: string = field(p, 'payer_privkey_hex');
        it(`payer key for invreq_metadata ${x(meta)}`, () => {
          expect(x(ref.tweak(sd, meta))).toBe(tweak);
          expect(x(ref.payerKey(sd, meta))).toBe(payer);
          expect(x(secp.getPublicKey(h(payer), true))).toBe(p.invreq_payer_id);
          expect(x(devDerive('keys_payer_tweak', sd, 32, meta))).toBe(tweak);
          expect(x(devDerive('keys_payer_key', sd, 32, meta))).toBe(payer);
          expect(x(devDerive('keys_payer_id', sd, 33, meta))).toBe(p.invreq_payer_id);
        });
      }
    });
  }

  it('a pre-v25.12 32-byte file of the first 32 seed bytes has the same node id, another derived secret', () => {
    const c = vectors.key_cases[0];
    const seed = h(field(c, 'secret_data_hex'));
    const legacy = devSecretData(seed.subarray(0, 32));
    expect(legacy.code).toBe(K.KEYS_OK);
    expect(x(devDerive('keys_node_id', legacy.sd!, 33))).toBe(c.node_id);
    expect(x(devDerive('keys_derived_secret', legacy.sd!, 32))).not.toBe(c.derived_secret_hex);
  });
});

describe('BOLT 12 signing vectors', () => {
  const l2 = vectors.key_cases.find((c: any) => c.name.includes('"lightning-2"') && c.mnemonic);
  const sd = h(field(l2, 'secret_data_hex'));
  for (const v of vectors.signing_vectors) {
    it(`${v.source}: merkle root, sighash, signature byte for byte`, () => {
      const { prefix, bytes } = decodeBolt12String(v.bolt12);
      const kind = prefix === 'lnr' ? L.BOLT12_KIND_INVOICE_REQUEST : L.BOLT12_KIND_INVOICE;
      expect(`lightning${v.messagename}${v.fieldname}`).toBe(v.tag);
      const d = devSighash(kind, bytes);
      expect(d.root).toBe(v.merkle_root_hex);
      expect(d.sighash).toBe(v.sighash_hex);
      const sigHex: string = field(v, 'signature_hex');
      // CLN signs with the node key (empty tweak) and aux_rand = 32 zero bytes.
      expect(x(schnorr.sign(h(v.sighash_hex), h(l2.node_privkey_hex), new Uint8Array(32)))).toBe(sigHex);
      const sig = devSign(sd, new Uint8Array(0), h(v.sighash_hex));
      expect(x(sig)).toBe(sigHex);
      // The message carries the same signature (TLV 240, last record).
      expect(x(bytes.subarray(bytes.length - 64))).toBe(sigHex);
    });
  }

  it('with a tweak, the signature is the payer key\'s (equal to @noble, verifies under invreq_payer_id)', () => {
    const c = vectors.key_cases[0];
    const sd1 = h(field(c, 'secret_data_hex'));
    const p = c.payer_key_examples[0];
    const meta = h(field(p, 'invreq_metadata_hex'));
    const msg = sha256(ascii('any sighash'));
    const sig = devSign(sd1, meta, msg);
    expect(x(sig)).toBe(x(schnorr.sign(msg, h(field(p, 'payer_privkey_hex')), new Uint8Array(32))));
    expect(schnorr.verify(sig, msg, h(p.invreq_payer_id).subarray(1))).toBe(true);
  });
});

describe('properties', () => {
  const c = vectors.key_cases[1];
  const sd = h(field(c, 'secret_data_hex'));
  const nodePriv = big(h(c.node_privkey_hex));
  const base = h(c.makesecret['node-alias-base']);

  it('payer key for random invreq_metadata = node_priv + SHA256(base || metadata) mod n (@noble)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (meta) => {
      const tweak = sha256(cat(base, meta));
      const priv = b32((nodePriv + big(tweak)) % N);
      expect(x(devDerive('keys_payer_tweak', sd, 32, meta))).toBe(x(tweak));
      expect(x(devDerive('keys_payer_key', sd, 32, meta))).toBe(x(priv));
      expect(x(devDerive('keys_payer_id', sd, 33, meta))).toBe(x(secp.getPublicKey(priv, true)));
    }), { numRuns: 100 });
  });

  it('random secret_data (32 or 64 bytes): node key, makesecret match the host reference', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 64, maxLength: 64 })),
      fc.uint8Array({ maxLength: 80 }), (s, info) => {
        expect(x(devDerive('keys_node_key', s, 32))).toBe(x(ref.nodeKey(s)));
        expect(x(devDerive('keys_makesecret', s, 32, info))).toBe(x(ref.makesecret(s, info)));
      }), { numRuns: 100 });
  });

  it('random valid mnemonics (12..24 words) and passphrases: secret_data = @noble BIP39 seed', () => {
    fc.assert(fc.property(
      fc.constantFrom(16, 20, 24, 28, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
      fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
      (entropy, pass) => {
        const m = mnemonicOf(entropy);
        const seed = ref.seed(m, pass ?? '');
        const r = devSecretData(fileOf(m, pass === undefined ? ZERO32 : sha256(seed)), pass === undefined ? undefined : ascii(pass));
        expect(r.code).toBe(K.KEYS_OK);
        expect(x(r.sd!)).toBe(x(seed));
      },
    ), { numRuns: 25 });
  });

  it('one word replaced by another list word: checksum error, or (1 in 2^CS) still valid', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(11), fc.nat(2047), (entropy, pos, w) => {
      const words = mnemonicOf(entropy).split(' ');
      if (words[pos] === WORDS[w]) return;
      words[pos] = WORDS[w];
      const m = words.join(' ');
      const code = devSecretData(fileOf(m)).code;
      // Valid iff the host's own checksum rule says so.
      const bits = words.map((wd) => WORDS.indexOf(wd).toString(2).padStart(11, '0')).join('');
      const ent = Uint8Array.from({ length: 16 }, (_, i) => parseInt(bits.slice(i * 8, i * 8 + 8), 2));
      const ok = mnemonicOf(ent) === m;
      expect(code).toBe(ok ? K.KEYS_OK : K.KEYS_ERR_MNEMONIC_CHECKSUM);
    }), { numRuns: 60 });
  });

  it('random files never trap and return a known status', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.option(fc.uint8Array({ maxLength: 300 }), { nil: undefined }), (file, pass) => {
      const r = devSecretData(file, pass);
      expect(KNOWN_STATUS.has(r.code)).toBe(true);
    }), { numRuns: 300 });
  });

  it('random mnemonic-like texts (letters, spaces, a few other bytes) never trap', () => {
    const ch = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz    A\n\t\u00e9'.split(''));
    fc.assert(fc.property(fc.array(ch, { minLength: 40, maxLength: 230 }), (cs) => {
      const r = devSecretData(fileOf(cs.join('')));
      expect(KNOWN_STATUS.has(r.code)).toBe(true);
      expect(r.code).not.toBe(K.KEYS_OK);
    }), { numRuns: 200 });
  });
});

describe('invalid hsm_secret files and arguments', () => {
  const valid12 = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
  const valid24 = 'zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote';
  const code = (file: Uint8Array, pass?: Uint8Array) => devSecretData(file, pass).code;

  it('the valid texts used below are accepted', () => {
    expect(code(fileOf(valid12))).toBe(K.KEYS_OK);
    expect(code(fileOf(valid24))).toBe(K.KEYS_OK);
  });

  it('files shorter than 32 bytes: KEYS_ERR_FORMAT', () => {
    for (const n of [0, 1, 16, 31]) expect(code(new Uint8Array(n))).toBe(K.KEYS_ERR_FORMAT);
  });

  it('73-byte encrypted file: KEYS_ERR_ENCRYPTED (with or without a passphrase)', () => {
    const enc = Uint8Array.from({ length: 73 }, (_, i) => i * 7);
    expect(code(enc)).toBe(K.KEYS_ERR_ENCRYPTED);
    expect(code(enc, ascii('secret'))).toBe(K.KEYS_ERR_ENCRYPTED);
    expect(code(enc, new Uint8Array(300).fill(0x61))).toBe(K.KEYS_ERR_ENCRYPTED);
  });

  it('mnemonic text length outside 47..215 bytes: KEYS_ERR_MNEMONIC_TEXT', () => {
    for (const n of [33, 50, 72, 74, 78]) expect(code(new Uint8Array(n))).toBe(K.KEYS_ERR_MNEMONIC_TEXT);
    expect(code(fileOf(valid12 + ' abandon'.repeat(18)))).toBe(K.KEYS_ERR_MNEMONIC_TEXT); // 237 bytes
  });

  it('text rules: upper case, double/leading/trailing spaces, tab, newline, NUL, non-ASCII, long word', () => {
    const bad = [
      valid12.replace('about', 'About'),
      valid12.toUpperCase(),
      valid12.replace(' ', '  '),
      ' ' + valid12,
      valid12 + ' ',
      valid12.replace(' ', '\t'),
      valid12 + '\n',
      valid12 + '\0',
      valid12.replace('about', 'abo\u00e9t'),
      valid12.replace('about', 'aboutaboutx'),
    ];
    for (const t of bad) {
      const c = code(fileOf(t));
      // Empty words (doubled or edge spaces) are refused either as text or as unknown words.
      expect([K.KEYS_ERR_MNEMONIC_TEXT, K.KEYS_ERR_MNEMONIC_WORD, K.KEYS_ERR_MNEMONIC_WORDS], JSON.stringify(t)).toContain(c);
    }
    expect(code(fileOf(valid12.toUpperCase()))).toBe(K.KEYS_ERR_MNEMONIC_TEXT);
    expect(code(fileOf(valid12 + '\n'))).toBe(K.KEYS_ERR_MNEMONIC_TEXT);
    expect(code(fileOf(valid12.replace('about', 'abo\u00e9t')))).toBe(K.KEYS_ERR_MNEMONIC_TEXT);
    expect(code(fileOf(valid12.replace('about', 'aboutaboutx')))).toBe(K.KEYS_ERR_MNEMONIC_TEXT);
    expect(code(fileOf(valid12.replace(' ', '  ')))).toBe(K.KEYS_ERR_MNEMONIC_WORDS);
  });

  it('word counts other than 12/15/18/21/24: KEYS_ERR_MNEMONIC_WORDS', () => {
    const w = valid12.split(' ');
    expect(code(fileOf(w.slice(1).join(' ')))).toBe(K.KEYS_ERR_MNEMONIC_WORDS); // 11 words
    expect(code(fileOf(valid12 + ' abandon'))).toBe(K.KEYS_ERR_MNEMONIC_WORDS); // 13
    expect(code(fileOf(valid24.split(' ').slice(0, 23).join(' ')))).toBe(K.KEYS_ERR_MNEMONIC_WORDS); // 23
    expect(code(fileOf('zoo ' + valid24))).toBe(K.KEYS_ERR_MNEMONIC_TEXT); // 25 words
  });

  it('a word not in the list: KEYS_ERR_MNEMONIC_WORD', () => {
    expect(code(fileOf(valid12.replace('about', 'abouts')))).toBe(K.KEYS_ERR_MNEMONIC_WORD);
    expect(code(fileOf(valid12.replace('about', 'abou')))).toBe(K.KEYS_ERR_MNEMONIC_WORD);
    expect(code(fileOf(valid12.replace('about', 'xyz')))).toBe(K.KEYS_ERR_MNEMONIC_WORD);
  });

  it('a wrong checksum: KEYS_ERR_MNEMONIC_CHECKSUM', () => {
    expect(code(fileOf(valid12.replace('about', 'abandon')))).toBe(K.KEYS_ERR_MNEMONIC_CHECKSUM);
    expect(code(fileOf(valid24.replace('vote', 'zoo')))).toBe(K.KEYS_ERR_MNEMONIC_CHECKSUM);
  });

  it('passphrase rules: required, not needed, wrong, too long', () => {
    const seed = ref.seed(valid12, 'TREZOR');
    const withPass = fileOf(valid12, sha256(seed));
    expect(code(withPass)).toBe(K.KEYS_ERR_PASSPHRASE_REQUIRED);
    expect(code(withPass, ascii('trezor'))).toBe(K.KEYS_ERR_WRONG_PASSPHRASE);
    expect(code(withPass, new Uint8Array(0))).toBe(K.KEYS_ERR_WRONG_PASSPHRASE);
    expect(code(withPass, new Uint8Array(K.KEYS_MAX_PASSPHRASE + 1).fill(0x41))).toBe(K.KEYS_ERR_PASSPHRASE_LENGTH);
    const r = devSecretData(withPass, ascii('TREZOR'));
    expect(r.code).toBe(K.KEYS_OK);
    expect(x(r.sd!)).toBe('c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04');
    expect(code(fileOf(valid12), ascii('TREZOR'))).toBe(K.KEYS_ERR_PASSPHRASE_NOT_NEEDED);
    expect(code(new Uint8Array(32).fill(1), ascii('x'))).toBe(K.KEYS_ERR_PASSPHRASE_NOT_NEEDED);
  });

  it('secret_data of a length other than 32/64: KEYS_ERR_SECRET_DATA; pointers outside memory: KEYS_ERR_ARG', () => {
    const s = scratch();
    const sd = s.put(new Uint8Array(64).fill(3)), out = s.alloc(72), info = s.put(ascii('x'));
    for (const n of [0, 31, 33, 63, 65]) {
      expect(E.keys_node_key(sd, n, out)).toBe(K.KEYS_ERR_SECRET_DATA);
      expect(E.keys_makesecret(sd, n, info, 1, out)).toBe(K.KEYS_ERR_SECRET_DATA);
    }
    expect(E.keys_node_key(MEM - 16, 32, out)).toBe(K.KEYS_ERR_ARG);
    expect(E.keys_node_key(sd, 32, MEM - 16)).toBe(K.KEYS_ERR_ARG);
    expect(E.keys_node_id(sd, 32, MEM - 32)).toBe(K.KEYS_ERR_ARG);
    expect(E.keys_makesecret(sd, 32, MEM - 1, 2, out)).toBe(K.KEYS_ERR_ARG);
    expect(E.keys_payer_key(sd, 64, MEM - 1, 16, out)).toBe(K.KEYS_ERR_ARG);
    expect(E.keys_payer_id(sd, 64, info, 1, MEM - 1)).toBe(K.KEYS_ERR_ARG);
    expect(E.keys_bolt12_sign(sd, 64, info, 1, MEM - 31, out)).toBe(K.KEYS_ERR_ARG);
    expect(E.keys_secret_data_from_hsm_secret(MEM - 10, 32, 0, 0, out, out + 64)).toBe(K.KEYS_ERR_ARG);
    expect(E.keys_secret_data_from_hsm_secret(sd, 32, MEM - 1, 8, out, out + 64)).toBe(K.KEYS_ERR_ARG);
    expect(E.keys_secret_data_from_hsm_secret(sd, 32, 0, 0, MEM - 63, out)).toBe(K.KEYS_ERR_ARG);
    expect(E.keys_secret_data_from_hsm_secret(sd, 32, 0, 0, out, MEM - 3)).toBe(K.KEYS_ERR_ARG);
  });
});
