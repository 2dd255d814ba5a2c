// cancelrecurringinvoice offer recurrence_counter recurrence_label
//   [recurrence_start] [payer_note] [bip353]     (docs/host/payer.md)
// Tells the issuer of a recurring offer that the recurrence ends at this
// period: an invoice_request with invreq_recurrence_cancel, signed with the
// same payer key as the periods fetched under that label, sent as
// fetchinvoice sends. The issuer answers nothing; the result is the request.
import { defineMethod } from '../rpc/method.js';
import { opt, req } from '../rpc/params.js';
import { pString, pU32 } from '../rpc/param-types.js';
import type { CommandContext } from './context.js';
import { cancelRecurringInvoice } from '../payer/fetch.js';
import { pOfferString } from './fetchinvoice.js';

export const cancelrecurringinvoice = defineMethod({
  name: 'cancelrecurringinvoice',
  summary: 'Tell the issuer of a recurring offer that the recurrence ends (invreq_recurrence_cancel)',
  params: {
    offer: req(pOfferString),
    recurrence_counter: req(pU32),
    recurrence_label: req(pString()),
    recurrence_start: opt(pU32),
    payer_note: opt(pString()),
    bip353: opt(pString()),
  },
  async run({ values: p }, ctx: CommandContext) {
    return cancelRecurringInvoice(ctx, {
      offer: p.offer, recurrenceCounter: p.recurrence_counter, recurrenceLabel: p.recurrence_label,
      recurrenceStart: p.recurrence_start, payerNote: p.payer_note, bip353: p.bip353,
    });
  },
});
