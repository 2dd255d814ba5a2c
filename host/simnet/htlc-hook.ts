// lightningd's `htlc_accepted` hook on the simulated network (issue 11 item 7,
// cln-offers-flow-digest §2.4; CLN lightningd/peer_htlcs.c
// htlc_accepted_hook_serialize / _deserialize / _try_resolve): an HTLC whose
// final hop is a node with plugins (node 0 under `simnet --plugin`) goes
// through the plugin chain before the node looks for an invoice of its own.
// The payload is CLN's, members in CLN's order:
//   {"onion": {"payload" (raw, with its BigSize length), "type": "tlv",
//              "forward_msat", "outgoing_cltv_value",
//              "total_msat" + "payment_secret" (blinded final hop: the 32-byte
//               path_id, which lightningd keeps in the payment-secret slot),
//              "next_onion", "shared_secret"},
//    "htlc": {"short_channel_id", "id", "amount_msat", "cltv_expiry",
//             "cltv_expiry_relative", "payment_hash"}}
// (no "forward_to": lightningd only sets it for forwards). The answers:
//   continue → the node's own invoice lookup (none → incorrect_or_unknown_payment_details);
//   resolve  → payment_key; SHA256(payment_key) must be the payment hash, else
//              the HTLC fails with a bare 0x400f (CLN logs it BROKEN);
//   fail     → failure_onion (obfuscated once more with our shared secret), else
//              failure_message, else temporary_node_failure.
// Each HTLC (each MPP part) is its own hook call; a call may be answered much
// later (a plugin holding parts) without holding up other HTLCs.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex as toHex, hexToBytes as fromHex } from '@noble/hashes/utils.js';
import { withLength } from '../onion/payload.js';
import type { Htlc } from './network.js';

/** A node's hook runner (the plugin host's callHook('htlc_accepted', …)). */
export type HtlcHookRunner = (payload: Record<string, unknown>) => Promise<{ result: Record<string, unknown> }>;

interface HookState {
  runners: Map<number, HtlcHookRunner>;
  /** Per incoming channel, the next HTLC id (update_add_htlc ids count up per channel and direction). */
  ids: Map<string, bigint>;
  log: (level: 'broken' | 'debug', line: string) => void;
}

const states = new WeakMap<object, HookState>();

function stateOf(net: object): HookState {
  let s = states.get(net);
  if (!s) states.set(net, (s = { runners: new Map(), ids: new Map(), log: () => {} }));
  return s;
}

/** Makes HTLCs ending at `node` go through `run` (the node's htlc_accepted chain). */
export function setHtlcHook(net: object, node: number, run: HtlcHookRunner, log?: HookState['log']): void {
  const s = stateOf(net);
  s.runners.set(node, run);
  if (log) s.log = log;
}

export const htlcHookAt = (net: object, node: number): HtlcHookRunner | undefined => states.get(net)?.runners.get(node);

/** What the final hop decoded (blinded or clear). */
export interface FinalOnion {
  /** The hop payload as peeled, without its length prefix. */
  payload: Uint8Array;
  amtToForward: bigint;
  outgoingCltv: number;
  totalMsat?: bigint;
  /** payment_secret, or the 32-byte path_id of a blinded final hop. */
  paymentSecret?: Uint8Array;
  sharedSecret: Uint8Array;
}

/** The verdict lightningd acts on. */
export type HtlcVerdict =
  | { kind: 'continue' }
  | { kind: 'resolve'; preimage: string }
  | { kind: 'fail'; message: Uint8Array }
  | { kind: 'fail_onion'; onion: Uint8Array };

/** A final node's empty next onion (CLN serialises the peeled next packet; at the end it is all zeros). */
const NEXT_ONION_FINAL = toHex(new Uint8Array(1366));

/** CLN htlc_accepted_hook_serialize, for a final hop. */
export function htlcAcceptedPayload(net: { blockheight: number }, h: Htlc, o: FinalOnion, height: number): Record<string, unknown> {
  const s = stateOf(net);
  const key = `${h.channel.scid}/${h.from}`;
  const id = s.ids.get(key) ?? 0n;
  s.ids.set(key, id + 1n);
  const onion: Record<string, unknown> = {
    payload: toHex(withLength(o.payload)),
    type: 'tlv',
    forward_msat: o.amtToForward,
    outgoing_cltv_value: o.outgoingCltv,
  };
  // CLN: total_msat and payment_secret only when a payment secret is set (modern final hop).
  if (o.paymentSecret) {
    onion.total_msat = o.totalMsat ?? o.amtToForward;
    onion.payment_secret = toHex(o.paymentSecret);
  }
  onion.next_onion = NEXT_ONION_FINAL;
  onion.shared_secret = toHex(o.sharedSecret);
  return {
    onion,
    htlc: {
      short_channel_id: h.channel.scid,
      id,
      amount_msat: h.amountMsat,
      cltv_expiry: h.cltvExpiry,
      cltv_expiry_relative: h.cltvExpiry - height,
      payment_hash: toHex(h.paymentHash),
    },
  };
}

const isHex = (v: unknown): v is string => typeof v === 'string' && /^([0-9a-fA-F]{2})*$/.test(v);
/** temporary_node_failure (NODE|2). */
const TEMPORARY_NODE_FAILURE = Uint8Array.of(0x20, 0x02);

/** Runs the chain for one HTLC and reads the answer as htlc_accepted_hook_deserialize does. */
export async function runHtlcHook(net: object, node: number, payload: Record<string, unknown>, paymentHash: Uint8Array): Promise<HtlcVerdict> {
  const s = stateOf(net);
  const run = s.runners.get(node);
  if (!run) return { kind: 'continue' };
  let answer: Record<string, unknown>;
  try {
    answer = (await run(payload)).result;
  } catch (e) {
    // lightningd aborts on a hook failure; the simnet logs it and fails the HTLC.
    s.log('broken', `htlc_accepted: ${(e as Error).message}`);
    return { kind: 'fail', message: TEMPORARY_NODE_FAILURE };
  }
  const result = answer.result;
  if (result === 'continue') return { kind: 'continue' };
  if (result === 'fail') {
    // CLN: failure_onion wins over failure_message (logged); neither ⇒ temporary_node_failure.
    if (answer.failure_onion !== undefined) {
      if (!isHex(answer.failure_onion)) return broken(s, `Bad failure_onion for htlc_accepted hook: ${JSON.stringify(answer.failure_onion)}`);
      if (answer.failure_message !== undefined) s.log('broken', "Both 'failure_onion' and'failure_message' provided. Ignoring 'failure_message'.");
      return { kind: 'fail_onion', onion: fromHex(answer.failure_onion) };
    }
    if (answer.failure_message !== undefined) {
      if (!isHex(answer.failure_message)) return broken(s, `Bad failure_message for htlc_accepted hook: ${JSON.stringify(answer.failure_message)}`);
      return { kind: 'fail', message: fromHex(answer.failure_message) };
    }
    return { kind: 'fail', message: TEMPORARY_NODE_FAILURE };
  }
  if (result === 'resolve') {
    const key = answer.payment_key;
    if (typeof key !== 'string' || !/^[0-9a-fA-F]{64}$/.test(key)) return broken(s, `Plugin specified an invalid 'payment_key': ${JSON.stringify(key)}`);
    const hash = sha256(fromHex(key));
    // CLN htlc_accepted_hook_try_resolve: the preimage must hash to the HTLC's payment_hash, else a bare 0x400f.
    if (toHex(hash) !== toHex(paymentHash)) {
      s.log('broken', `Plugin returned a preimage (sha256(${key}) = ${toHex(hash)}) that doesn't match the HTLC hash (${toHex(paymentHash)}) it tries to resolve.`);
      return { kind: 'fail', message: Uint8Array.of(0x40, 0x0f) };
    }
    return { kind: 'resolve', preimage: key.toLowerCase() };
  }
  return broken(s, `Plugin responded with an unknown result to the htlc_accepted hook: ${JSON.stringify(answer)}`);
}

/** lightningd would abort (fatal); the simnet logs BROKEN and fails the HTLC with temporary_node_failure. */
function broken(s: HookState, line: string): HtlcVerdict {
  s.log('broken', line);
  return { kind: 'fail', message: TEMPORARY_NODE_FAILURE };
}
