// Request dispatcher: the table from message type to handler. Each handler
// reads its request payload (`req`, `len` bytes, already intact and within
// FRAME_MAX_PAYLOAD), writes its reply payload at `out` (room for
// FRAME_MAX_PAYLOAD bytes) and returns the reply length, or a negative ERR_*
// code (optionally after setting errorDetail). A handler never sends by itself.
//
// To add a request: give it a number and its REQ_* flags in shared/protocol.ts,
// put its handler in device/proto/handlers/, add one `case` below, and document
// its payloads in docs/protocol.md.
import {
  ERR_NOT_PROVISIONED, ERR_UNSUPPORTED, MSG_GET_INFO, MSG_PING, MSG_REPLY,
  REQ_NEEDS_SECRET, requestFlags,
} from "../../shared/protocol";
import { sendError, sendFrame, txPayload } from "./tx";
import { handlePing } from "./handlers/ping";
import { handleGetInfo, isProvisioned } from "./handlers/info";
import { MSG_FW_ABORT, MSG_FW_BEGIN, MSG_FW_CHUNK, MSG_FW_COMMIT, MSG_REBOOT } from "../../shared/protocol";
import { handleFwBegin } from "./handlers/firmware-begin";
import { handleFwChunk } from "./handlers/firmware-chunk";
import { handleFwCommit } from "./handlers/firmware-commit";
import { handleFwAbort } from "./handlers/firmware-abort";
import { handleFwReboot } from "./handlers/firmware-reboot";
import { MSG_ECDH, MSG_PROVISION, MSG_SIGN_BOLT12, MSG_WIPE } from "../../shared/protocol";
import { handleProvision } from "./handlers/provision";
import { handleWipe } from "./handlers/wipe";
import { handleSignBolt12 } from "./handlers/sign-bolt12";
import { handleEcdh } from "./handlers/ecdh";
import { MSG_BUILD_ONION, MSG_GET_POLICY, MSG_SET_POLICY } from "../../shared/protocol";
import { handleBuildOnion } from "./handlers/build-onion";
import { handleGetPolicy, handleSetPolicy } from "./handlers/policy";
import { MSG_BLINDED_PATH, MSG_ONION_MESSAGE, MSG_ONION_MESSAGE_READ } from "../../shared/protocol";
import { handleBlindedPath } from "./handlers/blinded-path";
import { handleOnionMessage, handleOnionMessageRead } from "./handlers/onion-message";
import { MSG_OFFER_CREATE, MSG_RELEASE_PREIMAGE, MSG_SIGN_INVOICE } from "../../shared/protocol";
import { handleOfferCreate } from "./handlers/offer-create";
import { handleSignInvoice } from "./handlers/sign-invoice";
import { handleReleasePreimage } from "./handlers/release-preimage";
import { MSG_PAYMENT_HASH } from "../../shared/protocol";
import { handlePaymentHash } from "./handlers/payment-hash";
import { MSG_PAY_FAILED, MSG_PAY_INVOICE } from "../../shared/protocol";
import { handlePayInvoice } from "./handlers/pay-invoice";
import { handlePayFailed } from "./handlers/pay-failed";
import { MSG_ALLOWLIST } from "../../shared/protocol";
import { handleAllowlist } from "./handlers/allowlist";
import { MSG_SIGN_PAYER_PROOF } from "../../shared/protocol";
import { handleSignPayerProof } from "./handlers/sign-payer-proof";
import { MSG_PAYER_KEY } from "../../shared/protocol";
import { handlePayerKey } from "./handlers/payer-key";

/** Detail word of the next ERROR reply (see ERROR_OFF_DETAIL); handlers set it. */
export let errorDetail: u32 = 0;

export function setErrorDetail(d: u32): void {
  errorDetail = d;
}

/** A refusal: sets the detail word and returns -code (a handler's result). */
export function refuse(code: i32, detail: u32): i32 {
  setErrorDetail(detail);
  return -code;
}

function run(type: i32, req: usize, len: i32, out: usize): i32 {
  switch (type) {
    case MSG_PING: return handlePing(req, len, out);
    case MSG_GET_INFO: return handleGetInfo(req, len, out);
    case MSG_PROVISION: return handleProvision(req, len, out);
    case MSG_WIPE: return handleWipe(req, len, out);
    case MSG_SIGN_BOLT12: return handleSignBolt12(req, len, out);
    case MSG_ECDH: return handleEcdh(req, len, out);
    case MSG_BUILD_ONION: return handleBuildOnion(req, len, out);
    case MSG_GET_POLICY: return handleGetPolicy(req, len, out);
    case MSG_SET_POLICY: return handleSetPolicy(req, len, out);
    case MSG_BLINDED_PATH: return handleBlindedPath(req, len, out);
    case MSG_ONION_MESSAGE: return handleOnionMessage(req, len, out);
    case MSG_ONION_MESSAGE_READ: return handleOnionMessageRead(req, len, out);
    case MSG_OFFER_CREATE: return handleOfferCreate(req, len, out);
    case MSG_SIGN_INVOICE: return handleSignInvoice(req, len, out);
    case MSG_RELEASE_PREIMAGE: return handleReleasePreimage(req, len, out);
    case MSG_PAYMENT_HASH: return handlePaymentHash(req, len, out);
    case MSG_PAY_INVOICE: return handlePayInvoice(req, len, out);
    case MSG_PAY_FAILED: return handlePayFailed(req, len, out);
    case MSG_ALLOWLIST: return handleAllowlist(req, len, out);
    case MSG_SIGN_PAYER_PROOF: return handleSignPayerProof(req, len, out);
    case MSG_PAYER_KEY: return handlePayerKey(req, len, out);
    case MSG_FW_BEGIN: return handleFwBegin(req, len, out);
    case MSG_FW_CHUNK: return handleFwChunk(req, len, out);
    case MSG_FW_COMMIT: return handleFwCommit(req, len, out);
    case MSG_FW_ABORT: return handleFwAbort(req, len, out);
    case MSG_REBOOT: return handleFwReboot(req, len, out);
    default: return -ERR_UNSUPPORTED;
  }
}

/** Runs an intact request of a known type and sends its reply. */
export function dispatch(type: i32, id: i32, req: usize, len: i32): void {
  errorDetail = 0;
  // Rule: requests that use the secret are refused until the device has one.
  if ((requestFlags(type) & REQ_NEEDS_SECRET) != 0 && !isProvisioned()) {
    sendError(ERR_NOT_PROVISIONED, type, id, 0, 0);
    return;
  }
  const r = run(type, req, len, txPayload());
  if (r < 0) sendError(-r, type, id, 0, errorDetail);
  else sendFrame(type | MSG_REPLY, id, r);
}
