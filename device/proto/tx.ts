// Frame transmitter: builds a reply body in a static buffer, appends the
// CRC-32C and sends it COBS-encoded between two 0x00 delimiters through a
// small staging buffer (the board's serial_write). See docs/protocol.md.
import {
  COBS_MAX_RUN, ERROR_OFF_CODE, ERROR_OFF_DETAIL, ERROR_OFF_DISCARDED, ERROR_OFF_TYPE, ERROR_SIZE,
  FRAME_DELIM, FRAME_HDR, FRAME_MAX_BODY, FRAME_MAX_PAYLOAD, FRAME_OFF_ID, FRAME_OFF_LEN, FRAME_OFF_TYPE,
  MSG_ERROR, ERR_INTERNAL,
} from "../../shared/protocol";
import { board_serial_write } from "./board";
import { crc32c, put16, put32 } from "./bytes";

const TX_BODY: usize = memory.data(FRAME_MAX_BODY);
const STAGE_SIZE: u32 = 512;
const STAGE: usize = memory.data(STAGE_SIZE);
let stageLen: u32 = 0;

/** Where handlers write their reply payload (FRAME_MAX_PAYLOAD bytes). */
export function txPayload(): usize {
  return TX_BODY + FRAME_HDR;
}

function put(b: i32): void {
  store<u8>(STAGE + stageLen, <u8>b);
  stageLen++;
  if (stageLen == STAGE_SIZE) flush();
}

function flush(): void {
  if (stageLen > 0) board_serial_write(STAGE, stageLen);
  stageLen = 0;
}

// COBS: each group is a code byte c followed by c-1 non-zero bytes; a group
// with c < 0xFF stands for its bytes and one zero, except the last group.
function cobsSend(src: usize, n: i32): void {
  put(FRAME_DELIM);
  let i = 0;
  while (true) {
    let run = 0;
    while (run < COBS_MAX_RUN && i + run < n && load<u8>(src + <usize>(i + run)) != 0) run++;
    put(run + 1);
    for (let k = 0; k < run; k++) put(<i32>load<u8>(src + <usize>(i + k)));
    i += run;
    if (i >= n) break;
    if (run < COBS_MAX_RUN) i++; // the zero the group stands for
  }
  put(FRAME_DELIM);
  flush();
}

/** Sends the frame whose payload (`len` bytes) is already at txPayload(). */
export function sendFrame(type: i32, id: i32, len: i32): void {
  // A handler returning a bad length is a firmware bug: report it, send nothing stray.
  if (len < 0 || len > FRAME_MAX_PAYLOAD) {
    sendError(ERR_INTERNAL, type, id, 0, <u32>len);
    return;
  }
  store<u8>(TX_BODY + FRAME_OFF_TYPE, <u8>type);
  put16(TX_BODY + FRAME_OFF_ID, id);
  put16(TX_BODY + FRAME_OFF_LEN, len);
  const end = TX_BODY + FRAME_HDR + <usize>len;
  put32(end, crc32c(TX_BODY, <usize>(FRAME_HDR + len)));
  cobsSend(TX_BODY, FRAME_HDR + len + 4);
}

/** Sends an ERROR reply (shared/protocol.ts, ERROR_* layout). */
export function sendError(code: i32, refType: i32, id: i32, discarded: u32, detail: u32): void {
  const p = txPayload();
  store<u8>(p + ERROR_OFF_CODE, <u8>code);
  store<u8>(p + ERROR_OFF_TYPE, <u8>refType);
  put32(p + ERROR_OFF_DISCARDED, discarded);
  put32(p + ERROR_OFF_DETAIL, detail);
  sendFrame(MSG_ERROR, id, ERROR_SIZE);
}
