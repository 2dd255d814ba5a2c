// disableinvoicerequest invreq_id (cln-rpc-digest §1.10). Errors: -1 "Unknown
// invoice_request", 1001 "invoice_request is not active".
import { ErrorCode, RpcError } from '../rpc/errors.js';
import { defineMethod } from '../rpc/method.js';
import { req } from '../rpc/params.js';
import { pSha256 } from '../rpc/param-types.js';
import type { CommandContext } from './context.js';
import { invoiceRequestEntry } from './format.js';

export const disableinvoicerequest = defineMethod({
  name: 'disableinvoicerequest',
  summary: 'Stop paying invoices for one of our invoice_requests',
  params: { invreq_id: req(pSha256) },
  run({ values }, ctx: CommandContext) {
    const r = ctx.store.invoiceRequests.disable(values.invreq_id);
    if (r.ok) return invoiceRequestEntry(r.record);
    if (r.why === 'unknown') throw new RpcError(ErrorCode.LIGHTNINGD, 'Unknown invoice_request');
    throw new RpcError(ErrorCode.OFFER_ALREADY_DISABLED, 'invoice_request is not active');
  },
});
