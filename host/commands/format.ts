// The JSON shapes of stored records, field for field as Core Lightning prints
// them (lightningd/offer.c json_populate_offer / json_populate_invreq).
import type { InvoiceRequestRecord, OfferRecord } from '../store/index.js';

/** A listoffers / disableoffer / enableoffer entry. */
export function offerEntry(r: OfferRecord, withDescription = true) {
  return {
    offer_id: r.offerId,
    active: r.active,
    single_use: r.singleUse,
    bolt12: r.bolt12,
    force_paths: r.forcePaths,
    used: r.used,
    label: r.label,
    description: withDescription ? r.description : undefined,
  };
}

/** A listinvoicerequests / disableinvoicerequest entry. */
export function invoiceRequestEntry(r: InvoiceRequestRecord) {
  return {
    invreq_id: r.invreqId,
    active: r.active,
    single_use: r.singleUse,
    bolt12: r.bolt12,
    used: r.used,
    label: r.label,
  };
}
