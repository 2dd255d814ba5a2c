// offerout amount description [issuer] [label] [absolute_expiry] [refund_for]
//                                           (seed 000; cln-rpc-digest §1.2)
// The legacy name of "an offer to pay". CLN ≤v0.12 wrote a send_invoice offer
// signed by the node key; that message type no longer exists, so offerout
// creates today's equivalent, exactly as `invoicerequest` does (payer id =
// node id, signed by the device with the node key), always single-use (seed
// 000: "we will only pay once").
//
// refund_for (seed 000: "a previous (paid) invoice of ours ... redemption
// requires that the invoice we receive contains a valid signature using that
// previous payer_key"): an `lni1...` invoice we issued (invoice_node_id = our
// node id, valid signature). Its invreq_payer_id is stored with the request
// (invoice_requests.refund_payer_key); the payment flow accepts an invoice for
// this request only if it is signed by that key. Whether the invoice was
// paid is checked by the payment flow's records once they exist.
import { bytesToHex } from '@noble/hashes/utils.js';
import { Bolt12Error, decodeInvoice } from '../bolt12/index.js';
import { defineMethod } from '../rpc/method.js';
import { bad, opt, req, type ParamParser } from '../rpc/params.js';
import { pEscapedString, pString, pU64 } from '../rpc/param-types.js';
import type { InvoiceFields } from '../bolt12/index.js';
import { pMsatOrAny } from './amount-params.js';
import { requireDevice, type CommandContext } from './context.js';
import { invoiceRequestEntry } from './format.js';
import { createInvoiceRequest, devMetadata } from './invoice-request-builder.js';
import { pDevHex } from './invoicerequest.js';

/** refund_for: a BOLT 12 invoice (every reader rule, signature included). */
const pBolt12Invoice: ParamParser<InvoiceFields> = (tok, name) => {
  const text = pString(8192)(tok, name);
  try {
    return decodeInvoice(text.startsWith('lightning:') || text.startsWith('LIGHTNING:') ? text.slice(10) : text).fields;
  } catch (e) {
    if (e instanceof Bolt12Error) return bad(name, `should be a bolt12 invoice (${e.message})`, tok);
    throw e;
  }
};

export const offerout = defineMethod({
  name: 'offerout',
  summary: 'Legacy name: create an invoice_request (lnr1...) for someone to send us an invoice we pay once',
  params: {
    amount: req(pMsatOrAny),
    description: req(pEscapedString()),
    issuer: opt(pEscapedString()),
    label: opt(pEscapedString()),
    absolute_expiry: opt(pU64),
    refund_for: opt(pBolt12Invoice),
    dev_invreq_metadata: opt(pDevHex),
  },
  async run({ values: p }, ctx: CommandContext) {
    // A modern invoice_request without an offer must carry invreq_amount
    // (BOLT 12), so the legacy `any` cannot be expressed any more.
    if (p.amount === 'any') bad('amount', "'any' is not possible: an invoice_request must state its amount");
    let refundPayerKey: Uint8Array | undefined;
    if (p.refund_for) {
      const device = requireDevice(ctx, 'refund_for must be checked against our node id');
      const inv = p.refund_for;
      // Seed 000: refund_for is "a previous (paid) invoice of ours".
      if (!inv.invoice_node_id || bytesToHex(inv.invoice_node_id) !== bytesToHex(device.info.nodeId)) {
        bad('refund_for', 'is not an invoice of ours (invoice_node_id is not our node id)');
      }
      refundPayerKey = inv.invreq_payer_id;
      if (!refundPayerKey) bad('refund_for', 'has no invreq_payer_id to refund');
    }
    const record = await createInvoiceRequest(ctx, {
      amountMsat: p.amount as bigint,
      description: p.description,
      issuer: p.issuer,
      absoluteExpiry: p.absolute_expiry,
      label: p.label,
      singleUse: true,
      refundPayerKey,
      metadata: devMetadata(ctx, p.dev_invreq_metadata),
    });
    // CLN names; refund_payer_key added when refund_for was given.
    return { ...invoiceRequestEntry(record), refund_payer_key: record.refundPayerKey };
  },
});
