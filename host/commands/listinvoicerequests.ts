// listinvoicerequests [invreq_id] [active_only] (cln-rpc-digest §1.9): like
// listoffers, for the invoice_requests we created. invreq_id is parsed as a
// sha256 (64 hex); an unknown id gives an empty list.
import { defineMethod } from '../rpc/method.js';
import { opt, optDef } from '../rpc/params.js';
import { pBool, pSha256 } from '../rpc/param-types.js';
import type { CommandContext } from './context.js';
import { invoiceRequestEntry } from './format.js';

export const listinvoicerequests = defineMethod({
  name: 'listinvoicerequests',
  summary: 'List invoice_requests we created',
  params: { invreq_id: opt(pSha256), active_only: optDef(pBool, false) },
  run({ values }, ctx: CommandContext) {
    const rows = ctx.store.invoiceRequests.list({ invreqId: values.invreq_id, activeOnly: values.active_only });
    return { invoicerequests: rows.map(invoiceRequestEntry) };
  },
});
