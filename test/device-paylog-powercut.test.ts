// The pay log (device/payer/store.ts) under power cuts: a cut at any flash
// operation of a pay_invoice's pay log commit — or inside it — leaves the old
// record or the new one; an onion is only returned once its part is recorded;
// after the reboot a paid invoice is still paid. pay_failed under a cut of its
// pay log commit (after its spend log commit): the part is still live or
// released, the 24-hour window is credited, and resending the same failure
// finishes the job. The MemoryFlash with NOR rules under the firmware, cuts
// limited to the pay log partition.
// docs/firmware/payer.md "Pay log".
import { describe, expect, it } from 'vitest';
import * as P from '../shared/protocol.js';
import { FLASH_ERR_IO, FLASH_PAYLOG_OFF, FLASH_PAYLOG_SIZE, FLASH_SECTOR } from '../shared/board.js';
import { MemoryFlash, type FlashDevice } from '../host/emulator/flash.js';
import { decodePolicy, encodeProvision, encodeSetPolicy } from '../host/device-client/requests.js';
import { decodePayFailedReply, decodePayInvoiceReply, encodePayFailed } from '../host/device-client/payer-requests.js';
import { autoPrompt } from '../host/firmware/load.js';
import { chipCall, powerUp, refusalOf } from './helpers/chip.js';
import { x } from './helpers/bytes.js';
import { HSM_SECRET } from './helpers/merchant.js';
import { failureAt, hopPrivs, hopSecrets, invoice, offerRecs, payPayload, request, route } from './helpers/payer.js';

type Cut = { at: number; keep: number };

/** Power fails at the `at`-th write/erase of the pay log partition: that
 *  operation applies its first `keep` bytes (write) or sectors (erase) only,
 *  and every later one fails. */
class CuttingFlash implements FlashDevice {
  ops = 0;
  armed = false;
  constructor(readonly inner: MemoryFlash, readonly cut: Cut) {}
  private gate(off: number): 'ok' | 'partial' | 'dead' {
    if (!this.armed || off < FLASH_PAYLOG_OFF || off >= FLASH_PAYLOG_OFF + FLASH_PAYLOG_SIZE) return 'ok';
    const n = this.ops++;
    return n < this.cut.at ? 'ok' : n === this.cut.at ? 'partial' : 'dead';
  }
  read(off: number, out: Uint8Array) { return this.inner.read(off, out); }
  write(off: number, data: Uint8Array) {
    const g = this.gate(off);
    if (g === 'ok') return this.inner.write(off, data);
    if (g === 'partial' && this.cut.keep > 0) this.inner.write(off, data.subarray(0, Math.min(this.cut.keep, data.length)));
    return FLASH_ERR_IO;
  }
  erase(off: number, len: number) {
    const g = this.gate(off);
    if (g === 'ok') return this.inner.erase(off, len);
    if (g === 'partial' && this.cut.keep > 0) this.inner.erase(off, Math.min(this.cut.keep * FLASH_SECTOR, len));
    return FLASH_ERR_IO;
  }
}

const NO_LIMITS = { maxAmountMsat: null, maxFeeMsat: null, maxFeePpm: null, dailyLimitMsat: null, confirmAboveMsat: null };

describe('pay log commits under power cuts', () => {
  // A commit is erase, program all but the magic, program the magic: 3
  // operations (a cut at 3 comes after the commit: the onion is returned).
  const cuts: Cut[] = [];
  for (let at = 0; at < 3; at++) for (const keep of [0, 1, 2, 700, 3000]) cuts.push({ at, keep });
  cuts.push({ at: 3, keep: 0 });

  for (const cut of cuts) {
    it(`cut at operation ${cut.at} keeping ${cut.keep}: old record or new one, the paid invoice stays paid`, () => {
      const mem = new MemoryFlash();
      const flash = new CuttingFlash(mem, cut);
      let chip = powerUp(flash, autoPrompt());
      const call = (type: number, payload: Uint8Array) => chipCall(chip, type, payload);
      call(P.MSG_PROVISION, encodeProvision({ hsmSecret: HSM_SECRET }));
      call(P.MSG_SET_POLICY, encodeSetPolicy(NO_LIMITS));
      // Invoice A paid before the cut (a valid record exists).
      const ra = request(call, offerRecs(1000n));
      const a = invoice(ra, 1000n);
      call(P.MSG_PAY_INVOICE, payPayload(a, ra, route(a.path, 1000n)));
      // Invoice B under the cut.
      const rb = request(call, offerRecs(2000n));
      const b = invoice(rb, 2000n);
      const pb = payPayload(b, rb, route(b.path, 2000n));
      flash.armed = true;
      const f = chip.request(P.MSG_PAY_INVOICE, pb);
      const returned = f.type === (P.MSG_PAY_INVOICE | P.MSG_REPLY);
      expect(returned).toBe(cut.at === 3);
      if (!returned) expect(f.payload[P.ERROR_OFF_CODE]).toBe(P.ERR_FLASH);
      // Reboot on the flash as the cut left it.
      chip = powerUp(mem, autoPrompt());
      // A is still paid.
      const e = refusalOf(() => call(P.MSG_PAY_INVOICE, payPayload(a, ra, route(a.path, 1000n), 9n)));
      expect([e.code, e.detail]).toEqual([P.ERR_PAY_RULE, P.PAY_RULE_ONCE]);
      if (returned) {
        // The onion left: B must be recorded (another part refused, the same part resent).
        const e2 = refusalOf(() => call(P.MSG_PAY_INVOICE, payPayload(b, rb, route(b.path, 2000n), 9n)));
        expect([e2.code, e2.detail]).toEqual([P.ERR_PAY_RULE, P.PAY_RULE_ONCE]);
        const again = decodePayInvoiceReply(call(P.MSG_PAY_INVOICE, pb));
        expect(x(again.onion)).toBe(x(decodePayInvoiceReply(f.payload).onion));
      } else {
        // Nothing left the device: B may be paid now (once).
        call(P.MSG_PAY_INVOICE, pb);
        const e3 = refusalOf(() => call(P.MSG_PAY_INVOICE, payPayload(b, rb, route(b.path, 2000n), 9n)));
        expect(e3.detail).toBe(P.PAY_RULE_ONCE);
      }
    });
  }
});

describe('pay_failed under power cuts of its pay log commit', () => {
  const cuts: Cut[] = [];
  for (let at = 0; at < 3; at++) for (const keep of [0, 1, 3000]) cuts.push({ at, keep });

  for (const cut of cuts) {
    it(`cut at operation ${cut.at} keeping ${cut.keep}: the window keeps the part, the part live or released; the resent failure finishes`, () => {
      const mem = new MemoryFlash();
      const flash = new CuttingFlash(mem, cut);
      let chip = powerUp(flash, autoPrompt());
      const call = (type: number, payload: Uint8Array) => chipCall(chip, type, payload);
      const used = () => decodePolicy(call(P.MSG_GET_POLICY, new Uint8Array(0))).logUsed;
      call(P.MSG_PROVISION, encodeProvision({ hsmSecret: HSM_SECRET }));
      call(P.MSG_SET_POLICY, encodeSetPolicy(NO_LIMITS));
      const rq = request(call, offerRecs(3000n));
      const inv = invoice(rq, 3000n);
      const r = route(inv.path, 3000n);
      const part = { invoice: inv.tlv, invreqSignature: rq.signature, partId: 0n, firstHopAmountMsat: r.firstAmountMsat, hops: r.hops };
      const built = decodePayInvoiceReply(call(P.MSG_PAY_INVOICE, payPayload(inv, rq, r)));
      expect(used()).toBe(1);
      // The failure the final node returns, wrapped by the hops before it.
      const reply = failureAt(hopSecrets(built.onion, hopPrivs(inv.path), inv.paymentHash), 2, Uint8Array.of(0x40, 0x0f));
      flash.armed = true;
      const f = chip.request(P.MSG_PAY_FAILED, encodePayFailed(part, reply));
      expect(f.type).toBe(P.MSG_ERROR);
      expect(f.payload[P.ERROR_OFF_CODE]).toBe(P.ERR_FLASH);
      chip = powerUp(mem, autoPrompt());
      // pay_failed writes only the pay log: the spend log keeps the part.
      expect(used()).toBe(1);
      const again = chip.request(P.MSG_PAY_FAILED, encodePayFailed(part, reply));
      if (again.type === (P.MSG_PAY_FAILED | P.MSG_REPLY)) {
        // The part was still live: the resend releases it.
        expect(decodePayFailedReply(again.payload, 3).erringIndex).toBe(2);
      } else {
        // The new record was complete: the part is gone already.
        expect(again.payload[P.ERROR_OFF_CODE]).toBe(P.ERR_PAY_RULE);
      }
      // Either way, now: released (a retry is accepted), and the retry counts too.
      call(P.MSG_PAY_INVOICE, payPayload(inv, rq, r, 1n));
      expect(used()).toBe(2);
    });
  }
});
