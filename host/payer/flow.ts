// The payer flow as a plugin flow (host/plugin/flows.ts; docs/host/payer.md):
// fetchinvoice's replies come back through the reply path we made, so they
// reach lightningd's onion_message_recv_secret hook with pathsecret = that
// request's 32-byte reply secret (cln-offers-flow-digest §2.1, §4.4). The
// handler compares the pathsecret with every pending request's secret in
// constant time and hands a match to its waiter; anything else is not ours
// (undefined → the next handler, the merchant flow, then `continue`).
//
// CLN's own fetchinvoice answers `continue` even for a matched reply; we stop
// the chain instead (a non-continue result, §8 item 2): lightningd's `offers`
// plugin runs after us and would otherwise treat the invoice as one for an
// unknown invoice_request of its own and send the merchant an invoice_error.
import { timingSafeEqual } from 'node:crypto';
import { hexToBytes } from '@noble/hashes/utils.js';
import type { CommandContext } from '../commands/context.js';
import type { LightningRpcClient } from '../node/client.js';
import type { PluginFlow, PluginFlowEnv } from '../plugin/flow-types.js';
import type { HookReply } from '../plugin/hooks.js';
import { invoiceHookHandler } from './invoice-hook.js';

/** What a consumed reply answers: any non-`continue` result stops lightningd's chain. */
export const REPLY_CONSUMED: HookReply = Object.freeze({ result: 'lnsigner' });

export type ReplyHandler = (onionMessage: Record<string, unknown>) => void;

/** Requests waiting for their reply, by reply secret. */
export class PendingReplies {
  private readonly waiting = new Set<{ secret: Buffer; handler: ReplyHandler }>();

  /** Remembers `secret` (before the request is sent: the reply can race the injection). Returns the forget function. */
  expect(secret: Uint8Array, handler: ReplyHandler): () => void {
    if (secret.length !== 32) throw new Error('a reply secret is 32 bytes');
    const e = { secret: Buffer.from(secret), handler };
    this.waiting.add(e);
    return () => void this.waiting.delete(e);
  }

  get size(): number {
    return this.waiting.size;
  }

  /**
   * The waiter of `pathsecret`, found by comparing it with every pending
   * secret in constant time (no early exit: the time does not tell how many
   * or which secrets are pending). Undefined: not one of ours.
   */
  match(pathsecret: Uint8Array): ReplyHandler | undefined {
    if (pathsecret.length !== 32) return undefined;
    const got = Buffer.from(pathsecret);
    let found: ReplyHandler | undefined;
    for (const e of this.waiting) {
      const same = timingSafeEqual(e.secret, got);
      found = same ? e.handler : found;
    }
    return found;
  }
}

/** What fetchinvoice needs from the running plugin. */
export interface PayerRuntime {
  pending: PendingReplies;
  lightning: LightningRpcClient;
  log: PluginFlowEnv['log'];
}

const RUNTIMES = new WeakMap<CommandContext, PayerRuntime>();

/** The payer flow of the plugin this daemon runs in; undefined in standalone daemon mode. */
export function payerRuntime(ctx: CommandContext): PayerRuntime | undefined {
  return RUNTIMES.get(ctx);
}

/** The onion_message_recv_secret handler: a reply for a pending request, or undefined. */
export function replyHandler(pending: PendingReplies) {
  return (p: Record<string, unknown>): HookReply | undefined => {
    const om = p.onion_message as Record<string, unknown> | undefined;
    if (!om || typeof om.pathsecret !== 'string' || !/^[0-9a-fA-F]{64}$/.test(om.pathsecret)) return undefined;
    const h = pending.match(hexToBytes(om.pathsecret));
    if (!h) return undefined;
    h(om);
    return REPLY_CONSUMED;
  };
}

export const payerFlow: PluginFlow = {
  name: 'payer',
  install(env) {
    const pending = new PendingReplies();
    RUNTIMES.set(env.context, { pending, lightning: env.lightning, log: env.log });
    // Replies to our pending fetchinvoice requests first; then invoices answering our own
    // invoice_requests (lnr1…, ./invoice-hook.ts), which may come on either hook.
    const onInvoice = invoiceHookHandler({ context: env.context, lightning: env.lightning, log: env.log });
    const undo = [
      env.hooks.register('onion_message_recv_secret', 'payer', replyHandler(pending)),
      env.hooks.register('onion_message_recv', 'payer-invoice', onInvoice),
      env.hooks.register('onion_message_recv_secret', 'payer-invoice', onInvoice),
    ];
    return () => {
      for (const u of undo) u();
      RUNTIMES.delete(env.context);
    };
  },
};
