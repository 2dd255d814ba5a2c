// listoffers [offer_id] [active_only] (cln-rpc-digest §1.4): every stored
// offer, or the one with offer_id (an unknown id gives an empty list, not an
// error); active_only drops inactive ones. Ordered by offer_id bytes, which is
// the order CLN's SQLite query returns.
import { defineMethod } from '../rpc/method.js';
import { opt, optDef } from '../rpc/params.js';
import { pBool, pSha256 } from '../rpc/param-types.js';
import type { CommandContext } from './context.js';
import { offerEntry } from './format.js';

export const listoffers = defineMethod({
  name: 'listoffers',
  summary: 'List offers we issued',
  params: { offer_id: opt(pSha256), active_only: optDef(pBool, false) },
  run({ values }, ctx: CommandContext) {
    const rows = ctx.store.offers.list({ offerId: values.offer_id, activeOnly: values.active_only });
    return { offers: rows.map((r) => offerEntry(r)) };
  },
});
