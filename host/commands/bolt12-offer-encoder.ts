// The OfferEncoder backed by the host BOLT 12 codec (host/bolt12/): writes the
// canonical TLV stream, its `lno1...` text and CLN's offer_id.
import { bytesToHex } from '@noble/hashes/utils.js';
import { encodeBolt12String, encodeOffer, offerId, type OfferFields as Bolt12OfferFields } from '../bolt12/index.js';
import type { EncodedOffer, OfferEncoder, OfferFields } from './offer-encoder.js';

export function toBolt12Fields(f: OfferFields): Bolt12OfferFields {
  const out: Bolt12OfferFields = {
    offer_chains: f.chains,
    offer_currency: f.currency,
    offer_amount: f.amount,
    offer_description: f.description,
    offer_issuer: f.issuer,
    offer_quantity_max: f.quantityMax,
    offer_absolute_expiry: f.absoluteExpiry,
    offer_issuer_id: f.issuerId,
    offer_recurrence_compulsory: f.recurrenceOptional ? undefined : f.recurrence,
    offer_recurrence_optional: f.recurrenceOptional ? f.recurrence : undefined,
    offer_recurrence_base: f.recurrenceBase && {
      proportionalAmount: f.recurrenceBase.proportionalAmount ? 1 : 0,
      basetime: f.recurrenceBase.basetime,
    },
    offer_recurrence_paywindow: f.recurrencePaywindow,
    offer_recurrence_limit: f.recurrenceLimit,
  };
  for (const k of Object.keys(out) as (keyof Bolt12OfferFields)[]) if (out[k] === undefined) delete out[k];
  return out;
}

export const bolt12OfferEncoder: OfferEncoder = {
  encodeOffer(f: OfferFields): EncodedOffer {
    const bytes = encodeOffer(toBolt12Fields(f));
    return { bolt12: encodeBolt12String('lno', bytes), offerId: bytesToHex(offerId(bytes)) };
  },
};
