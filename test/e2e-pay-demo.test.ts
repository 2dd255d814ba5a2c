// `lnsigner demo --once` pays through the simulated network: after the offer
// steps and the BOLT 12 loop (fetchinvoice, decode, pay, listinvoices), sendpay (onion built by the emulated device) → waitsendpay complete
// with the preimage of carol's payment hash → listsendpays shows that one part.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { sha256 } from '@noble/hashes/sha2.js';
import { LNSIGNER_BIN } from '../host/process/announced.js';
import { removeTempDirs, tempDir } from './helpers/e2e.js';

afterAll(() => removeTempDirs());

describe('lnsigner demo: a payment through the simulated network', () => {
  it('sendpay → waitsendpay complete → listsendpays, in the walk-through', () => {
    const dir = tempDir('lnsigner-demo-pay-');
    const r = spawnSync(process.execPath, [LNSIGNER_BIN, 'demo', '--data-dir', dir, '--once'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const docs = r.stdout.split(/^\$ lnsigner .*$/m).slice(1).map((s) => JSON.parse(s));
    const [, offer, , , , , , sent, done, list] = docs;
    expect(offer.created).toBe(true);
    expect(sent).toMatchObject({ message: 'Monitor status with listpays or waitsendpay', status: 'pending', amount_msat: 50000, groupid: 1 });
    expect(done).toMatchObject({ id: sent.id, status: 'complete', payment_hash: sent.payment_hash });
    expect(Buffer.from(sha256(Buffer.from(done.payment_preimage, 'hex'))).toString('hex')).toBe(sent.payment_hash);
    expect(list.payments).toEqual([done]);
  });
});
