// invoicerequest amount description [issuer] [label] [absolute_expiry]
//                [single_use]                      (cln-rpc-digest §1.7, §4; seed 002)
// An "offer to pay": an invoice_request with our node id as payer id, signed
// by the device with the node key, stored, and returned as `lnr1...`.
import { defineMethod } from '../rpc/method.js';
import { bad, opt, optDef, req, type ParamParser } from '../rpc/params.js';
import { pBool, pEscapedString, pU64 } from '../rpc/param-types.js';
import { pMsat } from './amount-params.js';
import type { CommandContext } from './context.js';
import { invoiceRequestEntry } from './format.js';
import { createInvoiceRequest, devMetadata } from './invoice-request-builder.js';

/** Hex bytes (1..64), for the hidden dev_invreq_metadata parameter. */
export const pDevHex: ParamParser<string> = (tok, name) => {
  if (tok.type === 'string' && /^([0-9a-fA-F]{2}){1,64}$/.test(tok.value)) return tok.value.toLowerCase();
  return bad(name, 'should be hex bytes', tok);
};

export const invoicerequest = defineMethod({
  name: 'invoicerequest',
  summary: 'Create an invoice_request (lnr1...) for someone to send us an invoice we pay',
  params: {
    // CLN: msat grammar only (no `any`, no currencies) -> invreq_amount.
    amount: req(pMsat),
    // Seed 002 and the schema mark it required (the code made it optional in v24.08).
    description: req(pEscapedString()),
    issuer: opt(pEscapedString()),
    label: opt(pEscapedString()),
    absolute_expiry: opt(pU64),
    // Seed 002: "default": "True".
    single_use: optDef(pBool, true),
    // Hidden, --developer only (as CLN's dev_ parameters): fixed metadata.
    dev_invreq_metadata: opt(pDevHex),
  },
  async run({ values: p }, ctx: CommandContext) {
    const record = await createInvoiceRequest(ctx, {
      amountMsat: p.amount,
      description: p.description,
      issuer: p.issuer,
      absoluteExpiry: p.absolute_expiry,
      label: p.label,
      singleUse: p.single_use,
      metadata: devMetadata(ctx, p.dev_invreq_metadata),
    });
    // Seed 002 response: invreq_id, active (true), single_use, bolt12, used (false), label?.
    return invoiceRequestEntry(record);
  },
});
