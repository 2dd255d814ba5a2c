// A listinvoices / waitinvoice / waitanyinvoice entry, field for field in Core
// Lightning's order (lightningd/invoice.c json_add_invoice_fields), for our
// BOLT 12 invoices; the recurrence fields are lnsigner's additions.
import type { InvoiceRecord } from '../store/index.js';

export function invoiceEntry(r: InvoiceRecord) {
  return {
    label: r.label,
    bolt12: r.bolt12,
    payment_hash: r.paymentHash,
    amount_msat: r.amountMsat,
    status: r.status,
    description: r.description,
    expires_at: r.expiresAt,
    created_index: r.createdIndex,
    updated_index: r.updatedIndex,
    local_offer_id: r.localOfferId,
    invreq_payer_note: r.invreqPayerNote,
    pay_index: r.status === 'paid' ? r.payIndex : undefined,
    amount_received_msat: r.status === 'paid' ? r.amountReceivedMsat : undefined,
    paid_at: r.status === 'paid' ? r.paidAt : undefined,
    payment_preimage: r.status === 'paid' ? r.paymentPreimage : undefined,
    recurrence_counter: r.recurrenceCounter,
    recurrence_start: r.recurrenceStart,
    recurrence_basetime: r.recurrenceBasetime,
  };
}
