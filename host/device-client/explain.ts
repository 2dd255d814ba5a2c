// One table of what the device's refusals mean: each ERR_* status and its
// detail word (shared/protocol.ts) as a sentence saying what was wrong and
// where — which hop, which field, which limit. Used by DeviceError's message
// (host/transport/errors.ts), so every layer (daemon errors, the payment
// engine, `lnsigner device`, `lnsigner flash`) says the same thing; callers
// with more context (flash knows the image) add to it.
import * as P from '../../shared/protocol.js';
import * as B from '../../shared/bolt12-limits.js';
import * as K from '../../shared/keys-status.js';
import * as S from '../../shared/crypto-status.js';
import { ruleSentence } from './invoice-rule-text.js';
import { proofRuleSentence } from './proof-rule-text.js';
import { payRuleSentence } from './payer-requests.js';

/** Spending limits (ERR_POLICY detail, POLICY_LIMIT_*). */
export const POLICY_LIMIT_TEXT: Readonly<Record<number, string>> = {
  [P.POLICY_LIMIT_MAX_AMOUNT]: 'amount above its per-payment limit (max_amount_msat)',
  [P.POLICY_LIMIT_MAX_FEE_ABS]: 'fee above its fee limit (max_fee_msat)',
  [P.POLICY_LIMIT_MAX_FEE_PPM]: 'fee above its proportional fee limit (max_fee_ppm)',
  [P.POLICY_LIMIT_DAILY]: 'would exceed its 24-hour spending limit (daily_limit_msat)',
  [P.POLICY_LIMIT_LOG_FULL]: 'its spend log is full of payments younger than 24 hours',
  [P.POLICY_LIMIT_CLOCK]: 'its clock is not set while a daily limit is',
  [P.POLICY_LIMIT_PAYEE_DAILY]: 'would exceed its 24-hour limit for this payee (payee_daily_msat; 0 after an update from firmware without it: raise it with setpolicy)',
  [P.POLICY_LIMIT_PERIOD_CAP]: 'amount above its cap for one recurring payment (recurring_period_msat; 0 after an update from firmware without it: raise it with setpolicy)',
};

/** hsm_secret refusals (ERR_HSM_SECRET detail, KEYS_ERR_*). */
export const HSM_SECRET_TEXT: Readonly<Record<number, string>> = {
  [K.KEYS_ERR_FORMAT]: 'the file is shorter than 32 bytes',
  [K.KEYS_ERR_ENCRYPTED]: 'the file is encrypted: decrypt it first with `lightning-hsmtool decrypt`',
  [K.KEYS_ERR_MNEMONIC_TEXT]: 'the mnemonic text is not lower-case words separated by single spaces',
  [K.KEYS_ERR_MNEMONIC_WORDS]: 'the mnemonic does not have 12, 15, 18, 21 or 24 words',
  [K.KEYS_ERR_MNEMONIC_WORD]: 'a mnemonic word is not in the BIP39 English list',
  [K.KEYS_ERR_MNEMONIC_CHECKSUM]: "the mnemonic's BIP39 checksum does not match",
  [K.KEYS_ERR_PASSPHRASE_REQUIRED]: 'the file was made with a passphrase and none was given',
  [K.KEYS_ERR_PASSPHRASE_NOT_NEEDED]: 'a passphrase was given but the file was made without one',
  [K.KEYS_ERR_WRONG_PASSPHRASE]: 'wrong passphrase (the seed does not match the hash in the file)',
  [K.KEYS_ERR_PASSPHRASE_LENGTH]: `the passphrase is longer than ${K.KEYS_MAX_PASSPHRASE} bytes`,
};

const BOLT12_STREAM_TEXT: Readonly<Record<number, string>> = {
  [B.BOLT12_ERR_TOO_LONG]: 'the stream is longer than the device accepts',
  [B.BOLT12_ERR_TYPE_TRUNCATED]: 'a record type is cut short',
  [B.BOLT12_ERR_TYPE_NOT_MINIMAL]: 'a record type is not minimally encoded',
  [B.BOLT12_ERR_LENGTH_TRUNCATED]: 'a record length is cut short',
  [B.BOLT12_ERR_LENGTH_NOT_MINIMAL]: 'a record length is not minimally encoded',
  [B.BOLT12_ERR_VALUE_TRUNCATED]: 'a record value runs past the end',
  [B.BOLT12_ERR_TYPE_ORDER]: 'record types are not strictly ascending',
  [B.BOLT12_ERR_NO_RECORDS]: 'the stream has no records',
  [B.BOLT12_ERR_TYPE_RANGE]: "a record type is outside the message's ranges",
  [B.BOLT12_ERR_BAD_KIND]: 'not a message kind the device signs',
};

const SECP_TEXT: Readonly<Record<number, string>> = {
  [S.SECP_ERR_PUBKEY]: 'not a valid compressed secp256k1 point',
  [S.SECP_ERR_SECKEY]: 'not a valid secret key',
};

/** "hop 3" for a 0-based hop index. */
const hop = (i: number) => `hop ${i + 1} of the route`;

function onionRoute(detail: number): string {
  const reason = detail & 0xff;
  const i = detail >>> 8;
  switch (reason) {
    case 1: return `the route has no hops or more than ${P.ONION_MAX_HOPS}`;
    case 2: return 'the session key is not a valid secret key';
    case 3: return `the node id of ${hop(i)} is not a valid public key`;
    case 4: return `the payload of ${hop(i)} is malformed`;
    case P.ONION_ROUTE_TOO_BIG: return `the hop payloads are ${i} bytes too big for the onion`;
    case 6: return 'the onion size is out of range';
    case 7: return 'a blinding step gave an invalid key';
    default: return `the route cannot be built (reason ${reason}, hop index ${i})`;
  }
}

function onionAmount(detail: number): string {
  const reason = detail & 0xff;
  const at = hop(detail >>> 8);
  switch (reason) {
    case P.ONION_AMT_TLV: return `the payload of ${at} is not a valid TLV stream, or its amount, cltv or payment data field is malformed`;
    case P.ONION_AMT_MISSING: return `${at} has no amt_to_forward (nor encrypted_recipient_data)`;
    case P.ONION_AMT_INCREASES: return `amt_to_forward of ${at} is larger than the amount reaching it (amounts never grow along a route)`;
    case P.ONION_AMT_RANGE: return `the amount of ${at} is above 21 million BTC`;
    case P.ONION_AMT_BLINDED: return `the blinded payload of ${at} has the wrong shape for its place in the path`;
    default: return `the amounts of ${at} are inconsistent (reason ${reason})`;
  }
}

function blindTlv(detail: number): string {
  const reason = detail & 0xff;
  const where = `hop ${((detail >>> 8) & 0xff) + 1} of the path, at byte ${detail >>> 16}`;
  const what: Record<number, string> = {
    [P.BLIND_TLV_FRAMING]: 'the encrypted data is not a TLV stream',
    [P.BLIND_TLV_BAD_FIELD]: 'a field of the encrypted data has the wrong size or encoding',
    [P.BLIND_TLV_UNKNOWN_EVEN]: 'the encrypted data has an unknown even type',
    [P.BLIND_TLV_BOTH_NEXT]: 'the encrypted data has both short_channel_id and next_node_id',
    [P.BLIND_TLV_NO_NEXT]: 'a non-final hop has neither short_channel_id nor next_node_id',
    [P.BLIND_TLV_PATH_ID]: 'path_id is set at a non-final hop',
    [P.BLIND_TLV_PADDING]: 'padding was asked for but the data already has a padding record',
    [P.BLIND_TLV_FINAL_HAS_4]: 'the final payload holds encrypted_recipient_data itself',
    [P.BLIND_TLV_PATH]: 'their blinded path is malformed',
  };
  return `${what[reason] ?? `the encrypted data is refused (reason ${reason})`} (${where})`;
}

/** A sentence for a refusal: what was wrong and where. */
export function explainDeviceStatus(status: number, detail: number): string {
  switch (status) {
    case P.ERR_UNKNOWN_TYPE: return 'the device does not know this request type';
    case P.ERR_UNSUPPORTED: return 'this firmware build does not implement the request';
    case P.ERR_BAD_PAYLOAD: return 'the request payload does not have the layout the device expects';
    case P.ERR_NOT_PROVISIONED: return 'the device holds no secret yet (provision it: lnsigner device provision)';
    case P.ERR_ALREADY_PROVISIONED: return 'the device is already provisioned (wipe it first to replace its secret)';
    case P.ERR_REFUSED:
      if (detail === P.REFUSED_ALLOWLIST_FULL) return `its offer allowlist is full (${P.ALLOWLIST_CAP} offers): remove one first (disallowoffer)`;
      return `the device's policy refuses the request (rule ${detail})`;
    case P.ERR_FLASH: return `the device's storage failed (board error ${detail})`;
    case P.ERR_INTERNAL: return 'the device hit an internal error';
    case P.ERR_CONFIRM_PENDING: return 'the request waits for a press on the device';
    case P.ERR_CONFIRM_DENIED: return detail === 1 ? 'the board could not show the prompt, so it was denied' : 'denied on the device: nothing changed';
    case P.ERR_CONFIRM_TIMEOUT: return "the device's prompt timed out with no answer: nothing changed";
    case P.ERR_CONFIRM_BUSY: return 'the device is waiting for a press for another request: answer it, then try again';
    case P.ERR_SIGN_NAME: return `the device does not sign this ${detail === 2 ? 'field name' : 'message name'}`;
    case P.ERR_SIGN_STREAM:
      return `${BOLT12_STREAM_TEXT[detail & 0xff] ?? `the TLV stream is malformed (reason ${detail & 0xff})`}, at byte ${detail >>> 8} of the stream`;
    case P.ERR_SIGN_FIELD: return `TLV field ${detail}, which the signing policy reads, is missing or malformed`;
    case P.ERR_SIGN_KEY:
      return `the key named by TLV field ${detail} (${detail === 88 ? 'invreq_payer_id' : detail === 176 ? 'invoice_node_id' : 'a key'}) is not one the device signs with`;
    case P.ERR_ECDH_POINT: return `the ecdh point is ${SECP_TEXT[detail] ?? `refused (secp error ${detail})`}`;
    case P.ERR_ONION_ROUTE: return onionRoute(detail);
    case P.ERR_ONION_AMOUNT: return onionAmount(detail);
    case P.ERR_POLICY: return `a spending limit refuses it: ${POLICY_LIMIT_TEXT[detail] ?? `limit ${detail}`}`;
    case P.ERR_BLIND_TLV: return blindTlv(detail);
    case P.ERR_ONION_READ: return `there is no onion packet to read there (packet length ${detail})`;
    case P.ERR_OFFER_FIELD: return `the offer stream has a field the device sets itself or that is not an offer field (type ${detail})`;
    case P.ERR_INVOICE_RULE: return `the invoice breaks the device's ${ruleSentence(detail)}`;
    case P.ERR_PROOF_RULE: return `the payer proof breaks the device's ${proofRuleSentence(detail)}`;
    case P.ERR_PAY_RULE: return `the device will not pay it: ${payRuleSentence(detail)}`;
    case P.ERR_FW_FORMAT: return 'not a firmware image format this bootloader reads';
    case P.ERR_FW_ROLLBACK: return `anti-rollback: the image must be newer than version ${detail >>> 16}.${(detail >>> 8) & 0xff}.${detail & 0xff}`;
    case P.ERR_FW_SIGNATURE: return 'the image signature does not verify with the release key the device holds';
    case P.ERR_FW_HASH: return "the bytes written do not hash to the image header's SHA-256";
    case P.ERR_FW_STATE: return `the update is out of sequence (at ${detail} bytes)`;
    case P.ERR_HSM_SECRET: return `the hsm_secret is refused: ${HSM_SECRET_TEXT[detail] ?? `key derivation failed (detail ${detail})`}`;
    case P.ERR_WIPE_CONFIRM: return "the node id sent with wipe is not the device's own";
    case P.ERR_ENTROPY: return `the device's random source ${detail === 2 ? 'looks stuck' : 'failed'}`;
    default: return `refused with status 0x${status.toString(16).padStart(2, '0')}${detail ? `, detail ${detail}` : ''}`;
  }
}
