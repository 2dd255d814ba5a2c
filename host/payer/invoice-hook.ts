// Invoices sent to us for our own invoice_requests (issue 12 item 4;
// cln-offers-flow-digest §4.5, §8 items 10 and 20; docs/host/payer.md
// "Invoices for our invoice_requests"): someone we gave our lnr1…
// (`invoicerequest` / `offerout`) answers it with an invoice by onion
// message. The hook checks it in CLN's order (./invoice-check.ts), answers a
// failure with CLN's invoice_error along the reply path that came with it
// (none: nothing is sent), and pays a good one once, through `pay`'s code
// (./pay.ts) with localinvreqid = the request, so the payments store marks the
// request used (a single-use one inactive) in the transaction that records
// the payment complete.
//
// Paying once: the checks and the payment of one invreq_id run one at a time
// (a second invoice waits for the first to end, then meets an inactive
// request); the sendpay engine's reservation refuses a single-use request
// paid or in progress under another payment hash (error 212, also across a
// restart); the device pays one invoice at most once (PAY_RULE_ONCE).
//
// Like CLN's offers plugin the hook answers once the payment ended. A
// consumed message stops lightningd's chain (§8 item 2); an invoice whose
// request is not ours is passed on (`continue`).
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { encodeOnionMessagePayload } from '../blinding/index.js';
import { formatScid, type BlindedPath } from '../bolt12/index.js';
import type { CommandContext } from '../commands/context.js';
import type { LightningRpcClient } from '../node/client.js';
import type { PluginFlowEnv } from '../plugin/flow-types.js';
import type { HookReply } from '../plugin/hooks.js';
import { encodeInvoiceError } from '../merchant/invreq.js';
import { parseReplyPath } from '../merchant/flow.js';
import { checkSentInvoice, sentInvoiceErrorText, type SentInvoiceCheck } from './invoice-check.js';
import { payBolt12 } from './pay.js';
import { findMessageRoute } from './reply-path.js';

/** What a consumed invoice answers (non-`continue`: lightningd's chain stops, §8 item 2). */
export const INVOICE_CONSUMED: HookReply = Object.freeze({ result: 'lnsigner' });

/** xpay's defaults for the hook's payment (§4.5 #13: `xpay {invstring, localinvreqid}`). */
export const HOOK_PAY_RETRY_FOR = 60;
export const HOOK_PAY_MAXDELAY = 2016;

export type HookOutcome =
  | { kind: 'paid'; invreqId: string; paymentHash: string; preimage: string }
  | { kind: 'refused'; invreqId: string; text: string; sent: boolean };

export interface InvoiceHookDeps {
  context: CommandContext;
  lightning: LightningRpcClient;
  log: PluginFlowEnv['log'];
  /** Test observer: each consumed invoice's end. */
  onOutcome?: (o: HookOutcome) => void;
}

/** reply_blindedpath's first_node_id in the scid form → the node id (through the node's gossip), as fetchinvoice does. */
async function resolveIntro(l: LightningRpcClient, path: BlindedPath): Promise<string | undefined> {
  if ('pubkey' in path.firstNodeId) return bytesToHex(path.firstNodeId.pubkey);
  const scid = formatScid(path.firstNodeId.scid);
  const dir = path.firstNodeId.direction;
  try {
    const ch = ((await l.call('listchannels', { short_channel_id: scid })) as { channels?: { source: string; destination: string }[] }).channels ?? [];
    // BOLT 7 sciddir: direction 0 = node_1 (the lesser id), 1 = node_2.
    const ends = [...new Set(ch.flatMap((c) => [c.source, c.destination]))].sort();
    const id = ends.length === 2 ? ends[dir] : undefined;
    if (id) path.firstNodeId = { pubkey: hexToBytes(id) };
    return id;
  } catch {
    return undefined;
  }
}

/**
 * Sends `invoiceError` along `path`: the onion message is built by the device
 * (onion_message, as fetchinvoice's requests), routed over the node's
 * onion-message peers to the path's introduction node, else after a direct
 * connection (§4.2's fallback), and injected at our node (§8 item 18).
 */
export async function sendInvoiceError(ctx: CommandContext, l: LightningRpcClient, path: BlindedPath, invoiceError: Uint8Array): Promise<void> {
  const signer = ctx.device?.signer;
  if (!signer?.onionMessage) throw new Error('no device that builds onion messages');
  const intro = await resolveIntro(l, path);
  if (!intro) throw new Error('the reply path names its introduction node by an unknown short_channel_id');
  const me = (await l.getinfo()).id;
  const finalPayload = encodeOnionMessagePayload({ invoiceError });
  const inject = async (route: string[]) => {
    // §6.5: our hops N0 … N(m-1) (N0 = us), then their path; m = 0 when we are its introduction node.
    const m = await signer.onionMessage!({ ourRoute: route.slice(0, -1).map((x) => hexToBytes(x)), path, finalPayload });
    await l.injectonionmessage({ path_key: bytesToHex(m.pathKey), message: bytesToHex(m.packet) });
  };
  let route = (await findMessageRoute(l, me, intro))?.ids;
  let connected = false;
  if (!route) {
    await l.connectPeer(intro);
    connected = true;
    route = [me, intro];
  }
  try {
    await inject(route);
  } catch (e) {
    // The first hop was not connected after all: connect to the introduction node itself, once.
    if (connected || route.length === 1) throw e;
    await l.connectPeer(intro);
    await inject([me, intro]);
  }
}

/** Runs `f` after every earlier run for the same key has ended (one invreq_id at a time). */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, f: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(f, f);
    const tail = next.catch(() => {});
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  get size(): number {
    return this.tails.size;
  }
}

/** The onion_message_recv / _secret handler for invoices answering our requests. */
export function invoiceHookHandler(d: InvoiceHookDeps) {
  const queue = new KeyedQueue();
  const ctx = d.context;
  const now = () => (ctx.now ?? (() => Math.floor(Date.now() / 1000)))();

  const refuse = async (c: Extract<SentInvoiceCheck, { ok: false }> | { invreqId: string; reason: string; lni?: string; internal?: boolean }, reply: BlindedPath | undefined): Promise<HookOutcome> => {
    const text = sentInvoiceErrorText(c);
    d.log(c.internal ? 'broken' : 'info', `invoice for our invoice_request ${c.invreqId} refused: ${c.reason}`);
    let sent = false;
    // §4.5: an invoice_error only when the invoice came with a reply path.
    if (reply) {
      try {
        await sendInvoiceError(ctx, d.lightning, reply, encodeInvoiceError(text));
        sent = true;
      } catch (e) {
        d.log('unusual', `invoice_error for invoice_request ${c.invreqId} not sent: ${(e as Error).message}`);
      }
    }
    return { kind: 'refused', invreqId: c.invreqId, text, sent };
  };

  const handle = async (bytes: Uint8Array, pathsecret: Uint8Array | undefined, reply: BlindedPath | undefined, first: SentInvoiceCheck): Promise<HookOutcome> =>
    queue.run(first.invreqId, async () => {
      // Checked again inside the queue: an earlier invoice may have used the request meanwhile.
      const c = checkSentInvoice({ bytes, pathsecret, now: now(), lookup: (id) => ctx.store.invoiceRequests.get(id) }) ?? first;
      if (!c.ok) return refuse(c, reply);
      const hash = bytesToHex(c.invoice.fields.invoice_payment_hash!);
      d.log('info', `invoice ${hash} for our invoice_request ${c.invreqId} (${c.amountMsat} msat): paying`);
      try {
        // §4.5 #13: xpay {invstring, localinvreqid}: pay's own code path, the device binds the payment.
        const r = await payBolt12(ctx, { invstring: c.lni, retryFor: HOOK_PAY_RETRY_FOR, maxdelay: HOOK_PAY_MAXDELAY, localinvreqid: c.invreqId });
        const after = ctx.store.invoiceRequests.get(c.invreqId);
        d.log('info', `invoice ${hash} for our invoice_request ${c.invreqId} paid (${r.parts} part(s)); request ${after?.active ? 'still active' : 'now inactive'}`);
        return { kind: 'paid', invreqId: c.invreqId, paymentHash: hash, preimage: r.payment_preimage };
      } catch (e) {
        // §4.5 #13: xpay error → `pay attempt failed: <message>`.
        return refuse({ invreqId: c.invreqId, reason: `pay attempt failed: ${(e as Error).message}`, lni: c.lni }, reply);
      }
    });

  return async (p: Record<string, unknown>): Promise<HookReply | undefined> => {
    const om = p.onion_message as Record<string, unknown> | undefined;
    if (!om || typeof om.invoice !== 'string' || !/^([0-9a-fA-F]{2})+$/.test(om.invoice)) return undefined;
    const bytes = hexToBytes(om.invoice);
    const pathsecret = typeof om.pathsecret === 'string' && /^[0-9a-fA-F]{64}$/.test(om.pathsecret) ? hexToBytes(om.pathsecret) : undefined;
    const first = checkSentInvoice({ bytes, pathsecret, now: now(), lookup: (id) => ctx.store.invoiceRequests.get(id) });
    // Not an invoice for one of our requests: the next handler, then lightningd's next plugin.
    if (!first) return undefined;
    const reply = parseReplyPath(om.reply_blindedpath);
    const outcome = await handle(bytes, pathsecret, reply, first);
    d.onOutcome?.(outcome);
    return INVOICE_CONSUMED;
  };
}
