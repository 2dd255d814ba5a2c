// The merchant flow as a plugin flow (host/plugin/flows.ts; docs/host/merchant.md):
// onion_message_recv / onion_message_recv_secret consume invoice_requests for
// our offers (offer id in our store) and answer them along the reply path;
// htlc_accepted settles HTLCs for our invoices. Everything else continues.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { parseScid } from './compat.js';
import type { BlindedPath } from '../bolt12/index.js';
import { buildOnionMessage } from '../blinding/index.js';
import { GENESIS_WIRE_HEX } from '../daemon/network.js';
import type { PluginFlow, PluginFlowEnv } from '../plugin/flow-types.js';
import type { HookReply } from '../plugin/hooks.js';
import { devCrash, merchantPort, ourNodeId, type MerchantDevicePort } from './device-port.js';
import { answerInvoiceRequest, encodeInvoiceError, invoiceErrorText, InvreqFailure, requestOfferId, type MerchantEnv } from './invreq.js';
import { fetchFrontPeers, fetchIntroPeers } from './peers.js';
import { Settlement } from './settle.js';

/** What a consumed message answers: any non-`continue` result stops lightningd's chain (§8 item 2). */
export const CONSUMED: HookReply = Object.freeze({ result: 'lnsigner' });

/** reply_blindedpath (§2.2) → BlindedPath; undefined when unusable (treated as no reply path, §3.1 step 2). */
export function parseReplyPath(j: unknown): BlindedPath | undefined {
  try {
    const o = j as Record<string, any>;
    if (!o || !Array.isArray(o.hops) || o.hops.length === 0 || typeof o.first_path_key !== 'string') return undefined;
    const firstNodeId = typeof o.first_node_id === 'string'
      ? { pubkey: hexToBytes(o.first_node_id) }
      : { scid: parseScid(String(o.first_scid)), direction: (Number(o.first_scid_dir) === 1 ? 1 : 0) as 0 | 1 };
    return {
      firstNodeId,
      firstPathKey: hexToBytes(o.first_path_key),
      hops: o.hops.map((h: any) => ({ blindedNodeId: hexToBytes(h.blinded_node_id), encryptedRecipientData: hexToBytes(h.encrypted_recipient_data) })),
    };
  } catch {
    return undefined;
  }
}

export function merchantEnv(env: PluginFlowEnv): MerchantEnv {
  const ctx = env.context;
  return {
    store: ctx.store,
    get port() { return merchantPort(ctx); },
    nodeId: () => ourNodeId(ctx),
    chainHex: GENESIS_WIRE_HEX[ctx.network],
    now: ctx.now ?? (() => Math.floor(Date.now() / 1000)),
    blockheight: async () => env.blockheight() ?? (await env.lightning.getinfo()).blockheight,
    cltvFinal: ctx.network === 'bitcoin' ? 18 : 10,
    peers: (amount) => fetchIntroPeers(env.lightning, amount, 1).catch(() => []),
    frontPeers: (fronts, amount) => fetchFrontPeers(env.lightning, fronts, amount),
    currency: ctx.currency,
    log: (l, m) => env.log(l === 'warn' ? 'unusual' : l === 'error' ? 'broken' : l, m),
  };
}

/** Sends `payload` along `path` (§6.5): our node first, then the path's introduction node. */
export async function sendAlong(env: PluginFlowEnv, me: Uint8Array, path: BlindedPath, payload: { invoice?: Uint8Array; invoiceError?: Uint8Array }): Promise<void> {
  const intro = 'pubkey' in path.firstNodeId ? path.firstNodeId.pubkey : undefined;
  if (!intro) throw new Error('reply path names its introduction node by scid: not resolved (no gossip here)');
  const same = intro.length === me.length && intro.every((x, i) => x === me[i]);
  const built = buildOnionMessage({ route: same ? [me] : [me, intro], path, payload });
  const send = () => env.lightning.injectonionmessage({ path_key: bytesToHex(built.message.pathKey), message: bytesToHex(built.message.packet) });
  try {
    await send();
  } catch (e) {
    if (same) throw e;
    // The introduction node may not be connected yet (§3.9: CLN connects to it).
    await env.lightning.connectPeer(bytesToHex(intro));
    await send();
  }
}

/** The port with its payment_hash and sign_invoice calls timed into `times` (ms). */
function timedPort(port: MerchantDevicePort, times: { paymentHash: number; signInvoice: number }): MerchantDevicePort {
  const timed = async <T>(key: 'paymentHash' | 'signInvoice', f: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await f();
    } finally {
      times[key] += performance.now() - t;
    }
  };
  return {
    offerCreate: (f, tlv) => port.offerCreate(f, tlv),
    invoiceIds: (r) => timed('paymentHash', () => port.invoiceIds(r)),
    signInvoice: (r) => timed('signInvoice', () => port.signInvoice(r)),
    releasePreimage: (a, s) => port.releasePreimage(a, s),
  };
}

export const merchantFlow: PluginFlow = {
  name: 'merchant',
  install(env) {
    const m = merchantEnv(env);
    const settlement = new Settlement(m, env, undefined, (where) => devCrash(env.context, where));
    const onMessage = async (p: Record<string, unknown>): Promise<HookReply | undefined> => {
      const om = p.onion_message as Record<string, unknown> | undefined;
      if (!om || typeof om.invoice_request !== 'string') return undefined;
      let bytes: Uint8Array;
      try {
        bytes = hexToBytes(om.invoice_request);
      } catch {
        return undefined;
      }
      // Only requests for our offers are consumed (the offer id is in our store).
      const id = requestOfferId(bytes);
      if (!id || !env.context.store.offers.get(id)) return undefined;
      const reply = parseReplyPath(om.reply_blindedpath);
      const secret = typeof om.pathsecret === 'string' ? hexToBytes(om.pathsecret) : undefined;
      let invoice: Uint8Array;
      let answered: string;
      // Where the time goes (logged per request; the merchant benchmark reads it).
      const times = { paymentHash: 0, signInvoice: 0 };
      const t0 = performance.now();
      let tAnswered = t0;
      try {
        const r = await answerInvoiceRequest(bytes, { ...m, port: timedPort(m.port, times) }, secret);
        tAnswered = performance.now();
        if ('cancelled' in r) {
          // §3.6: a recurrence cancel is recorded and never answered (the reply path is dropped).
          env.log('info', `invoice_request for offer ${id}: recurrence cancel ${r.created ? 'recorded' : 'already recorded'} for ${r.label}; nothing sent`);
          return CONSUMED;
        }
        answered = `invoice_request for offer ${id}: ${r.repeat ? 'stored unpaid invoice' : 'invoice'} ${r.record.label} (${r.record.amountMsat} msat)`;
        invoice = r.invoice;
      } catch (e) {
        const f = e instanceof InvreqFailure ? e : new InvreqFailure(`${(e as Error).message}`, true);
        env.log(f.internal ? 'broken' : 'info', `invoice_request for offer ${id} refused: ${f.reason}`);
        // invoice_error only with a reply path (§3.2).
        if (reply) {
          try {
            await sendAlong(env, await m.nodeId(), reply, { invoiceError: encodeInvoiceError(invoiceErrorText(bytes, f, f.reason !== 'Invalid invreq')) });
          } catch (se) {
            env.log('unusual', `invoice_error not sent: ${(se as Error).message}`);
          }
        }
        return CONSUMED;
      }
      devCrash(env.context, 'merchant-before-reply');
      // No reply path: created and stored, nothing sent (§3.9). A failed send
      // is only logged (as CLN): the payer's retry gets the stored invoice.
      if (reply) {
        try {
          await sendAlong(env, await m.nodeId(), reply, { invoice });
        } catch (e) {
          env.log('unusual', `invoice for offer ${id} not sent: ${(e as Error).message}`);
        }
      }
      const ms = (x: number) => x.toFixed(1);
      const host = tAnswered - t0 - times.paymentHash - times.signInvoice;
      env.log('info', `${answered}; ms: payment_hash ${ms(times.paymentHash)} sign_invoice ${ms(times.signInvoice)} host ${ms(host)} reply ${ms(performance.now() - tAnswered)}`);
      return CONSUMED;
    };
    const undo = [
      env.hooks.register('onion_message_recv', 'merchant', onMessage),
      env.hooks.register('onion_message_recv_secret', 'merchant', onMessage),
      env.hooks.register('htlc_accepted', 'merchant', (p) => settlement.onHtlc(p)),
    ];
    return () => {
      for (const u of undo) u();
      settlement.stop();
    };
  },
};

