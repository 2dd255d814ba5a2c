// sign_payer_proof (docs/protocol.md "sign_payer_proof"; BOLT 12 payer
// proofs, lightning/bolts #1346): signs a payer proof of an invoice this
// device's payer key paid, from bytes it checks itself. The host gives the
// full signed invoice, the preimage, the types to disclose and the note; the
// device verifies the invoice signature, SHA256(preimage) =
// invoice_payment_hash and that invreq_payer_id is its payer key for
// invreq_metadata (or its node id), builds the proof's Merkle tree (device/
// payer/proof.ts) and signs its root with that key. Refusals are
// ERR_PROOF_RULE with the rule number (PROOF_RULE_*). No press: a proof
// moves no money and reveals only what the host already holds.
import {
  ERR_BAD_PAYLOAD, ERR_INTERNAL, ERR_NOT_PROVISIONED, ERR_PROOF_RULE, NODE_ID_SIZE, PROOF_OFF_FLAGS,
  PROOF_OFF_INCLUDE, PROOF_OFF_INCLUDE_COUNT, PROOF_OFF_INVOICE_LEN, PROOF_OFF_NOTE_LEN, PROOF_OFF_PREIMAGE,
  PROOF_RULE_OURS, SIGN_KEY_NODE, SIGN_KEY_PAYER, SIGN_REPLY_OFF_KEY, SIGN_REPLY_OFF_KEY_KIND, SIGN_REPLY_OFF_ROOT,
  SIGN_REPLY_OFF_SIG, SIGN_REPLY_SIZE,
} from "../../../shared/protocol";
import { PROV_OFF_ALIAS_BASE, PROV_OFF_NODE_ID, PROV_OFF_NODE_KEY } from "../../../shared/board";
import { SECP_OK } from "../../../shared/crypto-status";
import { KEYS_OK } from "../../../shared/keys-status";
import { bip340Sign } from "../../crypto/bip340";
import { pubkeyCreate } from "../../crypto/keys";
import { payerKeyFromBase } from "../../keys/derive";
import { REC, storeLoad, storeWipeRam } from "../../keys/store";
import {
  PROOF_SCRATCH_SIZE, fMeta, fMetaLen, fPayerId, proofIncludeList, proofInvoiceSignature, proofNoteUtf8, proofParse,
  proofPreimage, proofRoot, proofSighash,
} from "../../payer/proof";
import { copyBytes, fillBytes, get16 } from "../bytes";
import { setErrorDetail } from "../dispatch";

const PAYER_KEY: usize = memory.data(32, 8);
const PAYER_ID: usize = memory.data(33, 8);
const PROOF_ROOT: usize = memory.data(32, 8);
const SIGHASH: usize = memory.data(32, 8);
const ZERO_AUX: usize = memory.data(32, 8); // BIP-340 aux_rand = 32 zero bytes, as hsmd

function bytesEqual(a: usize, b: usize, n: usize): bool {
  let d: u32 = 0;
  for (let i: usize = 0; i < n; i++) d |= <u32>(load<u8>(a + i) ^ load<u8>(b + i));
  return d == 0;
}

function done(out: usize): void {
  fillBytes(PAYER_KEY, 0, 32);
  storeWipeRam();
  fillBytes(out, 0, PROOF_SCRATCH_SIZE);
}

function rule(out: usize, d: u32): i32 {
  done(out);
  setErrorDetail(d);
  return -ERR_PROOF_RULE;
}

export function handleSignPayerProof(req: usize, len: i32, out: usize): i32 {
  // Layout: flags u8 | include count u8 | note length u16le | invoice length
  // u16le | preimage[32] | include types u32le × count | note | invoice.
  if (len < PROOF_OFF_INCLUDE) { setErrorDetail(0); return -ERR_BAD_PAYLOAD; }
  if (load<u8>(req + PROOF_OFF_FLAGS) != 0) { setErrorDetail(<u32>PROOF_OFF_FLAGS); return -ERR_BAD_PAYLOAD; }
  const count = <i32>load<u8>(req + PROOF_OFF_INCLUDE_COUNT);
  const noteLen = get16(req + PROOF_OFF_NOTE_LEN);
  const invLen = get16(req + PROOF_OFF_INVOICE_LEN);
  if (PROOF_OFF_INCLUDE + count * 4 + noteLen + invLen != len) { setErrorDetail(<u32>PROOF_OFF_NOTE_LEN); return -ERR_BAD_PAYLOAD; }
  const preimage = req + PROOF_OFF_PREIMAGE;
  const incl = req + PROOF_OFF_INCLUDE;
  const note = incl + <usize>(count * 4);
  const inv = note + <usize>noteLen;
  const ilen = <usize>invLen;

  // Rule 1: a strictly framed invoice with the fields a proof needs.
  let d = proofParse(inv, ilen);
  // Rule 5: the disclosure list; rule 6: the note is UTF-8.
  if (d == 0) d = proofIncludeList(incl, count, inv, ilen);
  if (d == 0) d = proofNoteUtf8(note, <usize>noteLen);
  // Rule 2: BOLT 12: the invoice signature verifies under invoice_node_id.
  if (d == 0) d = proofInvoiceSignature(inv, ilen);
  // Rule 3: the preimage pays it.
  if (d == 0) d = proofPreimage(preimage);
  if (d != 0) { setErrorDetail(d); return -ERR_PROOF_RULE; }

  // Rule 4: invreq_payer_id is the payer key derived from invreq_metadata
  // (as sign_bolt12 signed the request) or the node id.
  if (!storeLoad()) return -ERR_NOT_PROVISIONED;
  const nodeKey = REC + PROV_OFF_NODE_KEY;
  const ourId = REC + PROV_OFF_NODE_ID;
  let key = nodeKey;
  let keyKind: u8 = <u8>SIGN_KEY_NODE;
  if (!bytesEqual(fPayerId, ourId, NODE_ID_SIZE)) {
    if (payerKeyFromBase(nodeKey, REC + PROV_OFF_ALIAS_BASE, fMeta, fMetaLen, PAYER_KEY) != KEYS_OK) return rule(out, <u32>PROOF_RULE_OURS | (88 << 8));
    if (pubkeyCreate(PAYER_ID, PAYER_KEY) != SECP_OK) { done(out); setErrorDetail(1); return -ERR_INTERNAL; }
    if (!bytesEqual(PAYER_ID, fPayerId, NODE_ID_SIZE)) return rule(out, <u32>PROOF_RULE_OURS | (88 << 8));
    key = PAYER_KEY;
    keyKind = <u8>SIGN_KEY_PAYER;
  }
  copyBytes(PAYER_ID, fPayerId, NODE_ID_SIZE);

  // The proof's Merkle root, computed here from the checked bytes (the reply
  // buffer is the scratch area), then BIP-340 over its tagged message.
  if (!proofRoot(inv, ilen, incl, count, preimage, note, <usize>noteLen, out, PROOF_ROOT)) {
    done(out); setErrorDetail(2); return -ERR_INTERNAL;
  }
  proofSighash(PROOF_ROOT, SIGHASH);
  fillBytes(out, 0, PROOF_SCRATCH_SIZE);
  // bip340Sign verifies its own signature before writing it.
  const s = bip340Sign(out + SIGN_REPLY_OFF_SIG, SIGHASH, 32, key, ZERO_AUX);
  if (s != SECP_OK) { done(out); setErrorDetail(<u32>s); return -ERR_INTERNAL; }
  copyBytes(out + SIGN_REPLY_OFF_ROOT, PROOF_ROOT, 32);
  store<u8>(out + SIGN_REPLY_OFF_KEY_KIND, keyKind);
  copyBytes(out + SIGN_REPLY_OFF_KEY, PAYER_ID, NODE_ID_SIZE);
  fillBytes(PAYER_KEY, 0, 32);
  storeWipeRam();
  return SIGN_REPLY_SIZE;
}
