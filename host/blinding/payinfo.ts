// Blinded payment paths (bolt-digest §4.5 and §4.7, cln-offers-flow-digest
// §6.6): the recipient's writer duties (payment_relay for every non-final hop,
// payment_constraints with max_cltv_expiry built backwards and the largest
// htlc_minimum_msat, allowed_features empty), the aggregated blinded_payinfo
// with the spec's ceiling arithmetic, the amount a sender puts into the path,
// and the relay computation a blinded forwarder applies.
import type { BlindedPayinfo, ShortChannelId } from '../bolt12/subtypes.js';
import type { EncryptedData, PaymentRelay } from './encrypted-data.js';

const M = 1_000_000n;
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** The fee/cltv part of blinded_payinfo. */
export interface PathFees {
  feeBaseMsat: bigint;
  feeProportionalMillionths: bigint;
  cltvExpiryDelta: number;
}

/**
 * §6.6: aggregate the relays of the non-final hops (in path order), starting
 * at the hop nearest the recipient and moving outwards:
 *   base' = ceil((base_hop·10^6 + base·(10^6 + ppm_hop)) / 10^6)
 *   ppm'  = ceil(((ppm + ppm_hop)·10^6 + ppm·ppm_hop) / 10^6)
 *   cltv  = Σ cltv_expiry_delta + min_final_cltv_expiry_delta
 */
export function aggregatePayinfo(relays: PaymentRelay[], minFinalCltvExpiryDelta = 0): PathFees {
  let base = 0n;
  let ppm = 0n;
  let cltv = minFinalCltvExpiryDelta;
  for (let i = relays.length - 1; i >= 0; i--) {
    const hb = BigInt(relays[i].feeBaseMsat);
    const hp = BigInt(relays[i].feeProportionalMillionths);
    base = ceilDiv(hb * M + base * (M + hp), M);
    ppm = ceilDiv((ppm + hp) * M + ppm * hp, M);
    cltv += relays[i].cltvExpiryDelta;
  }
  return { feeBaseMsat: base, feeProportionalMillionths: ppm, cltvExpiryDelta: cltv };
}

/** BOLT 12 payer: fee of the path for `amount` = base + amount·ppm / 10^6 (integer division). */
export const pathFee = (amountMsat: bigint, p: Pick<PathFees, 'feeBaseMsat' | 'feeProportionalMillionths'>) =>
  p.feeBaseMsat + (amountMsat * p.feeProportionalMillionths) / M;

/** What the introduction node must receive so `amountMsat` reaches the recipient. */
export const amountIntoPath = (amountMsat: bigint, p: Pick<PathFees, 'feeBaseMsat' | 'feeProportionalMillionths'>) =>
  amountMsat + pathFee(amountMsat, p);

/**
 * §4.5 blinded forwarder: amt_to_forward = ceil((amount_in − fee_base)·10^6 / (10^6 + ppm)),
 * outgoing_cltv = cltv_expiry − cltv_expiry_delta. Undefined when the incoming
 * amount does not even cover the base fee or the cltv would go negative.
 */
export function relayForward(amountIn: bigint, cltvExpiry: number, r: PaymentRelay): { amtToForward: bigint; outgoingCltv: number } | undefined {
  const rest = amountIn - BigInt(r.feeBaseMsat);
  const outgoingCltv = cltvExpiry - r.cltvExpiryDelta;
  if (rest < 0n || outgoingCltv < 0) return undefined;
  return { amtToForward: ceilDiv(rest * M, M + BigInt(r.feeProportionalMillionths)), outgoingCltv };
}

/** A non-final hop of a payment path, as its recipient describes it. */
export interface PaymentPathHop {
  nodeId: Uint8Array;
  /** The channel to the next hop (§4.5 requires short_channel_id, never next_node_id, for payments). */
  shortChannelId: ShortChannelId;
  relay: PaymentRelay;
  /** This hop's own htlc minimum (the path's constraint is the largest of all). */
  htlcMinimumMsat?: bigint;
}

export interface PaymentPathInput {
  hops: PaymentPathHop[];
  /** The recipient. */
  finalNodeId: Uint8Array;
  /** path_id of the final hop (CLN: 32 bytes). */
  pathId?: Uint8Array;
  /** Largest block height the final hop accepts (final expiry + min_final_cltv_expiry_delta). */
  finalMaxCltvExpiry: number;
  /** The recipient's own htlc minimum. */
  htlcMinimumMsat?: bigint;
  /** Include allowed_features (empty) in every hop, as the spec vectors do. */
  allowedFeatures?: boolean;
  /** Added to the aggregated cltv (0 in the spec vector). */
  minFinalCltvExpiryDelta?: number;
  /** htlc_maximum_msat of the payinfo (default: the 21 M BTC ceiling). */
  htlcMaximumMsat?: bigint;
}

/**
 * §6.6 writer duties: per non-final hop short_channel_id, payment_relay and
 * payment_constraints; max_cltv_expiry = the final one plus each hop's delta
 * walking back towards the introduction node; htlc_minimum_msat = the largest
 * minimum along the path; allowed_features empty if set. Returns each hop's
 * encrypted_data_tlv (for buildBlindedPath) and the path's blinded_payinfo.
 */
export function paymentPathData(input: PaymentPathInput): { hops: { nodeId: Uint8Array; data: EncryptedData }[]; payinfo: BlindedPayinfo } {
  const htlcMin = [input.htlcMinimumMsat ?? 0n, ...input.hops.map((h) => h.htlcMinimumMsat ?? 0n)].reduce((a, b) => (b > a ? b : a));
  const features = input.allowedFeatures ? { allowedFeatures: new Uint8Array(0) } : {};
  const out: { nodeId: Uint8Array; data: EncryptedData }[] = [{
    nodeId: input.finalNodeId,
    data: {
      ...(input.pathId ? { pathId: input.pathId } : {}),
      paymentConstraints: { maxCltvExpiry: input.finalMaxCltvExpiry, htlcMinimumMsat: htlcMin },
      ...features,
    },
  }];
  let maxCltv = input.finalMaxCltvExpiry;
  for (let i = input.hops.length - 1; i >= 0; i--) {
    const h = input.hops[i];
    maxCltv += h.relay.cltvExpiryDelta;
    out.unshift({
      nodeId: h.nodeId,
      data: {
        shortChannelId: h.shortChannelId,
        paymentRelay: h.relay,
        paymentConstraints: { maxCltvExpiry: maxCltv, htlcMinimumMsat: htlcMin },
        ...features,
      },
    });
  }
  const fees = aggregatePayinfo(input.hops.map((h) => h.relay), input.minFinalCltvExpiryDelta ?? 0);
  if (fees.feeBaseMsat > 0xffffffffn || fees.feeProportionalMillionths > 0xffffffffn || fees.cltvExpiryDelta > 0xffff) {
    throw new RangeError('aggregated payinfo does not fit blinded_payinfo (u32 fees, u16 cltv delta)');
  }
  const payinfo: BlindedPayinfo = {
    feeBaseMsat: Number(fees.feeBaseMsat),
    feeProportionalMillionths: Number(fees.feeProportionalMillionths),
    cltvExpiryDelta: fees.cltvExpiryDelta,
    htlcMinimumMsat: htlcMin,
    htlcMaximumMsat: input.htlcMaximumMsat ?? 2_100_000_000_000_000_000n,
    features: new Uint8Array(0),
  };
  return { hops: out, payinfo };
}
