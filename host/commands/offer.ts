// offer amount description [issuer] [label] [quantity_max] [absolute_expiry]
//       [recurrence] [recurrence_base] [recurrence_paywindow] [recurrence_limit]
//       [single_use] [proportional_amount] [optional_recurrence] [fronting_nodes]
//       [vendor] [quantity_min]
// Parameters in the order of the user's spec (seed 003); behaviour as
// cln-rpc-digest §1.1 and §3. Offers are not signed; the device inserts
// offer_metadata and offer_issuer_id (offer_create, issue 11: key modes and
// offer_paths in host/merchant/offer-create.ts), or, with older firmware,
// supplies the node id.
import { hexToBytes } from '@noble/hashes/utils.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';
import { defineMethod } from '../rpc/method.js';
import { bad, opt, optDef, req } from '../rpc/params.js';
import { pBool, pEscapedString, pPubkeyArray, pU32, pU64 } from '../rpc/param-types.js';
import { cut } from '../rpc/cut.js';
import { GENESIS_WIRE_HEX } from '../daemon/network.js';
import { pOfferAmount, pRecurrence, pRecurrenceBase, pRecurrencePaywindow } from './amount-params.js';
import { requireDevice, type CommandContext } from './context.js';
import { offerEntry } from './format.js';
import type { OfferFields } from './offer-encoder.js';
import { toBolt12Fields } from './bolt12-offer-encoder.js';
import { merchantPort, ourNodeId, type MerchantDevicePort } from '../merchant/device-port.js';
import { createOfferOnDevice, offerPaths } from '../merchant/offer-create.js';
import { fetchFrontPeers, fetchIntroPeers, type IntroPeer } from '../merchant/peers.js';

/** CLN's text when no fronting node can carry a path to us (digest §1.1/§4: invoicerequest, v26.04). */
export const FRONTING_OFFER_FAILED = 'Could not find neighbour fronting node';

export const offer = defineMethod({
  name: 'offer',
  summary: 'Create an offer (or return the identical existing one)',
  params: {
    amount: req(pOfferAmount),
    description: req(pEscapedString()),
    issuer: opt(pEscapedString()),
    label: opt(pEscapedString()),
    quantity_max: opt(pU64),
    absolute_expiry: opt(pU64),
    recurrence: opt(pRecurrence),
    recurrence_base: opt(pRecurrenceBase),
    recurrence_paywindow: opt(pRecurrencePaywindow),
    recurrence_limit: opt(pU32),
    single_use: optDef(pBool, false),
    // Core Lightning v25.12+ / v26.04+ (cln-rpc-digest §1.1 #12-14), in its order.
    proportional_amount: optDef(pBool, false),
    optional_recurrence: optDef(pBool, false),
    fronting_nodes: opt(pPubkeyArray),
    // Seed 001's names, by name: `vendor` (older name of issuer) and
    // `quantity_min` (no longer encoded; stored and checked by the issuer).
    vendor: opt(pEscapedString()),
    quantity_min: opt(pU64),
  },
  async run({ values: p }, ctx: CommandContext) {
    // CLN json_offer: the recurrence_* parameters need a recurrence.
    if (!p.recurrence) {
      if (p.recurrence_limit !== undefined) bad('recurrence_limit', 'needs recurrence');
      if (p.recurrence_base) bad('recurrence_base', 'needs recurrence');
      if (p.recurrence_paywindow) bad('recurrence_paywindow', 'needs recurrence');
    }
    // Seed 003: `%` makes the amount proportional to the time left in the
    // period, which is measured from the base (CLN HEAD: "proportional_amount
    // needs recurrence_base").
    if (p.recurrence_paywindow?.proportionalAmount && !p.recurrence_base) {
      bad('recurrence_paywindow', 'proportional amount (%) needs recurrence_base');
    }
    // CLN: "proportional_amount needs recurrence_base"; optional_recurrence
    // puts the recurrence in TLV 1000000025, which takes no base.
    if (p.proportional_amount && !p.recurrence_base) bad('proportional_amount', 'needs recurrence_base');
    if (p.optional_recurrence && !p.recurrence) bad('optional_recurrence', 'needs recurrence');
    if (p.optional_recurrence && p.recurrence_base) bad('optional_recurrence', 'incompatible with recurrence_base');
    // Seed 001: vendor is issuer's older name; one of them.
    if (p.vendor !== undefined && p.issuer !== undefined) bad('vendor', 'cannot be given with issuer (vendor is its older name)');
    const issuer = p.issuer ?? p.vendor;
    // Seed 001: quantity_min..quantity_max is the range an invoice may ask
    // for; BOLT 12 no longer encodes the minimum, so it is stored and the
    // issuer refuses smaller invreq_quantity (store quantityMinRefusal). A
    // minimum alone still needs offer_quantity_max (0 = unlimited) so payers
    // send a quantity.
    if (p.quantity_min !== undefined) {
      if (p.quantity_min < 1n) bad('quantity_min', 'must be at least 1');
      if (p.quantity_max !== undefined && p.quantity_max !== 0n && p.quantity_min > p.quantity_max) {
        bad('quantity_min', `must not exceed quantity_max (${p.quantity_max})`);
      }
    }
    const quantityMax = p.quantity_max ?? (p.quantity_min !== undefined ? 0n : undefined);
    // The offer reader rules createoffer applies (cln-rpc-digest §3.1).
    if (p.amount.kind !== 'any' && (p.amount.kind === 'msat' ? p.amount.msat : p.amount.amount) === 0n) {
      bad('amount', 'Offer contains a zero amount');
    }
    if (p.recurrence && p.recurrence.period === 0) bad('recurrence', 'Offer contains invalid recurrence period 0');
    if (p.recurrence_limit === 0) bad('recurrence_limit', 'invalid recurrence limit 0');

    const device = requireDevice(ctx, 'the offer needs its node id');

    // CLN probes `currencyconvert` with amount 1 before creating a currency
    // offer, and refuses the offer when nothing can price it.
    if (p.amount.kind === 'currency') {
      const cur = p.amount.currency;
      if (!ctx.currency) {
        throw new RpcError(
          ErrorCode.METHOD_NOT_FOUND,
          `Cannot create a ${cur} offer: no currency conversion provider is configured ` +
            '(start the daemon with --currency-rates <file>); the offer was not created',
          { currency: cur },
        );
      }
      try {
        await ctx.currency.convert(cur, 1);
      } catch (e) {
        throw new RpcError(
          ErrorCode.LIGHTNINGD,
          `Cannot create a ${cur} offer: ${ctx.currency.name} cannot price ${cur}: ${(e as Error).message}`,
          { currency: cur },
        );
      }
    }

    if (!ctx.offerEncoder) {
      throw new RpcError(ErrorCode.LIGHTNINGD, 'BOLT 12 offer encoding is not available in this build');
    }
    const fields: OfferFields = {
      chains: ctx.network === 'bitcoin' ? undefined : [hexToBytes(GENESIS_WIRE_HEX[ctx.network])],
      currency: p.amount.kind === 'currency' ? p.amount.currency : undefined,
      amount: p.amount.kind === 'msat' ? p.amount.msat : p.amount.kind === 'currency' ? p.amount.amount : undefined,
      description: p.description,
      issuer,
      quantityMax,
      absoluteExpiry: p.absolute_expiry,
      issuerId: device.info.nodeId,
      recurrence: p.recurrence,
      recurrenceOptional: p.optional_recurrence,
      recurrenceBase: p.recurrence_base && {
        basetime: p.recurrence_base.basetime,
        proportionalAmount: p.proportional_amount || (p.recurrence_paywindow?.proportionalAmount ?? false),
      },
      recurrencePaywindow: p.recurrence_paywindow && {
        secondsBefore: p.recurrence_paywindow.secondsBefore,
        secondsAfter: p.recurrence_paywindow.secondsAfter,
      },
      recurrenceLimit: p.recurrence_limit,
    };
    // Issue 11 item 2: the device inserts offer_metadata (nonce ‖ MAC) and
    // offer_issuer_id (its offer key, or the node id in node mode). Without a
    // device that supports offer_create (older firmware) the offer is encoded
    // as before, issued under the node id.
    const mode = ctx.keyMode ?? 'device';
    let encoded: { bolt12: string; offerId: string };
    let keyMode: 'device' | 'node' = 'node';
    let port: MerchantDevicePort | undefined;
    // Only beside a lightningd (plugin mode, or a daemon given lightningd's
    // socket) can anyone reach the offer and be answered; a lone daemon keeps
    // encoding its offers under the node id as before (nothing answers them).
    try {
      port = ctx.lightning || ctx.merchantDevice ? merchantPort(ctx) : undefined;
    } catch {
      port = undefined;
    }
    const fronts = p.fronting_nodes ?? [];
    if (port) {
      keyMode = mode;
      let peers: IntroPeer[] = [];
      if (fronts.length > 0) {
        // CLN fronting_nodes (cln-rpc-digest §1.1 #14, §3.2): one 1-hop path
        // per fronting node, in both key modes (force_paths), in the order
        // given. Fronts that are not our channel peers are left out (logged):
        // no path can be built from them; none left ⇒ no offer.
        let usable: IntroPeer[] = [];
        try {
          usable = ctx.lightning ? await fetchFrontPeers(ctx.lightning, fronts) : [];
        } catch (e) {
          ctx.log.warn(`offer: listpeerchannels failed: ${(e as Error).message}`);
        }
        const have = new Map(usable.map((u) => [u.peerId.toLowerCase(), u]));
        for (const f of fronts) {
          const u = have.get(f.toLowerCase());
          if (u && !peers.includes(u)) peers.push(u);
          else if (!u) ctx.log.warn(`offer: fronting node ${f} is not a channel peer: no path through it`);
        }
        if (peers.length === 0) throw new RpcError(ErrorCode.LIGHTNINGD, FRONTING_OFFER_FAILED, { fronting_nodes: fronts });
      } else if (mode === 'device' && ctx.lightning) {
        try {
          peers = await fetchIntroPeers(ctx.lightning, p.amount.kind === 'msat' ? p.amount.msat : 0n);
        } catch (e) {
          ctx.log.warn(`offer: listpeerchannels failed, offer without paths: ${(e as Error).message}`);
        }
      }
      if (mode === 'device' && peers.length === 0) {
        // The issuer id is not a node: without a path nobody can reach the offer.
        throw new RpcError(ErrorCode.LIGHTNINGD, 'Cannot create a device-key offer: no connected peer can carry it to us (blinded offer_paths need one)');
      }
      const us = await ourNodeId(ctx);
      encoded = await createOfferOnDevice(port, toBolt12Fields(fields), mode, us, (pathId) => offerPaths(peers, us, pathId));
    } else {
      encoded = ctx.offerEncoder.encodeOffer(fields);
    }

    // Idempotent: the same TLVs give the same offer_id; the stored row (its
    // label and single_use) is returned with created:false.
    const { record, created } = ctx.store.offers.createOrGet({
      offerId: encoded.offerId,
      bolt12: encoded.bolt12,
      label: p.label,
      description: p.description,
      singleUse: p.single_use,
      startAtPeriodZero: p.recurrence_base?.startAtPeriodZero ?? false,
      keyMode,
      quantityMin: p.quantity_min,
      // Kept with the offer; force_paths (CLN): invoices for it take their
      // payment path through the fronts of its offer_paths only (invreq.ts).
      // A daemon without lightningd or device port stores them without paths.
      frontingNodes: p.fronting_nodes,
      forcePaths: (p.fronting_nodes?.length ?? 0) > 0,
    });
    ctx.log.info(`offer ${created ? 'created' : 'returned (exists)'}: ${record.offerId}${p.label ? ` label ${cut(p.label)}` : ''}`);
    // CLN offers plugin check_result: an inactive existing offer is an error.
    if (!record.active) throw new RpcError(ErrorCode.OFFER_ALREADY_EXISTS, "Already exists, but isn't active");
    return { ...offerEntry(record, false), created };
  },
});
