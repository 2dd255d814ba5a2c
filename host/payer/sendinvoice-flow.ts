// The plugin flow of `sendinvoice` (docs/host/sendinvoice.md;
// cln-offers-flow-digest §4.4, §4.6 step 5): a message through the reply path
// attached to an invoice we sent arrives on `onion_message_recv_secret` with
// that path's secret; it is handed to the sendinvoice command waiting for it
// (an invoice_error ends it with 1004) and consumed. Every other message
// continues. The waiting commands register here (awaitReplySecret); secrets
// are compared in constant time, as Core Lightning does.
import { hexToBytes } from '@noble/hashes/utils.js';
import type { PluginFlow } from '../plugin/flow-types.js';
import type { HookReply } from '../plugin/hooks.js';

/** What a consumed message answers: a non-`continue` result stops lightningd's chain. */
const CONSUMED: HookReply = Object.freeze({ result: 'lnsigner' });

interface Waiter {
  secret: Uint8Array;
  take(onionMessage: Record<string, unknown>): void;
}

/** Reply secrets of the sendinvoice commands in flight (one process, one plugin). */
const waiters = new Set<Waiter>();

function ctEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/**
 * Hands the next message arriving through a reply path whose path_id is
 * `secret` to `take` (the hook's `onion_message` object), until the returned
 * function is called. Register before the message that carries the path is sent.
 */
export function awaitReplySecret(secret: Uint8Array, take: (onionMessage: Record<string, unknown>) => void): () => void {
  const w: Waiter = { secret, take };
  waiters.add(w);
  return () => waiters.delete(w);
}

/** The onion_message_recv_secret handler: a reply for a sendinvoice in flight, or undefined (continue). */
export function onReplySecret(p: Record<string, unknown>): HookReply | undefined {
  const om = p.onion_message as Record<string, unknown> | undefined;
  if (!om || typeof om.pathsecret !== 'string' || !/^[0-9a-f]{64}$/.test(om.pathsecret)) return undefined;
  const secret = hexToBytes(om.pathsecret);
  let match: Waiter | undefined;
  for (const w of waiters) if (ctEqual(w.secret, secret)) match = w;
  if (!match) return undefined;
  match.take(om);
  return CONSUMED;
}

export const sendinvoiceFlow: PluginFlow = {
  name: 'sendinvoice',
  install(env) {
    return env.hooks.register('onion_message_recv_secret', 'sendinvoice', (p) => onReplySecret(p));
  },
};
