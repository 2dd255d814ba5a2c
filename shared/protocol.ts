// The lnsigner serial wire protocol: the one definition read by the firmware
// (AssemblyScript, device/proto/) and the host (TypeScript, host/transport/,
// host/device/). Written in the subset both compilers accept: integer
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
/** wipe: confirm node id[33] (must equal the current one); reply: empty.
 *  The only way back to unprovisioned. */
export const MSG_WIPE = 0x11;

// Signing (handlers come with the crypto and BOLT 12 work).
/** sign_bolt12: the full TLV stream; reply: signature[64] | merkle root[32] |
 *  key kind u8 | public key x-only[32]. The device chooses the key. */
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
  if (type == MSG_BUILD_ONION) return REQ_KNOWN | REQ_NEEDS_SECRET | REQ_SLOW;
  // Chunks carry their offset, so resending one rewrites the same bytes.
  if (type == MSG_FW_BEGIN) return REQ_KNOWN | REQ_SLOW;
  if (type == MSG_FW_CHUNK) return REQ_KNOWN | REQ_IDEMPOTENT | REQ_SLOW;
  if (type == MSG_FW_COMMIT) return REQ_KNOWN | REQ_SLOW;
  if (type == MSG_FW_ABORT) return REQ_KNOWN | REQ_IDEMPOTENT;
  if (type == MSG_REBOOT) return REQ_KNOWN;
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
// 0x20..0x2F signing, 0x30..0x3F onion building, 0x40..0x4F firmware update:
// reserved for those requests' own refusals.

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
// 52 node id[33]  (85 bytes)
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
export const INFO_SIZE = 85;
/** INFO flags bit: the device holds a secret (node id is valid). */
export const INFO_FLAG_PROVISIONED = 1;

// ---- Networks (get_info, provision) ------------------------------------------
export const NET_NONE = 0;
export const NET_BITCOIN = 1;
export const NET_TESTNET = 2;
export const NET_SIGNET = 3;
export const NET_REGTEST = 4;

// ---- provision modes (first payload byte) --------------------------------------
/** mode | network | hsm_secret[32]: Core Lightning's hsm_secret file contents. */
export const PROVISION_HSM_SECRET = 1;
/** mode | network: the device draws its secret from its own entropy. */
export const PROVISION_GENERATE = 2;

/** Public key sizes used by the payloads above. */
export const NODE_ID_SIZE = 33;
export const HASH_SIZE = 32;
