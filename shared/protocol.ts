// The lnsigner serial wire protocol: the one definition read by the firmware
// (AssemblyScript, device/proto/) and the host (TypeScript, host/transport/,
// host/device-client/). Written in the subset both compilers accept: integer
// constants (`export const NAME = 0x12;`, AssemblyScript infers i32) and small
// functions on i32. docs/protocol.md explains every field; keep them in step.
//
// On the wire a frame is
//     0x00 | COBS(body) | 0x00
// and its body, once COBS-decoded, is
//     type u8 | id u16le | len u16le | payload[len] | crc32c u32le
// with CRC-32C (shared/crc32c.ts) over type..payload. The 0x00 delimiter is the
// sync marker: COBS guarantees it never occurs inside a frame, so a receiver
// resynchronises at the next 0x00 whatever it lost or received in between.

/** Version of this protocol, reported by get_info and the boot event. */
export const PROTO_VERSION = 1;

// ---- Frame layout -----------------------------------------------------------

/** The sync marker: starts and ends every frame, never occurs inside one. */
export const FRAME_DELIM = 0x00;
/** Offsets in the decoded body. */
export const FRAME_OFF_TYPE = 0;
export const FRAME_OFF_ID = 1;
export const FRAME_OFF_LEN = 3;
/** Body header size (type, id, len); the payload starts here. */
export const FRAME_HDR = 5;
/** CRC size, after the payload. */
export const FRAME_CRC = 4;
/** Header plus CRC: the smallest body. */
export const FRAME_OVERHEAD = 9;
/** Largest payload: an 8 KiB BOLT 12 TLV stream plus 256 bytes of request fields. */
export const FRAME_MAX_PAYLOAD = 8448;
/** Largest decoded body: FRAME_HDR + FRAME_MAX_PAYLOAD + FRAME_CRC. */
export const FRAME_MAX_BODY = 8457;
/** Largest frame on the wire: 2 delimiters + body + one COBS code byte per
 *  started 254 bytes of body (8457 / 254 -> 34). Checked by test/protocol-*. */
export const FRAME_MAX_WIRE = 8493;
/** COBS: a code byte announces at most this many following bytes plus one. */
export const COBS_MAX_RUN = 254;

/** Request ids are u16, chosen by the host, never 0; replies echo them. Id 0
 *  marks device frames that answer no request (boot event, errors about
 *  frames whose id could not be read). */
export const ID_NONE = 0;

// ---- Message types ------------------------------------------------------------
// Requests are 0x01..0x6F (host -> device); the success reply to request T is
// T | MSG_REPLY (device -> host). 0xF0..0xFF are device frames of their own.

export const MSG_REPLY = 0x80;

/** ping: any payload (up to FRAME_MAX_PAYLOAD); the reply echoes it. */
export const MSG_PING = 0x01;
/** get_info: empty payload; the reply is the INFO_* layout below. */
export const MSG_GET_INFO = 0x02;

// Provisioning (issue item 1; handlers come with the provisioning work).
/** provision: mode u8 | network u8 | mode data (see PROVISION_*); reply: node id[33].
 *  Refused with ERR_ALREADY_PROVISIONED once provisioned. */
export const MSG_PROVISION = 0x10;
/** wipe: node id[33] (exactly; must equal the current one), then the user's
 *  press on the device; reply: empty. The only way back to unprovisioned. */
export const MSG_WIPE = 0x11;

// Signing (handlers come with the crypto and BOLT 12 work).
/** sign_bolt12: name lengths and names, then the full TLV stream (SIGN_* below);
 *  reply: signature[64] | merkle root[32] | key kind u8 | public key[33]. The
 *  device parses the stream, computes the root and chooses the key itself. */
export const MSG_SIGN_BOLT12 = 0x20;
/** ecdh: point[33] (compressed); reply: shared secret[32] with the node key. */
export const MSG_ECDH = 0x21;

// RESERVED for the sendpay issue: onion building. Number and retry class are
// fixed here so hosts and firmware agree; its payload is defined by that work.
export const MSG_BUILD_ONION = 0x30;

// RESERVED for firmware update through the bootloader (issue item 4).
export const MSG_FW_BEGIN = 0x40;
export const MSG_FW_CHUNK = 0x41;
export const MSG_FW_COMMIT = 0x42;
export const MSG_FW_ABORT = 0x43;
export const MSG_REBOOT = 0x44;

/** Boot event, unsolicited, id 0: the device (re)started. Payload: BOOT_EVT_*. */
export const MSG_EVT_BOOT = 0xf0;
/** Error reply: ERR_* code and, for frame errors, how many bytes were thrown
 *  away. Payload: ERROR_* layout. */
export const MSG_ERROR = 0xff;

// ---- Request classes: one table for the dispatcher and the host's retry policy.

/** The type is a request of this protocol version. */
export const REQ_KNOWN = 1;
/** Running it twice has the effect of running it once: the host may resend it
 *  after a timeout, a lost or damaged reply, or a device reset. */
export const REQ_IDEMPOTENT = 2;
/** Refused with ERR_NOT_PROVISIONED until the device holds a secret. */
export const REQ_NEEDS_SECRET = 4;
/** Can take long on a microcontroller (signing, flash writes): hosts allow
 *  REQ_SLOW_TIMEOUT_MS instead of their usual per-request timeout. */
export const REQ_SLOW = 8;

/** Suggested timeout for REQ_SLOW requests, in ms (plus line time). */
export const REQ_SLOW_TIMEOUT_MS = 10000;

/** Flags of request type `type`; 0 when it is not a request. */
export function requestFlags(type: i32): i32 {
  if (type == MSG_PING) return REQ_KNOWN | REQ_IDEMPOTENT;
  if (type == MSG_GET_INFO) return REQ_KNOWN | REQ_IDEMPOTENT;
  if (type == MSG_PROVISION) return REQ_KNOWN | REQ_SLOW;
  if (type == MSG_WIPE) return REQ_KNOWN | REQ_NEEDS_SECRET | REQ_SLOW;
  if (type == MSG_SIGN_BOLT12) return REQ_KNOWN | REQ_IDEMPOTENT | REQ_NEEDS_SECRET | REQ_SLOW;
  if (type == MSG_ECDH) return REQ_KNOWN | REQ_IDEMPOTENT | REQ_NEEDS_SECRET | REQ_SLOW;
  // Retry class fixed when 0x30 was reserved: the transport does not resend
  // it by itself. Running it twice is nevertheless harmless (same onion, the
  // spend recorded once per payment hash, partid and route: docs/protocol.md
  // "build_onion"), so a caller may resend it explicitly after a timeout.
  if (type == MSG_BUILD_ONION) return REQ_KNOWN | REQ_NEEDS_SECRET | REQ_SLOW;
  if (type == MSG_GET_POLICY) return REQ_KNOWN | REQ_IDEMPOTENT;
  if (type == MSG_SET_POLICY) return REQ_KNOWN | REQ_IDEMPOTENT | REQ_NEEDS_SECRET | REQ_SLOW;
  // Paths and onion messages are fresh per request (device-derived keys):
  // running one twice gives two unlinkable results, harmless, so a resend
  // is fine. onion_message_read reads the stored packet only.
  if (type == MSG_BLINDED_PATH) return REQ_KNOWN | REQ_IDEMPOTENT | REQ_NEEDS_SECRET | REQ_SLOW;
  if (type == MSG_ONION_MESSAGE) return REQ_KNOWN | REQ_IDEMPOTENT | REQ_NEEDS_SECRET | REQ_SLOW;
  if (type == MSG_ONION_MESSAGE_READ) return REQ_KNOWN | REQ_IDEMPOTENT;
  // Merchant requests (issue 11): pure functions of the payload and the
  // device's keys (offer_create draws a fresh nonce: a new offer each time).
  if (type == MSG_OFFER_CREATE) return REQ_KNOWN | REQ_IDEMPOTENT | REQ_NEEDS_SECRET | REQ_SLOW;
  if (type == MSG_SIGN_INVOICE) return REQ_KNOWN | REQ_IDEMPOTENT | REQ_NEEDS_SECRET | REQ_SLOW;
  if (type == MSG_RELEASE_PREIMAGE) return REQ_KNOWN | REQ_IDEMPOTENT | REQ_NEEDS_SECRET | REQ_SLOW;
  if (type == MSG_PAYMENT_HASH) return REQ_KNOWN | REQ_IDEMPOTENT | REQ_NEEDS_SECRET | REQ_SLOW;
  // Payer proof (issue 12): a pure function of the payload and the keys.
  if (type == MSG_SIGN_PAYER_PROOF) return REQ_KNOWN | REQ_IDEMPOTENT | REQ_NEEDS_SECRET | REQ_SLOW;
  // Payer (issue 12): a resend of a recorded part returns the same onion and
  // counts nothing again; pay_failed of a part already released finds nothing.
  if (type == MSG_PAY_INVOICE) return REQ_KNOWN | REQ_IDEMPOTENT | REQ_NEEDS_SECRET | REQ_SLOW;
  if (type == MSG_PAY_FAILED) return REQ_KNOWN | REQ_IDEMPOTENT | REQ_NEEDS_SECRET | REQ_SLOW;
  // Chunks carry their offset, so resending one rewrites the same bytes.
  if (type == MSG_FW_BEGIN) return REQ_KNOWN | REQ_SLOW;
  if (type == MSG_FW_CHUNK) return REQ_KNOWN | REQ_IDEMPOTENT | REQ_SLOW;
  if (type == MSG_FW_COMMIT) return REQ_KNOWN | REQ_SLOW;
  if (type == MSG_FW_ABORT) return REQ_KNOWN | REQ_IDEMPOTENT;
  if (type == MSG_REBOOT) return REQ_KNOWN;
  // Allowlist (issue 12): add waits for a press; not resent by the transport.
  if (type == MSG_ALLOWLIST) return REQ_KNOWN | REQ_NEEDS_SECRET | REQ_SLOW;
  // Payer keys (issue 12): a pure function of the payload and the device's keys.
  if (type == MSG_PAYER_KEY) return REQ_KNOWN | REQ_IDEMPOTENT | REQ_NEEDS_SECRET | REQ_SLOW;
  return 0;
}

// ---- Status codes (ERROR reply) ------------------------------------------------
// 0x01..0x0F: the frame was damaged and thrown away (request NOT executed; the
// reply's id is the one read from the damaged frame, a hint only).
// 0x10..: the frame was intact (id exact) and the request was refused.

export const ERR_FRAME_CRC = 0x01;
/** The frame ended (next 0x00) before its COBS groups or header said it would:
 *  cut short, or a new frame began before the last ended. */
export const ERR_FRAME_TRUNCATED = 0x02;
/** The frame is longer than its len field says (two frames fused, garbage). */
export const ERR_FRAME_LENGTH = 0x03;
/** More than FRAME_MAX_BODY bytes before the next delimiter. */
export const ERR_FRAME_OVERSIZE = 0x04;
/** Highest code of a frame error: codes up to it mean "not executed". */
export const ERR_FRAME_LAST = 0x0f;

/** Intact frame of a type this protocol does not know (or not a request). */
export const ERR_UNKNOWN_TYPE = 0x10;
/** A request of this protocol this firmware build does not implement (yet). */
export const ERR_UNSUPPORTED = 0x11;
/** The payload does not have the request's layout. */
export const ERR_BAD_PAYLOAD = 0x12;
export const ERR_NOT_PROVISIONED = 0x13;
export const ERR_ALREADY_PROVISIONED = 0x14;
/** The device's policy refuses the request (detail: which rule). */
export const ERR_REFUSED = 0x15;
/** Persistent storage failed (detail: the board's error code). */
export const ERR_FLASH = 0x16;
export const ERR_INTERNAL = 0x17;
// Confirmation on the device (docs/protocol.md "Confirmation"): a request that
// needs the user's press is answered with one of these until it is resolved.
/** The request waits for the user's press; re-send the SAME payload to poll
 *  (nothing changed yet). */
export const ERR_CONFIRM_PENDING = 0x18;
/** The user pressed deny (detail 1: the board could not show the prompt); nothing changed. */
export const ERR_CONFIRM_DENIED = 0x19;
/** The board's prompt timed out; nothing changed. */
export const ERR_CONFIRM_TIMEOUT = 0x1a;
/** Another request is waiting for a press; try later. Nothing changed. */
export const ERR_CONFIRM_BUSY = 0x1b;
// 0x20..0x2F signing, 0x30..0x3F onion building, 0x40..0x4F firmware update,
// 0x50..0x5F provisioning: reserved for those requests' own refusals.

// sign_bolt12 / ecdh refusals (detail word in brackets).
/** Message or field name the device does not sign [1 = message name, 2 = field name]. */
export const ERR_SIGN_NAME = 0x20;
/** The TLV stream is not a well-formed stream of that message
 *  [BOLT12_ERR_* | offset of the offending record << 8]. */
export const ERR_SIGN_STREAM = 0x21;
/** A field the signing policy reads is missing or malformed [its TLV type]. */
export const ERR_SIGN_FIELD = 0x22;
/** The stream names a key the device will not sign with: invreq_payer_id is
 *  neither the node id nor the payer key of invreq_metadata, or
 *  invoice_node_id is not the node id [the TLV type: 88 or 176]. */
export const ERR_SIGN_KEY = 0x23;
/** ecdh: the point is not a valid compressed secp256k1 point [SECP_ERR_*]. */
export const ERR_ECDH_POINT = 0x24;

// provision / wipe refusals.
/** The hsm_secret file (or passphrase) is refused [KEYS_ERR_*, shared/keys-status.ts]. */
export const ERR_HSM_SECRET = 0x50;
/** wipe: the payload is not the device's node id. */
export const ERR_WIPE_CONFIRM = 0x51;
/** provision generate: the entropy source failed or looks stuck [1 = failed, 2 = stuck]. */
export const ERR_ENTROPY = 0x52;

// fw_begin / fw_chunk / fw_commit refusals (payloads and image format in
// shared/firmware-image.ts; docs/firmware-images.md).
/** Not an image header this bootloader reads (magic, format, header size,
 *  wasm length 0 or larger than a slot). */
export const ERR_FW_FORMAT = 0x40;
/** Anti-rollback: not newer than the running image, or below the stored
 *  minimum [the version it had to exceed or reach]. */
export const ERR_FW_ROLLBACK = 0x41;
/** The signature does not verify with the release key the device holds. */
export const ERR_FW_SIGNATURE = 0x42;
/** The wasm in flash does not hash to the header's SHA-256. */
export const ERR_FW_HASH = 0x43;
/** Out of sequence: no update in progress (none begun, or the device reset
 *  since), a gap, different bytes at an offset already written, or commit
 *  before every byte arrived [bytes received so far / offending offset]. */
export const ERR_FW_STATE = 0x44;

// ---- ERROR payload -----------------------------------------------------------
//     code u8 | ref type u8 | discarded u32le | detail u32le
export const ERROR_OFF_CODE = 0;
/** The type the error is about (0 when unknown: an unreadable frame). */
export const ERROR_OFF_TYPE = 1;
/** Bytes thrown away by the receiver for this error: the damaged frame's
 *  bytes between its delimiters (delimiters not counted); 0 for refusals. */
export const ERROR_OFF_DISCARDED = 2;
/** Request-specific detail (offending offset, policy rule, board error). */
export const ERROR_OFF_DETAIL = 6;
export const ERROR_SIZE = 10;

// ---- Boot event payload -----------------------------------------------------
//     reset reason u8 | protocol version u8 | reserved u16 | boot count u32le |
//     session u32le
// The session is drawn from the device's entropy at every boot: a host that
// missed the boot event still sees a reset as a new session in get_info.
export const BOOT_EVT_OFF_REASON = 0;
export const BOOT_EVT_OFF_PROTO = 1;
export const BOOT_EVT_OFF_COUNT = 4;
export const BOOT_EVT_OFF_SESSION = 8;
export const BOOT_EVT_SIZE = 12;

// ---- get_info reply payload (fields are only ever appended) -------------------
//  0 proto version u8 | 1 flags u8 | 2 network u8 | 3 active slot u8 |
//  4 firmware version u32le | 8 boot count u32le | 12 session u32le |
// 16 max payload u16le | 18 reserved u16 | 20 image hash[32] |
// 52 node id[33] | 85 device id[16]  (101 bytes)
export const INFO_OFF_PROTO = 0;
export const INFO_OFF_FLAGS = 1;
export const INFO_OFF_NETWORK = 2;
export const INFO_OFF_SLOT = 3;
export const INFO_OFF_FW_VERSION = 4;
export const INFO_OFF_BOOT_COUNT = 8;
export const INFO_OFF_SESSION = 12;
export const INFO_OFF_MAX_PAYLOAD = 16;
export const INFO_OFF_IMAGE_HASH = 20;
export const INFO_OFF_NODE_ID = 52;
export const INFO_SIZE = 101;
/** INFO flags bit: the device holds a secret (node id is valid). */
export const INFO_FLAG_PROVISIONED = 1;

// ---- Networks (get_info, provision) ------------------------------------------
export const NET_NONE = 0;
export const NET_BITCOIN = 1;
export const NET_TESTNET = 2;
export const NET_SIGNET = 3;
export const NET_REGTEST = 4;

// ---- provision modes (first payload byte) --------------------------------------
//     mode u8 | network u8 (NET_BITCOIN..NET_REGTEST) | mode data
export const PROVISION_OFF_MODE = 0;
export const PROVISION_OFF_NETWORK = 1;
export const PROVISION_OFF_DATA = 2;
/** mode | network | hsm_secret file[rest]: Core Lightning's hsm_secret file
 *  contents (32-byte legacy, or v25.12+ mnemonic format), no passphrase. */
export const PROVISION_HSM_SECRET = 1;
/** mode | network: the device draws 32 bytes from its own entropy and uses
 *  them as a legacy 32-byte hsm_secret (which then never leaves it). */
export const PROVISION_GENERATE = 2;
/** mode | network | file length u16le | hsm_secret file | BIP39 passphrase[rest]
 *  (UTF-8 bytes exactly as given to Core Lightning; may be empty). */
export const PROVISION_HSM_SECRET_PASSPHRASE = 3;

// ---- wipe payload ---------------------------------------------------------------
//     node id[33], exactly: must equal the device's node id (ERR_WIPE_CONFIRM:
//     a stray request cannot name another device); then the user's press.
export const WIPE_SIZE = 33;

// ---- sign_bolt12 payload ----------------------------------------------------------
//     message name length u8 | message name | field name length u8 | field name |
//     TLV stream[rest]
// Names are ASCII as in the signature tag: "invoice_request" or "invoice", and
// "signature". The stream is the whole message (signature records may be
// present and are left out of the root); at most BOLT12_MAX_MESSAGE bytes.
// Reply (SIGN_REPLY_*): signature[64] | merkle root[32] | key kind u8 | key[33]
export const SIGN_REPLY_OFF_SIG = 0;
export const SIGN_REPLY_OFF_ROOT = 64;
export const SIGN_REPLY_OFF_KEY_KIND = 96;
export const SIGN_REPLY_OFF_KEY = 97;
export const SIGN_REPLY_SIZE = 130;
/** Key kinds: the node key, or the payer key derived from invreq_metadata. */
export const SIGN_KEY_NODE = 0;
export const SIGN_KEY_PAYER = 1;

// ---- ecdh payload -------------------------------------------------------------------
//     point[33] (compressed); reply: SHA-256 of the compressed shared point[32].
export const ECDH_POINT_SIZE = 33;
export const ECDH_REPLY_SIZE = 32;

/** Public key sizes used by the payloads above. */
export const NODE_ID_SIZE = 33;
export const HASH_SIZE = 32;

// ---- build_onion (MSG_BUILD_ONION) / onion construction -----------------------
// docs/protocol.md "build_onion", docs/firmware/onion.md.
/** Most hops in one onion (BOLT 4 error decoding assumes at most 27). */
export const ONION_MAX_HOPS = 27;
/** Routing info size of a payment onion (hop_payloads). */
export const ONION_MAX_ROUTING = 1300;
/** version ‖ public key[33] ‖ hop_payloads[1300] ‖ hmac[32]. */
export const ONION_PACKET_SIZE = 1366;
// Request (MSG_BUILD_ONION):
//   0 flags u8 (ONION_FLAG_*) | 1 hop count u8 (1..ONION_MAX_HOPS) |
//   2 payment_hash[32] (associated data) | 34 partid u64le |
//  42 first-hop amount u64le (msat of the HTLC the host offers the first hop) |
//  50 [session key[32] when ONION_FLAG_SESSION_KEY] |
//     then per hop: node id[33] | hop data = BigSize length ‖ TLV payload
//     (as Core Lightning's createonion `payload`).
// Reply: onion[ONION_PACKET_SIZE] | shared secret[32] per hop (route order).
export const ONION_OFF_FLAGS = 0;
export const ONION_OFF_HOPS = 1;
export const ONION_OFF_PAYMENT_HASH = 2;
export const ONION_OFF_PARTID = 34;
export const ONION_OFF_FIRST_AMOUNT = 42;
export const ONION_OFF_ROUTE = 50;
/** The session key follows the header (else the device derives it). */
export const ONION_FLAG_SESSION_KEY = 1;
/** createonion mode (needs ONION_FLAG_SESSION_KEY): after the session key come
 *  onion_size u16le | assocdata length u16le | assocdata, then the hops. The
 *  header's payment hash, partid and first-hop amount are ignored; no amount
 *  is read, no policy applies and nothing is recorded: with the caller's
 *  session key the onion is a function of public inputs only. Reply:
 *  onion[1 + 33 + onion_size + 32] | shared secrets. */
export const ONION_FLAG_CREATEONION = 2;

/** build_onion: the route cannot be built [ONION_ERR_* (device/onion/sphinx.ts:
 *  1 hops, 2 session key, 3 node id, 4 hop data, 5 too big, 6 size, 7 blinding)
 *  | hop index << 8]. */
export const ERR_ONION_ROUTE = 0x30;
/** build_onion: the payloads' amounts are missing or inconsistent
 *  [ONION_AMT_* | hop index << 8]. */
export const ERR_ONION_AMOUNT = 0x31;
/** A spending limit refuses the onion [POLICY_LIMIT_*]. */
export const ERR_POLICY = 0x32;
// 0x33 (was ERR_POLICY_CONFIRM, set_policy's node-id "confirmation") is
// retired and not reused: loosening the policy needs the user's press.

// ERR_ONION_AMOUNT reasons.
/** Not a valid TLV stream, or a known field (2, 4, 8, 18) malformed. */
export const ONION_AMT_TLV = 1;
/** The final hop has no amt_to_forward (2), or a hop has neither
 *  amt_to_forward nor encrypted_recipient_data (10). */
export const ONION_AMT_MISSING = 2;
/** amt_to_forward larger than the amount reaching that hop (the first-hop
 *  amount, then the previous amt_to_forward): amounts never grow along a route. */
export const ONION_AMT_INCREASES = 3;
/** An amount above 21 million BTC (2.1e18 msat). */
export const ONION_AMT_RANGE = 4;

// Which limit refused (ERR_POLICY detail).
export const POLICY_LIMIT_MAX_AMOUNT = 1;
export const POLICY_LIMIT_MAX_FEE_ABS = 2;
export const POLICY_LIMIT_MAX_FEE_PPM = 3;
export const POLICY_LIMIT_DAILY = 4;
/** The spend log is full of entries younger than 24 hours. */
export const POLICY_LIMIT_LOG_FULL = 5;
/** The clock reads 0 (board clock not set) while a daily limit is set. */
export const POLICY_LIMIT_CLOCK = 6;

// ---- get_policy / set_policy --------------------------------------------------
/** get_policy: empty payload; reply POLICY_REPLY_* below. */
export const MSG_GET_POLICY = 0x31;
/** set_policy: POLICY_LIMITS (36 bytes), or 52 with the BOLT 12 limits
 *  (SET_POLICY_SIZE_BOLT12, below); reply as get_policy. Loosening or
 *  removing any limit (raising confirm_above_msat included) needs the user's
 *  press; tightening applies at once. */
export const MSG_SET_POLICY = 0x32;
// Limits block (the set_policy payload; the get_policy reply's start):
//  0 max_amount_msat u64le | 8 max_fee_msat u64le | 16 max_fee_ppm u32le |
// 20 daily_limit_msat u64le | 28 confirm_above_msat u64le
//                                    (36 bytes; all ones = no limit / never ask)
export const POLICY_OFF_MAX_AMOUNT = 0;
export const POLICY_OFF_MAX_FEE = 8;
export const POLICY_OFF_MAX_FEE_PPM = 16;
export const POLICY_OFF_DAILY = 20;
/** build_onion whose delivered amount is above this needs the user's press. */
export const POLICY_OFF_CONFIRM_ABOVE = 28;
export const POLICY_LIMITS_SIZE = 36;
/** set_policy payload size: the limits only (52 with the BOLT 12 limits of issue 12). */
export const SET_POLICY_SIZE = 36;
// get_policy reply: limits[36] | 36 spent in the last 24 h u64le |
// 44 log entries in use u16le | 46 log capacity u16le | 48 board clock u32le |
// 52 policy seq u32le | 56 clock floor u32le (the window's time never goes
// below it; docs/firmware/onion.md "Clock")
export const POLICY_REPLY_OFF_SPENT = 36;
export const POLICY_REPLY_OFF_USED = 44;
export const POLICY_REPLY_OFF_CAP = 46;
export const POLICY_REPLY_OFF_CLOCK = 48;
export const POLICY_REPLY_OFF_SEQ = 52;
export const POLICY_REPLY_OFF_FLOOR = 56;
/** get_policy reply size: 60 bytes up to issue 11, then the BOLT 12 terms
 *  (POLICY_REPLY_OFF_PAYEE_DAILY.., appended in issue 12). */
export const POLICY_REPLY_SIZE = 77;
/** Spend log capacity (entries younger than 24 h). */
export const POLICY_LOG_CAP = 64;
/** The rolling window, seconds. */
export const POLICY_WINDOW_SECONDS = 86400;

// ---- Appended by issue 9 (release integrity) ------------------------------------
/** INFO flags bit: this firmware is a development build: it trusts the
 *  development release key, whose secret is public (docs/firmware-images.md). */
export const INFO_FLAG_DEV_BUILD = 2;

// ---- get_info: device identity (appended; docs/protocol.md "get_info reply") ----
/** Device id: 16 random bytes drawn at provisioning (zeros while unprovisioned). */
export const INFO_OFF_DEVICE_ID = 85;
export const DEVICE_ID_SIZE = 16;
// ---- Route blinding and onion messages (issue 10) -------------------------------
// docs/protocol.md "blinded_path", "onion_message"; docs/firmware/blinding.md.
/** blinded_path: build a blinded path from node ids and encrypted_data_tlv
 *  plaintexts (BLIND_* below); reply: the blinded_path wire encoding. */
export const MSG_BLINDED_PATH = 0x33;
/** onion_message: an onion_message_packet for a route of our own nodes that
 *  ends in someone's blinded path (OMSG_* below). */
export const MSG_ONION_MESSAGE = 0x34;
/** onion_message_read: offset u32le; reply: up to OMSG_CHUNK bytes of the last
 *  onion-message packet built, from that offset (a 32834-byte packet does not
 *  fit one reply). */
export const MSG_ONION_MESSAGE_READ = 0x35;

/** Most hops in a blinded path built by blinded_path. */
export const BLIND_MAX_HOPS = 27;
// blinded_path request:
//   0 flags u8 (BLIND_FLAG_*) | 1 hop count u8 (1..BLIND_MAX_HOPS) |
//   2 [path secret e_0[32] when BLIND_FLAG_SESSION_KEY] |
//     then per hop: node id[33] | plaintext length u16le | encrypted_data_tlv.
// Reply: blinded_path as on the wire (BOLT 12 / BOLT 4): first_node_id[33] |
//   first_path_key[33] | num_hops u8 | per hop: blinded_node_id[33] |
//   enclen u16 big-endian | encrypted_recipient_data[enclen].
export const BLIND_OFF_FLAGS = 0;
export const BLIND_OFF_HOPS = 1;
export const BLIND_OFF_KEY = 2;
/** The path secret e_0 follows the header (tests; else the device derives one). */
export const BLIND_FLAG_SESSION_KEY = 1;
/** Pad every hop's plaintext with a padding record (type 1) to one length. */
export const BLIND_FLAG_PAD = 2;

// onion_message request:
//   0 flags u8 (OMSG_FLAG_*) | 1 our hop count m u8 (0..26: N_0 = this node
//   .. N_{m-1}) | 2 final payload length u16le |
//   4 [session key[32] ‖ our path secret[32] when OMSG_FLAG_KEYS] |
//     then m node ids[33] (ours, N_0 first) | their blinded_path (wire
//     encoding, first_node_id in the 33-byte point form) | final payload:
//     the onionmsg_tlv records of the final hop except encrypted_recipient_data
//     (4), which the device adds from the path's last hop.
// Reply: path_key[33] (for the onion_message) | packet length u16le (1366 or
//   32834) | the packet's first min(length, OMSG_CHUNK) bytes. The rest with
//   onion_message_read.
export const OMSG_OFF_FLAGS = 0;
export const OMSG_OFF_OUR_HOPS = 1;
export const OMSG_OFF_FINAL_LEN = 2;
export const OMSG_OFF_KEYS = 4;
/** Session key and our path secret follow the header (tests; else derived). */
export const OMSG_FLAG_KEYS = 1;
/** Payload area of a normal onion message (total packet 1366). */
export const OMSG_ROUTING_SMALL = 1300;
/** Payload area of a large onion message (total packet 32834). */
export const OMSG_ROUTING_LARGE = 32768;
/** Bytes of packet per reply (onion_message and onion_message_read). */
export const OMSG_CHUNK = 8192;
/** onion_message reply header: path_key[33] | packet length u16le. */
export const OMSG_REPLY_HDR = 35;

/** blinded_path / onion_message: an encrypted_data_tlv plaintext (or the
 *  onion message's final payload) is refused [BLIND_TLV_* | hop << 8 |
 *  offset of the offending record's value << 16]. */
export const ERR_BLIND_TLV = 0x34;
/** onion_message_read: no packet to read (none built since boot, or its
 *  buffer was reused since) or the offset is beyond it [packet length]. */
export const ERR_ONION_READ = 0x35;

// ERR_BLIND_TLV reasons.
/** Not a BOLT 1 TLV stream (framing, order, minimal encodings). */
export const BLIND_TLV_FRAMING = 1;
/** A known field has the wrong size or encoding (scid 8 bytes, points valid,
 *  payment_relay / payment_constraints with minimal tu32 / tu64). */
export const BLIND_TLV_BAD_FIELD = 2;
/** An unknown even type. */
export const BLIND_TLV_UNKNOWN_EVEN = 3;
/** Both short_channel_id and next_node_id. */
export const BLIND_TLV_BOTH_NEXT = 4;
/** A non-final hop with neither short_channel_id nor next_node_id. */
export const BLIND_TLV_NO_NEXT = 5;
/** path_id at a non-final hop. */
export const BLIND_TLV_PATH_ID = 6;
/** BLIND_FLAG_PAD asked for, but the plaintext already has a padding record. */
export const BLIND_TLV_PADDING = 7;
/** onion_message final payload: it holds encrypted_recipient_data (4) itself. */
export const BLIND_TLV_FINAL_HAS_4 = 8;
/** onion_message: their blinded_path is malformed (detail offset = where). */
export const BLIND_TLV_PATH = 9;

/** ONION_AMT reason: a blinded hop's payload has the wrong shape (BOLT 4:
 *  introduction node encrypted_recipient_data + current_path_key, inner hops
 *  only encrypted_recipient_data, the final hop also amt_to_forward,
 *  outgoing_cltv_value and total_amount_msat; no clear hop after a blinded one). */
export const ONION_AMT_BLINDED = 5;
/** ERR_ONION_ROUTE status 5 (build_onion, blinded_path, onion_message): the
 *  payloads (or the reply) do not fit; detail = 5 | bytes over << 8. */
export const ONION_ROUTE_TOO_BIG = 5;

// ---- Merchant: offers, invoices, preimages (issue 11) -----------------------------
// docs/protocol.md "offer_create", "sign_invoice", "release_preimage";
// docs/firmware/merchant.md (keys, MAC, rules).
/** offer_create: flags u8 (OFFER_FLAG_*) | offer TLV stream without types 4
 *  and 22; reply: the complete offer TLV stream, offer_metadata (4) = nonce ‖
 *  MAC and offer_issuer_id (22) inserted in type order. */
export const MSG_OFFER_CREATE = 0x22;
/** sign_invoice: invreq signature[64] | path proof count u8 | per path: e0[32]
 *  | hop count u8 | node ids[33 × hops] | the unsigned invoice TLV stream
 *  (rest); reply as sign_bolt12: signature[64] | merkle root[32] | key kind u8
 *  (SIGN_KEY_NODE or SIGN_KEY_ISSUER) | public key[33]. */
export const MSG_SIGN_INVOICE = 0x23;
/** release_preimage: amount received msat u64le | the signed invoice TLV
 *  stream (with its signature 240); reply: preimage[32]. */
export const MSG_RELEASE_PREIMAGE = 0x24;

/** offer_create flag: the offer's issuer id is a key derived on the device
 *  from the nonce (device-key mode); clear: the node id (node-key mode). */
export const OFFER_FLAG_DEVICE_KEY = 1;
/** offer_metadata = nonce[OFFER_NONCE_SIZE] ‖ HMAC-SHA256 MAC[32]. */
export const OFFER_NONCE_SIZE = 16;
export const OFFER_METADATA_SIZE = 48;
/** Key kind of a sign_invoice reply: the offer issuer key issuer_key(nonce). */
export const SIGN_KEY_ISSUER = 2;
/** sign_invoice payload offsets. */
export const SIGNINV_OFF_SIG = 0;
export const SIGNINV_OFF_PROOFS = 64;
/** release_preimage payload offsets; reply size. */
export const RELEASE_OFF_AMOUNT = 0;
export const RELEASE_OFF_STREAM = 8;
export const RELEASE_REPLY_SIZE = 32;
/** payment_hash: the payer's signed invoice_request TLV stream (with its
 *  signature 240), for one of the device's offers; reply: payment_hash[32] ‖
 *  path_id[32], what the host needs to build the invoice and its payment
 *  paths (it cannot derive them: both come from device keys). Added beyond
 *  the issue 11 design, which left the host no way to learn them. */
export const MSG_PAYMENT_HASH = 0x25;
export const PAYMENT_HASH_REPLY_SIZE = 64;

/** offer_create: the stream holds a type the device sets (4, 22) or a type
 *  outside the offer ranges [the type]. */
export const ERR_OFFER_FIELD = 0x60;
/** sign_invoice / release_preimage: the invoice breaks a rule [rule number
 *  (INVOICE_RULE_*) | offending TLV type << 8 where one is known]. */
export const ERR_INVOICE_RULE = 0x61;

// Rule numbers (ERR_INVOICE_RULE detail & 0xff); docs/firmware/merchant.md.
/** The stream is a strictly parsed invoice (framing, invoice ranges, no
 *  signature record in sign_invoice, no unknown even type). */
export const INVOICE_RULE_PARSE = 1;
/** The invoice_request part (0..159, 1e9..2999999999) carries a valid payer signature. */
export const INVOICE_RULE_INVREQ = 2;
/** offer_metadata is 48 bytes and its MAC verifies: the offer is ours. */
export const INVOICE_RULE_OFFER_MAC = 3;
/** offer_issuer_id is ours (derived key or node id) and invoice_node_id equals it
 *  (release_preimage: and the invoice's signature verifies under it). */
export const INVOICE_RULE_KEY = 4;
/** invoice_payment_hash = SHA256 of the preimage the device derives. */
export const INVOICE_RULE_PAYMENT_HASH = 5;
/** The amount obeys the offer (amount × quantity, invreq_amount, quantity rules). */
export const INVOICE_RULE_AMOUNT = 6;
/** Recurrence fields match the offer (counter, period index ≤ limit). */
export const INVOICE_RULE_RECURRENCE = 7;
/** created_at near the board clock, relative expiry ≤ 7 days, offer not expired. */
export const INVOICE_RULE_TIME = 8;
/** The blinded payment paths are the proven ones and end at this node with its path_id. */
export const INVOICE_RULE_PATHS = 9;
/** release_preimage: the amount received is below the invoice amount or above twice it. */
export const INVOICE_RULE_RECEIVED = 10;
/** release_preimage: the invoice has expired by the board clock. */
export const INVOICE_RULE_EXPIRED = 11;
/** sign_invoice / payment_hash / release_preimage for an invoice_request not
 *  based on an offer (no offer_issuer_id, no offer_paths: a refund or
 *  withdrawal `lnr1…`, Core Lightning's sendinvoice): none of offer_chains,
 *  offer_features, offer_quantity_max, and invreq_amount present (BOLT 12
 *  reader of such a request). Replaces rule 3 for these invoices. */
export const INVOICE_RULE_NO_OFFER = 12;

// ---- Payer (issue 12) -------------------------------------------------------------
// docs/protocol.md "pay_invoice", "pay_failed"; docs/firmware/payer.md (rules,
// pay log).
/** pay_invoice: flags u8 (0) | hop count u8 (1..ONION_MAX_HOPS, clear hops then
 *  the blinded tail) | partid u64le | first-hop amount u64le | invreq
 *  signature[64] | invoice length u16le | signed invoice TLV stream | per hop:
 *  node id[33] ‖ hop data (BigSize length ‖ TLV payload), as build_onion.
 *  Reply: onion[ONION_PACKET_SIZE] | part ref[16] (no shared secret leaves the
 *  device: only a hop of the route can make a failure pay_failed accepts). */
export const MSG_PAY_INVOICE = 0x26;
/** pay_failed: the pay_invoice payload exactly as sent | onionreply length
 *  u16le | onionreply (the failure onion the node returned). Reply: erring
 *  hop index u8 | failure message length u16le | failure message (BOLT 4
 *  failuremsg: failcode u16be ‖ data). */
export const MSG_PAY_FAILED = 0x27;

/** pay_invoice payload offsets. */
export const PAY_OFF_FLAGS = 0;
export const PAY_OFF_HOPS = 1;
export const PAY_OFF_PARTID = 2;
export const PAY_OFF_FIRST_AMOUNT = 10;
export const PAY_OFF_INVREQ_SIG = 18;
export const PAY_OFF_INVOICE_LEN = 82;
export const PAY_OFF_INVOICE = 84;
/** Part ref: the first 16 bytes of the part key (reply tail, pay_failed head). */
export const PAY_PART_REF_SIZE = 16;
/** pay_failed reply offsets: erring hop index, failure message length u16le,
 *  failure message (PAYFAIL_REPLY_OFF_MSG.. to the end). */
export const PAYFAIL_REPLY_OFF_HOP = 0;
export const PAYFAIL_REPLY_OFF_LEN = 1;
export const PAYFAIL_REPLY_OFF_MSG = 3;

/** pay_invoice / pay_failed: a payer rule refuses [PAY_RULE_* | offending TLV
 *  type or hop index << 8 (types ≥ 2^24 leave those bits 0)]. */
export const ERR_PAY_RULE = 0x62;

// Rule numbers (ERR_PAY_RULE detail & 0xff); docs/firmware/payer.md.
/** Strict invoice parse: framing, invoice ranges only, no unknown even type,
 *  invoice_paths 160, invoice_blindedpay 162 (count = paths), created_at 164,
 *  payment_hash 168, amount 170, node_id 176, signature 240 present. */
export const PAY_RULE_PARSE = 1;
/** The invoice signature verifies under invoice_node_id. */
export const PAY_RULE_SIGNATURE = 2;
/** invreq_payer_id is the device's payer key of invreq_metadata (or its node
 *  id) and the invreq signature verifies over the invoice's invreq ranges. */
export const PAY_RULE_OURS = 3;
/** invoice_node_id = offer_issuer_id, or the final blinded node of one of
 *  offer_paths; no offer fields (our lnr1): any key. */
export const PAY_RULE_SIGNER = 4;
/** invoice_amount = invreq_amount (when set) or offer_amount × quantity, and
 *  the final hop's total_amount_msat = invoice_amount. */
export const PAY_RULE_AMOUNT = 5;
/** The board clock is past created_at + (invoice_relative_expiry or 7200). */
export const PAY_RULE_EXPIRED = 6;
/** The route's blinded tail is not one of invoice_paths byte for byte, or an
 *  unknown even feature in its payinfo / invoice_features. */
export const PAY_RULE_PATH = 7;
/** Live parts of this invoice plus this one would exceed invoice_amount. */
export const PAY_RULE_ONCE = 8;
/** Another invoice already holds this recurrence period (detail: the rule
 *  alone), or this one-off invoice_request for an offer (reason
 *  PAY_PERIOD_REQUEST << 8). */
export const PAY_RULE_PERIOD = 9;
/** The pay log has no room (nothing old enough to drop). */
export const PAY_RULE_LOG_FULL = 10;
/** pay_failed: unknown / not live part (reason 1), or the failure onion does
 *  not verify at any hop of the part (reason 3; reason 2, "secrets do not
 *  match", is no longer used). */
export const PAY_RULE_FAILURE = 11;
/** PAY_RULE_PERIOD reason (detail bits 8..): the invoice answers a one-off
 *  invoice_request for an offer (offer_issuer_id or offer_paths, no
 *  recurrence counter) that another invoice in the pay log already holds. */
export const PAY_PERIOD_REQUEST = 1;

// ---- BOLT 12 policy terms (issue 12) ----------------------------------------------
// docs/protocol.md "get_policy / set_policy", "allowlist"; docs/firmware/onion.md "Policy".
/** ERR_POLICY detail: the payee's (invoice_node_id's) rolling 24-hour limit. */
export const POLICY_LIMIT_PAYEE_DAILY = 7;
/** ERR_POLICY detail: a recurring payment above the per-period cap. */
export const POLICY_LIMIT_PERIOD_CAP = 8;
// set_policy payload: POLICY_LIMITS (36 bytes, as before: leaves the two
// limits below unchanged) or 52 bytes: + 36 payee_daily_msat u64le (per payee,
// rolling 24 h) | 44 period_cap_msat u64le (largest amount of one recurring
// payment). All ones = none.
export const POLICY_OFF_PAYEE_DAILY = 36;
export const POLICY_OFF_PERIOD_CAP = 44;
/** set_policy payload size with the BOLT 12 limits. */
export const SET_POLICY_SIZE_BOLT12 = 52;
// get_policy reply (after the 60 bytes above): 60 payee_daily_msat u64le |
// 68 period_cap_msat u64le | 76 allowlist count u8  (77 bytes)
export const POLICY_REPLY_OFF_PAYEE_DAILY = 60;
export const POLICY_REPLY_OFF_PERIOD_CAP = 68;
export const POLICY_REPLY_OFF_ALLOWLIST = 76;

/** allowlist: op u8 (ALLOWLIST_OP_*) | offer_id[32] (not for list); reply:
 *  count u8 | offer ids[32 × count] (the list after the operation). Offers on
 *  the list are paid without a press above confirm_above_msat. */
export const MSG_ALLOWLIST = 0x28;
/** Add an offer id: needs the user's press (it loosens the policy). */
export const ALLOWLIST_OP_ADD = 1;
/** Remove an offer id: immediate (tightens); absent ids are not an error. */
export const ALLOWLIST_OP_REMOVE = 2;
/** List: payload is the op byte only. */
export const ALLOWLIST_OP_LIST = 3;
/** Most offer ids on the allowlist. */
export const ALLOWLIST_CAP = 16;
export const OFFER_ID_SIZE = 32;
/** allowlist add: the list is full (ALLOWLIST_CAP ids). ERR_REFUSED detail. */
export const REFUSED_ALLOWLIST_FULL = 1;

// ---- Payer proof (issue 12) ------------------------------------------------------
// docs/protocol.md "sign_payer_proof"; docs/host/payer-proof.md (BOLT 12 payer
// proofs, lightning/bolts #1346).
/** sign_payer_proof: flags u8 (0) | include count u8 | note length u16le |
 *  invoice length u16le | preimage[32] | include types u32le × count
 *  (strictly ascending invoice field types to disclose besides the required
 *  88, 168, 174, 176) | note (UTF-8) | the signed invoice TLV stream (with its
 *  signature 240). The device checks the invoice (signature, SHA256(preimage)
 *  = invoice_payment_hash, invreq_payer_id derived from invreq_metadata), builds
 *  the proof's Merkle tree itself and signs it with the payer key. Reply as
 *  sign_bolt12: proof_signature[64] | proof merkle root[32] | key kind u8
 *  (SIGN_KEY_PAYER or SIGN_KEY_NODE) | invreq_payer_id[33]. */
export const MSG_SIGN_PAYER_PROOF = 0x29;
export const PROOF_OFF_FLAGS = 0;
export const PROOF_OFF_INCLUDE_COUNT = 1;
export const PROOF_OFF_NOTE_LEN = 2;
export const PROOF_OFF_INVOICE_LEN = 4;
export const PROOF_OFF_PREIMAGE = 6;
export const PROOF_OFF_INCLUDE = 38;
/** Most non-signature records an invoice may have for the device to prove it
 *  (its proof tree is built in the reply buffer). */
export const PROOF_MAX_LEAVES = 48;
/** Most include types in one request. */
export const PROOF_MAX_INCLUDE = 48;
/** sign_payer_proof refused [rule number (PROOF_RULE_*) | offending TLV type
 *  (or include index for PROOF_RULE_INCLUDE) << 8, truncated to 24 bits]. */
export const ERR_PROOF_RULE = 0x63;
/** The invoice is a strictly framed invoice (invoice ranges) of at most
 *  PROOF_MAX_LEAVES non-signature records, starting with invreq_metadata (0),
 *  with invreq_payer_id 88 (33), invoice_payment_hash 168 (32),
 *  invoice_node_id 176 (33) and signature 240 (64). */
export const PROOF_RULE_PARSE = 1;
/** The invoice signature verifies under invoice_node_id. */
export const PROOF_RULE_SIGNATURE = 2;
/** SHA256(preimage) = invoice_payment_hash. */
export const PROOF_RULE_PREIMAGE = 3;
/** invreq_payer_id is the device's payer key derived from invreq_metadata (or its node id). */
export const PROOF_RULE_OURS = 4;
/** The include list is strictly ascending, each type present in the invoice,
 *  never 0 (invreq_metadata) nor a signature type. */
export const PROOF_RULE_INCLUDE = 5;
/** The note is valid UTF-8. */
export const PROOF_RULE_NOTE = 6;

// ---- Payer keys (issue 12) --------------------------------------------------------
// docs/protocol.md "payer_key"; docs/threat-model.md. fetchinvoice's
// invreq_payer_id from the device itself, so the host needs no secret base.
/** payer_key: mode u8 (PAYER_KEY_*) | data; reply: see the modes. Only public
 *  values leave: a key the device would put in an invoice_request anyway, and
 *  a one-way hash of the secret base (sent in invreq_metadata anyway). */
export const MSG_PAYER_KEY = 0x2a;
/** data = invreq_metadata (1..PAYER_KEY_METADATA_MAX bytes); reply: the payer
 *  public key [33] = node_id + SHA256(node-alias-base ‖ metadata)·G. */
export const PAYER_KEY_METADATA = 1;
/** data = offer_id [32] ‖ recurrence_label (UTF-8, 0..PAYER_KEY_LABEL_MAX
 *  bytes); reply: metadata [32] = SHA256(node-alias-base ‖ offer_id ‖ label)
 *  ‖ the payer public key [33] of that metadata. */
export const PAYER_KEY_RECURRING = 2;
/** Largest invreq_metadata: its record (type 0, 3-byte length) must fit in a
 *  BOLT12_MAX_MESSAGE (8192) stream, the most sign_bolt12 signs. */
export const PAYER_KEY_METADATA_MAX = 8188;
/** Largest recurrence label, in bytes. */
export const PAYER_KEY_LABEL_MAX = 1024;
/** Reply sizes. */
export const PAYER_KEY_REPLY_METADATA = 33;
export const PAYER_KEY_REPLY_RECURRING = 65;
