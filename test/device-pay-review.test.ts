// Regressions from the security review of issue 12's pay_invoice (docs/firmware/payer.md):
// - a build_onion whose payment hash is an invoice's merkle root, with the same
//   partid and route, must not pre-record a pay part (the pay part key has a
//   domain tag of its own), so pay_invoice still applies the policy and the
//   BOLT 12 terms;
// - the confirmation threshold is compared with the invoice amount, so parts
//   at or below it do not pay a larger invoice without a press, and the prompt
//   shows the invoice amount;
// - a part pay_failed released is checked and counted again when the same part
//   (same partid and route) is sent again: its old spend entry does not make it
//   a free resend (a colluding hop that forged the failure could settle it again).
import { beforeAll, describe, expect, it } from 'vitest';
import * as P from '../shared/protocol.js';
import { PROMPT_APPROVED } from '../shared/board.js';
import { MemoryFlash } from '../host/emulator/flash.js';
import { autoPrompt } from '../host/firmware/load.js';
import { decodePolicy, encodeBuildOnion, encodeProvision, encodeSetPolicy } from '../host/device-client/requests.js';
import { decodePayFailedReply, decodePayInvoiceReply, encodePayFailed } from '../host/device-client/payer-requests.js';
import { chipCall, powerUp, refusalOf, type Chip } from './helpers/chip.js';
import { HSM_SECRET } from './helpers/merchant.js';
import { failureAt, hopPrivs, hopSecrets, invoice as invoiceAt, offerRecs, payPayload, request as requestOn, route } from './helpers/payer.js';

const NOW = 1_765_000_000;
const shown: string[] = [];
let chip: Chip;
const call = (t: number, p: Uint8Array) => chipCall(chip, t, p);
const NO_LIMITS = { maxAmountMsat: null, maxFeeMsat: null, maxFeePpm: null, dailyLimitMsat: null, confirmAboveMsat: null, payeeDailyMsat: null, periodCapMsat: null };
const policy = () => decodePolicy(call(P.MSG_GET_POLICY, new Uint8Array(0)));

beforeAll(() => {
  chip = powerUp(new MemoryFlash(), autoPrompt(PROMPT_APPROVED, shown), () => NOW);
  call(P.MSG_PROVISION, encodeProvision({ hsmSecret: HSM_SECRET }));
});

describe('pay_invoice after the review', () => {
  it('build_onion with payment_hash := the invoice root does not pre-record the part: the payee limit still refuses', () => {
    const req = requestOn(call, offerRecs(50_000n));
    const inv = invoiceAt(req, 50_000n, {}, NOW);
    const r = route(inv.path, 50_000n);
    call(P.MSG_SET_POLICY, encodeSetPolicy({ ...NO_LIMITS, payeeDailyMsat: 10_000n }));
    const first = refusalOf(() => call(P.MSG_PAY_INVOICE, payPayload(inv, req, r, 3n)));
    expect([first.code, first.detail]).toEqual([P.ERR_POLICY, P.POLICY_LIMIT_PAYEE_DAILY]);
    const strip = (p: Uint8Array) => p.slice(1);
    call(P.MSG_BUILD_ONION, encodeBuildOnion({
      hops: r.hops.map((h) => ({ pubkey: h.pubkey, payload: strip(h.payload) })), paymentHash: inv.root, partId: 3n, firstHopAmountMsat: r.firstAmountMsat,
    }));
    const used = policy().logUsed;
    const again = refusalOf(() => call(P.MSG_PAY_INVOICE, payPayload(inv, req, r, 3n)));
    expect([again.code, again.detail]).toEqual([P.ERR_POLICY, P.POLICY_LIMIT_PAYEE_DAILY]);
    expect(policy().logUsed).toBe(used);
    call(P.MSG_SET_POLICY, encodeSetPolicy(NO_LIMITS));
  });

  it('an invoice above confirm_above_msat asks for a press even when each part is below it; the prompt shows the invoice amount', () => {
    call(P.MSG_SET_POLICY, encodeSetPolicy({ ...NO_LIMITS, confirmAboveMsat: 5000n }));
    const req = requestOn(call, offerRecs(8000n));
    const inv = invoiceAt(req, 8000n, {}, NOW);
    const n0 = shown.length;
    decodePayInvoiceReply(call(P.MSG_PAY_INVOICE, payPayload(inv, req, route(inv.path, 4000n, 8000n), 1n)));
    decodePayInvoiceReply(call(P.MSG_PAY_INVOICE, payPayload(inv, req, route(inv.path, 4000n, 8000n), 2n)));
    expect(shown.length - n0).toBe(2);
    expect(shown.slice(n0).every((t) => t.startsWith('Pay 8000 msat\n'))).toBe(true);
    // An invoice at the threshold: no press, whatever its parts.
    const small = requestOn(call, offerRecs(5000n));
    const inv2 = invoiceAt(small, 5000n, {}, NOW);
    const n1 = shown.length;
    decodePayInvoiceReply(call(P.MSG_PAY_INVOICE, payPayload(inv2, small, route(inv2.path, 5000n), 1n)));
    expect(shown.length).toBe(n1);
    call(P.MSG_SET_POLICY, encodeSetPolicy(NO_LIMITS));
  });

  it('the same part sent again after pay_failed released it is checked and counted again', () => {
    call(P.MSG_SET_POLICY, encodeSetPolicy(NO_LIMITS));
    const req = requestOn(call, offerRecs(3000n));
    const inv = invoiceAt(req, 3000n, {}, NOW);
    const r = route(inv.path, 3000n);
    const payload = payPayload(inv, req, r, 4n);
    const built = decodePayInvoiceReply(call(P.MSG_PAY_INVOICE, payload));
    const mid = policy();
    const part = { invoice: inv.tlv, invreqSignature: req.signature, partId: 4n, firstHopAmountMsat: r.firstAmountMsat, hops: r.hops };
    const reply = failureAt(hopSecrets(built.onion, hopPrivs(inv.path), inv.paymentHash), 2, Uint8Array.of(0x40, 0x0f));
    expect(decodePayFailedReply(call(P.MSG_PAY_FAILED, encodePayFailed(part, reply)), 3).erringIndex).toBe(2);
    // Released, not credited: the window still holds the part.
    expect(policy().logUsed).toBe(mid.logUsed);
    // A daily limit with no room for another part: the same part again is refused…
    call(P.MSG_SET_POLICY, encodeSetPolicy({ ...NO_LIMITS, dailyLimitMsat: mid.spentLast24hMsat }));
    const e = refusalOf(() => call(P.MSG_PAY_INVOICE, payload));
    expect([e.code, e.detail]).toEqual([P.ERR_POLICY, P.POLICY_LIMIT_DAILY]);
    // …and with room it is paid and counted a second time.
    call(P.MSG_SET_POLICY, encodeSetPolicy(NO_LIMITS));
    decodePayInvoiceReply(call(P.MSG_PAY_INVOICE, payload));
    expect(policy().logUsed).toBe(mid.logUsed + 1);
  });
});
