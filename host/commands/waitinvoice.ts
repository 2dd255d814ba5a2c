// waitinvoice label / waitanyinvoice [lastpay_index] [timeout] (Core
// Lightning's parameters and errors): wait for one of our invoices to be paid.
// The store emits 'paid' only after the paid state is committed.
import { ErrorCode, RpcError } from '../rpc/errors.js';
import { defineMethod } from '../rpc/method.js';
import { opt, req } from '../rpc/params.js';
import { pU64 } from '../rpc/param-types.js';
import type { InvoiceRecord } from '../store/index.js';
import type { CommandContext } from './context.js';
import { invoiceEntry } from './invoice-format.js';
import { pLabel } from './listinvoices.js';

/** CLN common/jsonrpc_errors.h. */
export const INVOICE_EXPIRED_DURING_WAIT = 903;
export const INVOICE_WAIT_TIMED_OUT = 904;

const MAX_TIMER_MS = 2 ** 31 - 1;

export const waitinvoice = defineMethod({
  name: 'waitinvoice',
  summary: 'Wait until the invoice with this label is paid (or expires)',
  params: { label: req(pLabel) },
  run({ values: p }, ctx: CommandContext) {
    const store = ctx.store.invoices;
    const now = ctx.now ?? (() => Math.floor(Date.now() / 1000));
    const first = store.byLabel(p.label);
    if (!first) throw new RpcError(ErrorCode.LIGHTNINGD, 'Label not found');
    const settle = (r: InvoiceRecord) => {
      if (r.status === 'paid') return invoiceEntry(r);
      throw new RpcError(INVOICE_EXPIRED_DURING_WAIT, 'invoice expired during wait', invoiceEntry(r));
    };
    if (first.status !== 'unpaid') return settle(first);
    return new Promise((resolve, reject) => {
      const done = (r: InvoiceRecord) => {
        store.events.off('paid', onPaid);
        clearTimeout(timer);
        try {
          resolve(settle(r));
        } catch (e) {
          reject(e);
        }
      };
      const onPaid = (r: InvoiceRecord) => {
        if (r.label === p.label) done(r);
      };
      store.events.on('paid', onPaid);
      const ms = Math.min(MAX_TIMER_MS, Math.max(0, (first.expiresAt - now()) * 1000 + 50));
      const timer = setTimeout(() => done(store.byLabel(p.label)!), ms);
    });
  },
});

export const waitanyinvoice = defineMethod({
  name: 'waitanyinvoice',
  summary: 'Wait for the next paid invoice after lastpay_index',
  params: { lastpay_index: opt(pU64), timeout: opt(pU64) },
  run({ values: p }, ctx: CommandContext) {
    const store = ctx.store.invoices;
    const last = Number(p.lastpay_index ?? 0n);
    const ready = store.paidAfter(last);
    if (ready) return invoiceEntry(ready);
    if (p.timeout === 0n) throw new RpcError(INVOICE_WAIT_TIMED_OUT, 'Timed out while waiting');
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onPaid = () => {
        const r = store.paidAfter(last);
        if (!r) return;
        store.events.off('paid', onPaid);
        if (timer) clearTimeout(timer);
        resolve(invoiceEntry(r));
      };
      store.events.on('paid', onPaid);
      if (p.timeout !== undefined) {
        timer = setTimeout(() => {
          store.events.off('paid', onPaid);
          reject(new RpcError(INVOICE_WAIT_TIMED_OUT, 'Timed out while waiting'));
        }, Math.min(MAX_TIMER_MS, Number(p.timeout) * 1000));
      }
    });
  },
});
