// The `offer` parameter of allowoffer / disallowoffer (issue 12): an offer as
// `lno1...` text (optionally prefixed `lightning:`), whose offer_id the host
// computes as Core Lightning does, or that offer_id as 64 hex digits.
import { decodeBolt12String } from '../bolt12/bech32-string.js';
import { offerId } from '../bolt12/ids.js';
import { parseOffer } from '../bolt12/offer.js';
import { bad, type ParamParser } from '../rpc/params.js';

export const pOfferRef: ParamParser<Uint8Array> = (tok, name) => {
  const reason = 'should be an offer (lno1...) or its 32 byte hex offer_id';
  if (tok.type !== 'string' || tok.value.length > 8192) return bad(name, reason, tok);
  const v = tok.value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Uint8Array.from(Buffer.from(v, 'hex'));
  return idOfOffer(v.replace(/^lightning:/i, '')) ?? bad(name, reason, tok);
};

/** offer_id of `lno1...` text that passes the offer reader rules; undefined otherwise. */
function idOfOffer(text: string): Uint8Array | undefined {
  try {
    const { prefix, bytes } = decodeBolt12String(text);
    if (prefix !== 'lno') return undefined;
    parseOffer(bytes);
    return offerId(bytes);
  } catch {
    return undefined;
  }
}
