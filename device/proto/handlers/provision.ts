// provision: gives the device its secret, once (docs/protocol.md "provision").
// From a Core Lightning hsm_secret file (+ BIP39 passphrase) the device gets
// the same node id, payer keys and BOLT 12 signatures as that node (CLN RPC
// digest §7); in generate mode it draws 32 bytes from its entropy and uses them
// as a legacy 32-byte hsm_secret. Only the node key, the payer-key base
// makesecret("node-alias-base") and the node id are kept (device/keys/store.ts);
// secret_data, the file bytes in the request buffer and every scratch buffer
// are wiped before the reply. The reply is the node id, nothing secret.
//
// Both modes need the user's press (device/confirm/gate.ts), asked after the
// payload's layout is checked and before any derivation (a mnemonic costs a
// PBKDF2, not to be redone at every poll). The prompt names the mode and the
// network, never the secret. The host re-sends the whole request (the file)
// at every poll: every return path, ERR_CONFIRM_PENDING included, zeroes the
// request buffer.
import {
  ERR_ALREADY_PROVISIONED, ERR_BAD_PAYLOAD, ERR_ENTROPY, ERR_FLASH, ERR_HSM_SECRET, ERR_INTERNAL,
  MSG_PROVISION, NET_BITCOIN, NET_REGTEST, NET_SIGNET, NET_TESTNET, NODE_ID_SIZE, PROVISION_GENERATE, PROVISION_HSM_SECRET,
  PROVISION_HSM_SECRET_PASSPHRASE, PROVISION_OFF_DATA, PROVISION_OFF_MODE, PROVISION_OFF_NETWORK, DEVICE_ID_SIZE,
} from "../../../shared/protocol";
import {
  PROV_FLAG_GENERATED, PROV_OFF_ALIAS_BASE, PROV_OFF_FLAGS, PROV_OFF_NETWORK, PROV_OFF_NODE_ID,
  PROV_OFF_NODE_KEY, PROV_RECORD_SIZE, PROV_OFF_DEVICE_ID,
} from "../../../shared/board";
import { KEYS_OK } from "../../../shared/keys-status";
import { hal_entropy } from "../../hal";
import { deriveNodeKeys } from "../../keys/derive";
import { hsmSecretToSecretData } from "../../keys/hsm-secret";
import { REC, STORE_OK, STORE_PROVISIONED, storeCommit, storeProbe, storeWipeRam } from "../../keys/store";
import { copyBytes, fillBytes, get16 } from "../bytes";
import { confirmGate } from "../../confirm/gate";
import { textReset, textStr } from "../../confirm/text";
import { setErrorDetail } from "../dispatch";

const SD: usize = memory.data(64, 8); // secret_data
const SD_LEN: usize = memory.data(4, 4);
const GEN: usize = memory.data(32, 8); // drawn secret (a legacy hsm_secret)

function wipeAll(req: usize, len: i32): void {
  // The request carried the hsm_secret (and passphrase): zero it in the receive buffer too.
  fillBytes(req, 0, <usize>len);
  fillBytes(SD, 0, 64);
  fillBytes(GEN, 0, 32);
  storeWipeRam();
}

function fail(code: i32, detail: u32, req: usize, len: i32): i32 {
  wipeAll(req, len);
  setErrorDetail(detail);
  return -code;
}

function textNetwork(network: i32): void {
  if (network == NET_BITCOIN) textStr("bitcoin");
  else if (network == NET_TESTNET) textStr("testnet");
  else if (network == NET_SIGNET) textStr("signet");
  else textStr("regtest");
}

// Shows the prompt and asks; 0 = approved, else the status to reply (the
// caller wipes the request on every path).
function ask(mode: i32, network: i32, req: usize, len: i32): i32 {
  textReset();
  textStr("Provision the device?\n");
  if (mode == PROVISION_GENERATE) textStr("Generate a new secret\n");
  else textStr("Import an hsm_secret\n");
  textStr("Network ");
  textNetwork(network);
  textStr("\n");
  return confirmGate(MSG_PROVISION, req, <usize>len);
}

export function handleProvision(req: usize, len: i32, out: usize): i32 {
  // Rule: refused once provisioned; wipe is the only way back. Issue 9: and
  // refused when the partition cannot be read — a read error is not "empty".
  const st = storeProbe();
  if (st == STORE_PROVISIONED) return fail(ERR_ALREADY_PROVISIONED, 0, req, len);
  if (st != STORE_OK) return fail(ERR_FLASH, <u32>st, req, len);
  if (len < PROVISION_OFF_DATA) return fail(ERR_BAD_PAYLOAD, <u32>len, req, len);
  const mode = <i32>load<u8>(req + PROVISION_OFF_MODE);
  const network = <i32>load<u8>(req + PROVISION_OFF_NETWORK);
  // Rule: the network is one the device knows (detail: the offset of the bad byte).
  if (network < NET_BITCOIN || network > NET_REGTEST) return fail(ERR_BAD_PAYLOAD, PROVISION_OFF_NETWORK, req, len);

  let k: i32 = KEYS_OK;
  let flags: u8 = 0;
  const data = req + PROVISION_OFF_DATA;
  const dataLen = len - PROVISION_OFF_DATA;
  if (mode != PROVISION_HSM_SECRET && mode != PROVISION_HSM_SECRET_PASSPHRASE && mode != PROVISION_GENERATE) {
    return fail(ERR_BAD_PAYLOAD, PROVISION_OFF_MODE, req, len);
  }
  if (mode == PROVISION_HSM_SECRET_PASSPHRASE) {
    if (dataLen < 2) return fail(ERR_BAD_PAYLOAD, PROVISION_OFF_DATA, req, len);
    // Rule: the file length fits the payload (the passphrase is the rest).
    if (get16(data) > dataLen - 2) return fail(ERR_BAD_PAYLOAD, PROVISION_OFF_DATA, req, len);
  }
  // Rule (issue 9): provisioning (import and generate) needs the user's press.
  const g = ask(mode, network, req, len);
  if (g != 0) {
    wipeAll(req, len);
    return g;
  }
  if (mode == PROVISION_HSM_SECRET) {
    k = hsmSecretToSecretData(data, <usize>dataLen, 0, 0, false, SD, SD_LEN);
  } else if (mode == PROVISION_HSM_SECRET_PASSPHRASE) {
    if (dataLen < 2) return fail(ERR_BAD_PAYLOAD, PROVISION_OFF_DATA, req, len);
    const fileLen = get16(data);
    // Rule: the file length fits the payload (the passphrase is the rest).
    if (fileLen > dataLen - 2) return fail(ERR_BAD_PAYLOAD, PROVISION_OFF_DATA, req, len);
    const file = data + 2;
    const pass = file + <usize>fileLen;
    k = hsmSecretToSecretData(file, <usize>fileLen, pass, <usize>(dataLen - 2 - fileLen), true, SD, SD_LEN);
  } else if (mode == PROVISION_GENERATE) {
    if (hal_entropy(GEN, 32) != 0) return fail(ERR_ENTROPY, 1, req, len);
    // A stuck source (all bytes equal) is no secret. Checked with an OR of
    // XORs over all bytes; the verdict is the only thing that branches.
    let diff: u32 = 0;
    const b0 = <u32>load<u8>(GEN);
    for (let i: usize = 1; i < 32; i++) diff |= <u32>load<u8>(GEN + i) ^ b0;
    if (diff == 0) return fail(ERR_ENTROPY, 2, req, len);
    k = hsmSecretToSecretData(GEN, 32, 0, 0, false, SD, SD_LEN);
    flags = <u8>PROV_FLAG_GENERATED;
  } else {
    return fail(ERR_BAD_PAYLOAD, PROVISION_OFF_MODE, req, len);
  }
  if (k != KEYS_OK) return fail(ERR_HSM_SECRET, <u32>k, req, len);

  fillBytes(REC, 0xff, PROV_RECORD_SIZE);
  fillBytes(REC + 4, 0, <usize>(PROV_OFF_NODE_KEY - 4));
  store<u8>(REC + PROV_OFF_NETWORK, <u8>network);
  store<u8>(REC + PROV_OFF_FLAGS, flags);
  // Rule (docs/protocol.md "get_info reply"): the device id is drawn afresh at
  // every provisioning, so a wipe + provision is a new device to the host.
  if (hal_entropy(REC + PROV_OFF_DEVICE_ID, DEVICE_ID_SIZE) != 0) return fail(ERR_ENTROPY, 3, req, len);
  k = deriveNodeKeys(SD, <usize>load<u32>(SD_LEN), REC + PROV_OFF_NODE_KEY, REC + PROV_OFF_ALIAS_BASE, REC + PROV_OFF_NODE_ID);
  if (k != KEYS_OK) return fail(ERR_INTERNAL, <u32>k, req, len);
  const s = storeCommit();
  if (s != STORE_OK) return fail(ERR_FLASH, <u32>s, req, len);
  copyBytes(out, REC + PROV_OFF_NODE_ID, NODE_ID_SIZE);
  wipeAll(req, len);
  return NODE_ID_SIZE;
}
