// Status codes and limits of the firmware's key derivation from a Core
// Lightning hsm_secret (device/keys/, exports keys_* in device/abi/keys.ts),
// one definition for the firmware (AssemblyScript) and the host (TypeScript).
// Plain `export const NAME = n;` lines only: both compilers accept them.
// Design notes: docs/firmware/keys.md. Nothing is written to an output on error.

export const KEYS_OK = 0;
/** A (pointer, length) argument lies outside linear memory, or outputs overlap inputs they must not. */
export const KEYS_ERR_ARG = 1;
/** hsm_secret shorter than 32 bytes (no known format). */
export const KEYS_ERR_FORMAT = 2;
/** 73-byte encrypted hsm_secret (Argon2id + XChaCha20-Poly1305): decrypt it with `lightning-hsmtool decrypt` first. */
export const KEYS_ERR_ENCRYPTED = 3;
/** Mnemonic text: not ASCII lower-case words separated by single spaces, a word longer than 8 letters, or a text length outside 47..215 bytes. */
export const KEYS_ERR_MNEMONIC_TEXT = 4;
/** Mnemonic word count is not 12, 15, 18, 21 or 24. */
export const KEYS_ERR_MNEMONIC_WORDS = 5;
/** A mnemonic word is not in the BIP39 English list. */
export const KEYS_ERR_MNEMONIC_WORD = 6;
/** The mnemonic's BIP39 checksum does not match its entropy. */
export const KEYS_ERR_MNEMONIC_CHECKSUM = 7;
/** The hsm_secret header holds a passphrase hash but no passphrase was given. */
export const KEYS_ERR_PASSPHRASE_REQUIRED = 8;
/** A passphrase was given for an hsm_secret made without one (all-zero header). */
export const KEYS_ERR_PASSPHRASE_NOT_NEEDED = 9;
/** SHA-256 of the seed made with the given passphrase differs from the header. */
export const KEYS_ERR_WRONG_PASSPHRASE = 10;
/** Passphrase longer than KEYS_MAX_PASSPHRASE bytes. */
export const KEYS_ERR_PASSPHRASE_LENGTH = 11;
/** secret_data length is not 32 (legacy) or 64 (BIP39 seed). */
export const KEYS_ERR_SECRET_DATA = 12;
/** No valid node key within KEYS_NODE_KEY_TRIES HKDF counters (probability about 2^-8000). */
export const KEYS_ERR_NODE_KEY = 13;
/** Payer tweak >= n, or node key + tweak = 0 (probability about 2^-128 each). */
export const KEYS_ERR_TWEAK = 14;
/** BIP-340 signing failed (a computation fault caught by the sign-then-verify check). */
export const KEYS_ERR_SIGN = 15;

/** Largest hsm_secret file accepted: 32-byte header + the longest 24-word text. */
export const KEYS_MAX_HSM_SECRET = 247;
/** Shortest and longest mnemonic text: 12 three-letter words, 24 eight-letter words. */
export const KEYS_MIN_MNEMONIC_TEXT = 47;
export const KEYS_MAX_MNEMONIC_TEXT = 215;
/** Longest BIP39 passphrase accepted (bytes, used verbatim as CLN/libwally do). */
export const KEYS_MAX_PASSPHRASE = 256;
/** HKDF salt counters tried for the node key (CLN loops until valid; one suffices but for ~2^-128). */
export const KEYS_NODE_KEY_TRIES = 64;
