// fetchinvoice offer [amount_msat] [quantity] [recurrence_counter]
//   [recurrence_start] [recurrence_label] [timeout] [payer_note]
//   [payer_metadata] [bip353]           (cln-rpc-digest §1.11; docs/host/payer.md)
// Asks the offer's issuer for an invoice: an invoice_request signed on the
// device with the payer key of its metadata, sent by onion message with a
// reply path the device blinded; the answer is checked as CLN checks it.
// Needs the plugin (the reply comes through lightningd's hook).
import { defineMethod } from '../rpc/method.js';
import { bad, opt, optDef, req, type ParamParser } from '../rpc/params.js';
import { pString, pU32, pU64 } from '../rpc/param-types.js';
import { pMsat } from './amount-params.js';
import type { CommandContext } from './context.js';
import { fetchInvoice, FETCH_TIMEOUT_DEFAULT } from '../payer/fetch.js';

/** payer_metadata: hex bytes (CLN param_bin_from_hex "should be a hex value"). */
export const pMetadataHex: ParamParser<Uint8Array> = (tok, name) => {
  if (tok.type === 'string' && /^([0-9a-fA-F]{2})+$/.test(tok.value)) return Uint8Array.from(Buffer.from(tok.value, 'hex'));
  return bad(name, 'should be a hex value', tok);
};

/** The offer string, with an optional lightning: prefix. */
export const pOfferString: ParamParser<string> = (tok, name) => {
  const s = pString(64 * 1024)(tok, name);
  return s.replace(/^lightning:/i, '');
};

export const fetchinvoice = defineMethod({
  name: 'fetchinvoice',
  summary: "Fetch an invoice for someone's offer (lno1...): invoice_request signed on the device, sent by onion message",
  params: {
    offer: req(pOfferString),
    amount_msat: opt(pMsat),
    quantity: opt(pU64),
    recurrence_counter: opt(pU32),
    recurrence_start: opt(pU32),
    recurrence_label: opt(pString()),
    timeout: optDef(pU32, FETCH_TIMEOUT_DEFAULT),
    payer_note: opt(pString()),
    payer_metadata: opt(pMetadataHex),
    bip353: opt(pString()),
  },
  async run({ values: p }, ctx: CommandContext) {
    const r = await fetchInvoice(ctx, {
      offer: p.offer, amountMsat: p.amount_msat, quantity: p.quantity, recurrenceCounter: p.recurrence_counter,
      recurrenceStart: p.recurrence_start, recurrenceLabel: p.recurrence_label, timeout: p.timeout, payerNote: p.payer_note,
      payerMetadata: p.payer_metadata, bip353: p.bip353,
    });
    return { invoice: r.invoice, changes: r.changes, ...(r.next_period ? { next_period: r.next_period } : {}) };
  },
});

