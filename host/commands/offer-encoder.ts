// What `offer` needs from the BOLT 12 codec: the offer's fields in, its
// bech32 string and offer_id out. The codec (host/bolt12/) provides the
// implementation; this file only names the contract so the command's
// validation and storage logic do not depend on how the TLVs are written.
import type { Recurrence, RecurrencePaywindow } from '../grammar/recurrence.js';

export interface OfferFields {
  /** offer_chains: genesis hashes in wire order; absent on mainnet. */
  chains?: Uint8Array[];
  /** offer_currency (ISO 4217 code); offer_amount is then in its minor units. */
  currency?: string;
  /** offer_amount: msat, or minor units of `currency`. */
  amount?: bigint;
  description?: string;
  issuer?: string;
  quantityMax?: bigint;
  absoluteExpiry?: bigint;
  /** offer_issuer_id: our node id (always set, as CLN does). */
  issuerId: Uint8Array;
  recurrence?: Recurrence;
  /** CLN's optional_recurrence: the recurrence goes in offer_recurrence_optional (TLV 1000000025). */
  recurrenceOptional?: boolean;
  /** offer_recurrence_base: basetime and the proportional_amount flag (`%`). */
  recurrenceBase?: { basetime: bigint; proportionalAmount: boolean };
  recurrencePaywindow?: Pick<RecurrencePaywindow, 'secondsBefore' | 'secondsAfter'>;
  recurrenceLimit?: number;
}

export interface EncodedOffer {
  /** `lno1...` */
  bolt12: string;
  /** Hex SHA-256 over the offer's TLV records (cln-rpc-digest §3.3). */
  offerId: string;
}

export interface OfferEncoder {
  encodeOffer(fields: OfferFields): EncodedOffer;
}
