// The confirmation gate (docs/protocol.md "Confirmation"): one slot holding the
// digest of the request that waits for the user's press. The device never
// blocks on the button: a request that needs a press is answered
// ERR_CONFIRM_PENDING until the board reports a press, and the host re-sends
// the same payload to poll; every other request is served meanwhile.
//
// digest = SHA-256(salt ‖ type u32le ‖ payload), salt = 32 bytes drawn from the
// board's entropy once per boot, so a digest means "this exact request, in
// this boot": a different payload is a different request, and nothing a press
// approved survives a reset (the slot is RAM).
//
// A handler calls confirmGate after validating its payload and before changing
// anything, with the prompt text built in device/confirm/text.ts.
import {
  ERR_CONFIRM_BUSY, ERR_CONFIRM_DENIED, ERR_CONFIRM_PENDING, ERR_CONFIRM_TIMEOUT, ERR_INTERNAL,
} from "../../shared/protocol";
import { PROMPT_APPROVED, PROMPT_TIMEOUT, PROMPT_WAITING } from "../../shared/board";
import { hal_entropy, hal_prompt_poll, hal_prompt_show } from "../hal";
import { sha256Final, sha256Init, sha256Update, SHA256_CTX_SIZE } from "../crypto/sha256";
import { put32 } from "../proto/bytes";
import { setErrorDetail } from "../proto/dispatch";
import { bytesEqual } from "../util";
import { TEXT, textLength } from "./text";

/** Pseudo request types for prompts no request type names (above any u8 type). */
export const CONFIRM_CLOCK_JUMP: i32 = 0x100;

const SALT: usize = memory.data(32, 8);
let saltReady = false;
const SLOT: usize = memory.data(32, 8);
let waiting = false;
const DIGEST: usize = memory.data(32, 8);
const CTX: usize = memory.data(<i32>SHA256_CTX_SIZE, 8);
const TYPE_LE: usize = memory.data(4, 4);
const ZERO: usize = memory.data(64, 8);
const SCRATCH: usize = memory.data(32, 8);

function digest(type: i32, req: usize, len: usize): bool {
  if (!saltReady) {
    if (hal_entropy(SALT, 32) != 0) return false;
    saltReady = true;
  }
  put32(TYPE_LE, <u32>type);
  sha256Init(CTX);
  sha256Update(CTX, SALT, 32);
  sha256Update(CTX, TYPE_LE, 4);
  sha256Update(CTX, req, len);
  sha256Final(CTX, DIGEST);
  // The payload may be a provision request (the hsm_secret): leave none of it
  // in the context's block buffer or in the message schedule of the last
  // compression (a hash of one zero block overwrites both).
  for (let i: usize = 0; i < <usize>SHA256_CTX_SIZE; i++) store<u8>(CTX + i, 0);
  sha256Init(CTX);
  sha256Update(CTX, ZERO, 64);
  sha256Final(CTX, SCRATCH);
  for (let i: usize = 0; i < <usize>SHA256_CTX_SIZE; i++) store<u8>(CTX + i, 0);
  return true;
}

function clearSlot(): void {
  waiting = false;
  for (let i: usize = 0; i < 32; i++) store<u8>(SLOT + i, 0);
  hal_prompt_show(0, 0);
}

// The board's answer for the request in the slot: 0 = approved (go on), else
// the negative status to reply. Anything but the four PROMPT_* values counts
// as deny.
function resolve(p: i32): i32 {
  if (p == PROMPT_WAITING) return -ERR_CONFIRM_PENDING;
  clearSlot();
  if (p == PROMPT_APPROVED) return 0;
  if (p == PROMPT_TIMEOUT) return -ERR_CONFIRM_TIMEOUT;
  return -ERR_CONFIRM_DENIED;
}

/**
 * Asks the user to approve request `type` with payload [req, req+len), showing
 * the text built in TEXT. Returns 0 when approved (the caller proceeds in this
 * round trip) or a negative ERR_CONFIRM_* to reply.
 */
export function confirmGate(type: i32, req: usize, len: usize): i32 {
  if (!digest(type, req, len)) return -ERR_INTERNAL;
  if (waiting) {
    const p = hal_prompt_poll();
    // Rule: the same request polls its own prompt.
    if (bytesEqual(SLOT, DIGEST, 32)) return resolve(p);
    // Rule: another request while one waits for a press is refused; one the
    // board already resolved but nobody polled is abandoned (no effect).
    if (p == PROMPT_WAITING) return -ERR_CONFIRM_BUSY;
    clearSlot();
  }
  if (hal_prompt_show(TEXT, textLength()) != 0) {
    // Rule: a board that cannot show the prompt cannot be confirmed on.
    hal_prompt_show(0, 0);
    setErrorDetail(1);
    return -ERR_CONFIRM_DENIED;
  }
  for (let i: usize = 0; i < 32; i++) store<u8>(SLOT + i, load<u8>(DIGEST + i));
  waiting = true;
  // An auto-approving board answers at once: the request proceeds now.
  return resolve(hal_prompt_poll());
}
