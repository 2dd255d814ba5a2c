// A payment onion whose tail is a blinded path (bolt-digest §4.5 writer rules
// and §4.7 "reader of a blinded path", cln-offers-flow-digest §6.6): clear
// hops up to the introduction node carry amount, cltv and short_channel_id as
// usual; the introduction node gets encrypted_recipient_data and
// current_path_key (= first_path_key); inner blinded hops only
// encrypted_recipient_data; the final hop encrypted_recipient_data,
// amt_to_forward, outgoing_cltv_value and total_amount_msat. The amount and
// cltv entering the path come from its aggregated payinfo. The introduction
// node is addressed by its real node id, every later blinded hop by its
// blinded node id.
import { buildOnion, type OnionHop } from '../onion/sphinx.js';
import { encodeBlindedHopPayload, encodeHopPayload, withLength } from '../onion/payload.js';
import type { BlindedPath, BlindedPayinfo } from '../bolt12/subtypes.js';
import { amountIntoPath } from './payinfo.js';
import { randomSessionKey } from './keys.js';

/** A clear hop before the introduction node: who it is and how it forwards to the next hop. */
export interface ClearHop {
  nodeId: Uint8Array;
  /** 8-byte short_channel_id of its channel to the next hop (the next clear hop or the introduction node). */
  shortChannelId: Uint8Array;
  /** Its fee and delta on that channel (BOLT 7: fee = base + amount·ppm / 10^6). */
  feeBaseMsat: bigint;
  feePpm: bigint;
  cltvExpiryDelta: number;
}

export interface BlindedPaymentInput {
  /** Clear hops from our first peer up to (not including) the introduction node; may be empty. */
  clearHops: ClearHop[];
  path: BlindedPath;
  payinfo: Pick<BlindedPayinfo, 'feeBaseMsat' | 'feeProportionalMillionths' | 'cltvExpiryDelta'>;
  /** The introduction node's id when path.firstNodeId is in scid+direction form. */
  introNodeId?: Uint8Array;
  /** Amount for the recipient (amt_to_forward of the final hop). */
  amountMsat: bigint;
  /** total_amount_msat (MPP total; defaults to amountMsat). */
  totalAmountMsat?: bigint;
  /** outgoing_cltv_value of the final hop (current height + any shadow offset). */
  finalCltv: number;
}

export interface BlindedPaymentRoute {
  /** Sphinx hops (node id or blinded node id, length-prefixed payload), in route order. */
  hops: OnionHop[];
  /** The HTLC we offer our first peer. */
  firstAmountMsat: bigint;
  firstCltv: number;
  /** Amount and cltv the introduction node receives. */
  introAmountMsat: bigint;
  introCltv: number;
  /** Fees paid in total (first amount − recipient amount). */
  feeMsat: bigint;
}

/** §4.5 writer: the hop payloads of a payment into a blinded path. */
export function blindedPaymentRoute(input: BlindedPaymentInput): BlindedPaymentRoute {
  const { path } = input;
  const n = path.hops.length;
  if (n === 0) throw new RangeError('the blinded path has no hops');
  const intro = 'pubkey' in path.firstNodeId ? path.firstNodeId.pubkey : input.introNodeId;
  if (!intro) throw new RangeError('first_node_id is scid+direction: introNodeId is needed');
  const fees = { feeBaseMsat: BigInt(input.payinfo.feeBaseMsat), feeProportionalMillionths: BigInt(input.payinfo.feeProportionalMillionths) };
  const introAmountMsat = amountIntoPath(input.amountMsat, fees);
  const introCltv = input.finalCltv + input.payinfo.cltvExpiryDelta;
  const blinded: OnionHop[] = path.hops.map((h, i) => ({
    // §4.7: the introduction node is reached by its real id, later hops by their blinded ids.
    pubkey: i === 0 ? intro : h.blindedNodeId,
    payload: withLength(encodeBlindedHopPayload({
      encryptedRecipientData: h.encryptedRecipientData,
      // §4.5: the first node in the blinded route gets current_path_key.
      currentPathKey: i === 0 ? path.firstPathKey : undefined,
      // §4.5: the final node gets amt_to_forward, outgoing_cltv_value and total_amount_msat; no other hop any amount.
      ...(i === n - 1 ? { amountMsat: input.amountMsat, cltv: input.finalCltv, totalAmountMsat: input.totalAmountMsat ?? input.amountMsat } : {}),
    })),
  }));
  // Clear hops, backwards from the introduction node.
  let amount = introAmountMsat;
  let cltv = introCltv;
  const clear: OnionHop[] = [];
  for (let i = input.clearHops.length - 1; i >= 0; i--) {
    const h = input.clearHops[i];
    clear.unshift({ pubkey: h.nodeId, payload: withLength(encodeHopPayload({ amountMsat: amount, cltv, shortChannelId: h.shortChannelId })) });
    amount += h.feeBaseMsat + (amount * h.feePpm) / 1_000_000n;
    cltv += h.cltvExpiryDelta;
  }
  return { hops: [...clear, ...blinded], firstAmountMsat: amount, firstCltv: cltv, introAmountMsat, introCltv, feeMsat: amount - input.amountMsat };
}

/** blindedPaymentRoute + Sphinx (payment_hash as associated data, 1300 routing bytes). */
export function buildBlindedPaymentOnion(input: BlindedPaymentInput, paymentHash: Uint8Array, sessionKey = randomSessionKey()) {
  const route = blindedPaymentRoute(input);
  const { onion, sharedSecrets } = buildOnion(sessionKey, route.hops, paymentHash);
  return { ...route, onion, sharedSecrets };
}
