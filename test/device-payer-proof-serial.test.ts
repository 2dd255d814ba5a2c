// sign_payer_proof over the emulator's PTY (the real serial transport and
// DeviceClient): the proof signed on the device verifies as an lnp1 proof,
// and a refusal arrives as ProofRuleError naming its rule.
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { secp } from '../host/crypto/noble.js';
import {
  attachProofSignature, buildUnsignedPayerProof, encodePayerProof, encodeTlvStream, merkleRoot, readTlvRecords, signatureMessage,
  verifyPayerProof,
} from '../host/bolt12/index.js';
import { ProofRuleError, signPayerProofOn } from '../host/device-client/proof-requests.js';
import type { DeviceClient } from '../host/device-client/client.js';
import { serialDevice } from './helpers/serial-device.js';
import { keyCases, payerKeyRef } from './helpers/device-requests.js';
import { h, vector } from './helpers/bytes.js';

const V = vector('payer-proof-test.json');
const K = keyCases[0];
let client: DeviceClient;
serialDevice(K.file, (c) => { client = c; });

function invoice(meta: Uint8Array, payerId: Uint8Array, preimage: Uint8Array): Uint8Array {
  const set = new Map<bigint, Uint8Array>(readTlvRecords(h(V.valid_vectors[0].input.invoice_hex)).filter((r) => r.type !== 240n).map((r) => [r.type, r.value]));
  set.set(0n, meta);
  set.set(88n, payerId);
  set.set(168n, sha256(preimage));
  const e = [...set].map(([type, value]) => ({ type, value }));
  const sig = secp.schnorr.sign(signatureMessage('invoice', 'signature', merkleRoot(encodeTlvStream(e))), h(V.keys.invoice_node_id.secret), new Uint8Array(32));
  return encodeTlvStream([...e, { type: 240n, value: sig }]);
}

describe('sign_payer_proof over the serial link', () => {
  const meta = h('e1'.repeat(16));
  const pre = h('77'.repeat(32));
  it('signs a proof that verifies', async () => {
    const u = buildUnsignedPayerProof({ invoice: invoice(meta, h(payerKeyRef(K.secretData, K.nodePriv, meta).id), pre), preimage: pre, note: 'serial' });
    const s = await signPayerProofOn(client.transport, u);
    expect(s.keyKind).toBe('payer');
    const p = verifyPayerProof(encodePayerProof(attachProofSignature(u, s.signature)));
    expect(p.note).toBe('serial');
  });

  it('refuses an invoice for another payer key with ProofRuleError (rule 4)', async () => {
    const u = buildUnsignedPayerProof({ invoice: invoice(meta, h(V.keys.invreq_payer_id.pubkey), pre), preimage: pre });
    const e = await signPayerProofOn(client.transport, u).catch((x) => x);
    expect(e).toBeInstanceOf(ProofRuleError);
    expect(e.rule).toBe(4);
    expect(e.message).toMatch(/device refused the payer proof: rule 4 \(ours\)/);
  });
});
