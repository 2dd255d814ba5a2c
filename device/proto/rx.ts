// Frame receiver: a byte-at-a-time state machine over static buffers. It
// COBS-decodes into RX_BODY until the next 0x00, then checks the frame and
// hands an intact request to the dispatcher. Whatever it must throw away it
// answers with an ERROR reply giving the number of bytes discarded, and it
// is ready for the next frame at once: the 0x00 delimiter is the resync point.
// Never traps, never allocates, bounded work per byte (docs/protocol.md).
import {
  ERR_FRAME_CRC, ERR_FRAME_LENGTH, ERR_FRAME_OVERSIZE, ERR_FRAME_TRUNCATED, ERR_UNKNOWN_TYPE,
  FRAME_DELIM, FRAME_HDR, FRAME_MAX_BODY, FRAME_OFF_ID, FRAME_OFF_LEN, FRAME_OFF_TYPE, FRAME_OVERHEAD,
  ID_NONE, REQ_KNOWN, requestFlags,
} from "../../shared/protocol";
import { crc32c, get16, get32 } from "./bytes";
import { dispatch } from "./dispatch";
import { sendError } from "./tx";

/** The board writes received bytes here, then calls serial_rx(len). */
export const RX_CHUNK_SIZE: u32 = 1024;
export const RX_CHUNK: usize = memory.data(<i32>RX_CHUNK_SIZE);
const RX_BODY: usize = memory.data(FRAME_MAX_BODY);

let bodyLen: i32 = 0; // decoded bytes kept in RX_BODY
let wireLen: u32 = 0; // encoded bytes since the last delimiter (saturates)
let groupLeft: i32 = 0; // data bytes still due in the current COBS group
let groupFull: bool = false; // the current group's code was 0xFF (no implied zero)
let oversize: bool = false; // more than FRAME_MAX_BODY decoded bytes

/** Forgets any partial frame (boot, reset), clearing its bytes. */
export function rxReset(): void {
  wipeBody(bodyLen);
  clearState();
}

function clearState(): void {
  bodyLen = 0;
  wireLen = 0;
  groupLeft = 0;
  groupFull = false;
  oversize = false;
}

// Design rule (issue 9): nothing secret outlives the frame that carried it,
// accepted or not — a provision frame rejected for its CRC, length or size
// still holds the hsm_secret in RX_BODY. Every way out of frameEnd clears it.
function wipeBody(len: i32): void {
  for (let i: i32 = 0; i < len; i++) store<u8>(RX_BODY + <usize>i, 0);
}

function keep(b: i32): void {
  if (bodyLen < FRAME_MAX_BODY) {
    store<u8>(RX_BODY + <usize>bodyLen, <u8>b);
    bodyLen++;
  } else {
    oversize = true;
  }
}

/** Feeds one received byte. */
export function rxByte(b: i32): void {
  if (b == FRAME_DELIM) {
    frameEnd();
    return;
  }
  if (wireLen != 0xffffffff) wireLen++;
  if (groupLeft == 0) {
    // A code byte. Every group but the first stands after an implied zero,
    // unless the group before it was a full one (code 0xFF).
    if (wireLen > 1 && !groupFull) keep(0);
    groupFull = b == 0xff;
    groupLeft = b - 1;
  } else {
    keep(b);
    groupLeft--;
  }
}

function frameEnd(): void {
  const len = bodyLen;
  frameCheck();
  wipeBody(len);
}

function frameCheck(): void {
  const n = wireLen;
  const len = bodyLen;
  const cut = groupLeft != 0;
  const over = oversize;
  clearState();
  // Two delimiters in a row: an idle line or the end of one frame and the
  // start of the next. Nothing was discarded.
  if (n == 0) return;
  // The id and type of a damaged frame are hints only (docs/protocol.md).
  const idHint = len >= FRAME_OFF_ID + 2 ? get16(RX_BODY + FRAME_OFF_ID) : ID_NONE;
  const typeHint = len >= 1 ? <i32>load<u8>(RX_BODY + FRAME_OFF_TYPE) : 0;
  // Rule: more than FRAME_MAX_BODY bytes before a delimiter -> oversize.
  if (over) {
    sendError(ERR_FRAME_OVERSIZE, typeHint, idHint, n, 0);
    return;
  }
  // Rule: a COBS group cut by the delimiter, or fewer bytes than a header and
  // CRC -> truncated (this is also how a new frame started too early shows).
  if (cut || len < FRAME_OVERHEAD) {
    sendError(ERR_FRAME_TRUNCATED, typeHint, idHint, n, 0);
    return;
  }
  // Rule: the body must be exactly header + len field + CRC.
  const plen = get16(RX_BODY + FRAME_OFF_LEN);
  const want = FRAME_OVERHEAD + plen;
  if (len < want) {
    sendError(ERR_FRAME_TRUNCATED, typeHint, idHint, n, 0);
    return;
  }
  if (len > want) {
    sendError(ERR_FRAME_LENGTH, typeHint, idHint, n, 0);
    return;
  }
  // Rule: CRC-32C over type..payload must match.
  const crcAt = RX_BODY + FRAME_HDR + <usize>plen;
  if (crc32c(RX_BODY, <usize>(FRAME_HDR + plen)) != get32(crcAt)) {
    sendError(ERR_FRAME_CRC, typeHint, idHint, n, 0);
    return;
  }
  // Intact from here: the id is exact. Rule: only requests are accepted.
  const type = <i32>load<u8>(RX_BODY + FRAME_OFF_TYPE);
  const id = get16(RX_BODY + FRAME_OFF_ID);
  if ((requestFlags(type) & REQ_KNOWN) == 0) {
    sendError(ERR_UNKNOWN_TYPE, type, id, n, 0);
    return;
  }
  dispatch(type, id, RX_BODY + FRAME_HDR, plen);
}

/** Processes `len` bytes the board put at RX_CHUNK (more than fit are ignored),
 *  then clears them: the raw line bytes of a provision request carry the
 *  hsm_secret, and nothing secret may outlive the request that used it. */
export function rxChunk(len: u32): void {
  const n = len > RX_CHUNK_SIZE ? RX_CHUNK_SIZE : len;
  for (let i: u32 = 0; i < n; i++) rxByte(<i32>load<u8>(RX_CHUNK + <usize>i));
  for (let i: u32 = 0; i < n; i++) store<u8>(RX_CHUNK + <usize>i, 0);
}
