// fetchinvoice and cancelrecurringinvoice (cln-offers-flow-digest §4.1–4.4,
// cln-rpc-digest §1.11; docs/host/payer.md): build and sign the request on
// the device, send it by onion message along each offer path in turn (else
// to the issuer) with a reply path the device blinded, and take the answer
// only through that path's secret (./flow.ts). Every request sent is kept in
// the store (payer_requests) with what became of it.
import { randomBytes } from 'node:crypto';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { buildBlindedPath, encodeOnionMessagePayload } from '../blinding/index.js';
import { encodeBolt12String, formatScid, type BlindedPath } from '../bolt12/index.js';
import { requireDevice, type CommandContext } from '../commands/context.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';
import type { DeviceSigner } from '../daemon/device-signer.js';
import type { LightningRpcClient } from '../node/client.js';
import { checkFetchParams, readPayerOffer, buildFetchRequest, signFetchRequest, type FetchRequestParams, type PayerOffer, type SignedRequest } from './fetch-request.js';
import { checkReply, type FetchResult } from './fetch-check.js';
import { payerRuntime, type PayerRuntime } from './flow.js';
import { nodeAliasBase } from './payer-key.js';
import { findMessageRoute, makeReplyPath, replyPathIds } from './reply-path.js';

/** CLN's default `timeout` (seconds). */
export const FETCH_TIMEOUT_DEFAULT = 60;

/** Standalone daemon: nobody hands us lightningd's onion messages. */
export const NEEDS_PLUGIN =
  'fetchinvoice needs lnsigner running as a Core Lightning plugin (lightningd --plugin=bin/lnsigner-plugin.js): ' +
  'the invoice comes back by onion message, which only the plugin\'s onion_message_recv_secret hook receives';

export interface FetchCommandParams extends FetchRequestParams {
  /** Seconds to wait for the reply after the request left (CLN default 60). */
  timeout?: number;
}

interface Target {
  /** Their blinded path (a one-hop path to the issuer when the offer has no paths). */
  path: BlindedPath;
  /** Its introduction node (hex). */
  intro: string;
  /** §4.2: offer_issuer_id, else the path's last blinded node id. */
  signer: Uint8Array;
}

/** §4.2: offer_paths in order (scid forms resolved through the node's gossip), else offer_issuer_id. */
async function targetsOf(o: PayerOffer, l: LightningRpcClient, skipped: string[]): Promise<Target[]> {
  const f = o.offer.fields;
  const out: Target[] = [];
  for (const path of f.offer_paths ?? []) {
    let intro: string | undefined;
    if ('pubkey' in path.firstNodeId) intro = bytesToHex(path.firstNodeId.pubkey);
    else {
      const scid = formatScid(path.firstNodeId.scid);
      const dir = path.firstNodeId.direction;
      try {
        const ch = ((await l.call('listchannels', { short_channel_id: scid })) as { channels?: { source: string; destination: string; direction?: number }[] }).channels ?? [];
        // BOLT 7 sciddir: direction 0 = node_1 (the lesser id), 1 = node_2.
        const ends = [...new Set(ch.flatMap((c) => [c.source, c.destination]))].sort();
        intro = ends.length === 2 ? ends[dir] : undefined;
      } catch {
        intro = undefined;
      }
      if (!intro) {
        skipped.push(`${scid}/${dir} (unknown short_channel_id)`);
        continue;
      }
      path.firstNodeId = { pubkey: hexToBytes(intro) };
    }
    out.push({ path, intro, signer: f.offer_issuer_id ?? path.hops[path.hops.length - 1].blindedNodeId });
  }
  if (!out.length && !(f.offer_paths?.length) && f.offer_issuer_id) {
    // A message straight to the issuer: a one-hop blinded path with empty data (as CLN).
    out.push({ path: buildBlindedPath([{ nodeId: f.offer_issuer_id, data: {} }]).path, intro: bytesToHex(f.offer_issuer_id), signer: f.offer_issuer_id });
  }
  return out;
}

/** One request built as an onion message towards `t` over `route`, with its reply path. */
async function buildMessage(signer: DeviceSigner, l: LightningRpcClient, route: string[], t: Target, req: SignedRequest, secret: Uint8Array) {
  const reply = await makeReplyPath(signer, await replyPathIds(l, route), secret);
  // §4.2 final payload: invoice_request (64) and reply_path (2); the device adds encrypted_recipient_data (4).
  const finalPayload = encodeOnionMessagePayload({ replyPath: reply, invoiceRequest: req.signed });
  // §6.5: our hops N0 … N(m-1) (N0 = us: injectonionmessage starts at our node), then their path.
  const ourRoute = route.slice(0, -1).map((id) => hexToBytes(id));
  return signer.onionMessage!({ ourRoute, path: t.path, finalPayload });
}

/** Sends `req` to the first target that can be reached; returns the target used. Throws 1003 when none. */
async function send(ctx: CommandContext, rt: PayerRuntime, signer: DeviceSigner, o: PayerOffer, req: SignedRequest, secret: Uint8Array, beforeInject: () => void): Promise<Target> {
  const l = rt.lightning;
  const me = (await l.getinfo()).id;
  const failed: string[] = [];
  const targets = await targetsOf(o, l, failed);
  if (!targets.length && !failed.length) throw new RpcError(ErrorCode.INVALID_PARAMS, 'Unparsable offer: no offer_paths and no offer_issuer_id');
  let remembered = false;
  for (const t of targets) {
    let route = (await findMessageRoute(l, me, t.intro))?.ids;
    let connected = false;
    const connect = async () => {
      // §4.2: no onion-message route ⇒ connect to the target directly.
      await l.connectPeer(t.intro);
      connected = true;
      return [me, t.intro];
    };
    try {
      if (!route) route = await connect();
    } catch (e) {
      failed.push(`${t.intro}: ${(e as Error).message}`);
      continue;
    }
    for (;;) {
      const msg = await buildMessage(signer, l, route, t, req, secret);
      // §4.2: the request is remembered before it is sent (the reply can race the RPC answer).
      if (!remembered) {
        beforeInject();
        remembered = true;
      }
      try {
        await l.injectonionmessage({ path_key: bytesToHex(msg.pathKey), message: bytesToHex(msg.packet) });
        ctx.log.info(`fetchinvoice: invoice_request ${req.invreqId} sent to ${t.intro} over ${route.length - 1} hop(s)${connected ? ' (connected directly)' : ''}`);
        return t;
      } catch (e) {
        // The first hop was not connected after all: connect to the target itself, once.
        ctx.log.info(`fetchinvoice: injectonionmessage towards ${t.intro} over ${route.length - 1} hop(s) refused: ${(e as Error).message}`);
        if (connected || route.length === 1) {
          failed.push(`${t.intro}: ${(e as Error).message}`);
          break;
        }
        try {
          route = await connect();
        } catch (ce) {
          failed.push(`${t.intro}: ${(ce as Error).message}`);
          break;
        }
      }
    }
  }
  throw new RpcError(ErrorCode.OFFER_ROUTE_NOT_FOUND, `Failed: could not route or connect directly to ${failed.join(', ')}`);
}

interface Prepared {
  rt: PayerRuntime;
  signer: DeviceSigner;
  o: PayerOffer;
  req: SignedRequest;
}

async function prepare(ctx: CommandContext, p: FetchCommandParams, what: string): Promise<Prepared> {
  const rt = payerRuntime(ctx);
  if (!rt) throw new RpcError(ErrorCode.LIGHTNINGD, what === 'fetchinvoice' ? NEEDS_PLUGIN : NEEDS_PLUGIN.replace('fetchinvoice', what));
  const o = readPayerOffer(p.offer, ctx.network);
  checkFetchParams(o, p, (ctx.now ?? (() => Math.floor(Date.now() / 1000)))());
  const device = requireDevice(ctx, 'it signs the invoice_request with its payer key and builds the onion message');
  const signer = device.signer;
  if (!signer.blindedPath || !signer.onionMessage) throw new RpcError(ErrorCode.LIGHTNINGD, 'The device client cannot build blinded paths and onion messages');
  let aliasBase: Uint8Array;
  try {
    aliasBase = await nodeAliasBase(rt.lightning);
  } catch (e) {
    throw new RpcError(ErrorCode.LIGHTNINGD, `makesecret node-alias-base failed on lightningd: ${(e as Error).message}`);
  }
  const unsigned = buildFetchRequest(o, p, { network: ctx.network, nodeId: device.info.nodeId, aliasBase, random: ctx.randomBytes });
  const req = await signFetchRequest(signer, unsigned);
  return { rt, signer, o, req };
}

/** fetchinvoice: the checked invoice, `changes` and `next_period` (CLN's result). */
export async function fetchInvoice(ctx: CommandContext, p: FetchCommandParams): Promise<FetchResult> {
  const { rt, signer, o, req } = await prepare(ctx, p, 'fetchinvoice');
  const secret = new Uint8Array(randomBytes(32));
  const bolt12 = encodeBolt12String('lnr', req.signed);
  let reply!: (om: Record<string, unknown>) => void;
  const answered = new Promise<Record<string, unknown>>((r) => (reply = r));
  let forget = () => {};
  const store = ctx.store.payerRequests;
  try {
    const t = await send(ctx, rt, signer, o, req, secret, () => {
      store.create({
        invreqId: req.invreqId, offerId: bytesToHex(o.offerId), bolt12, replySecret: bytesToHex(secret),
        recurrenceCounter: p.recurrenceCounter, recurrenceStart: req.recurrenceStart, recurrenceLabel: p.recurrenceLabel,
      });
      forget = rt.pending.expect(secret, (om) => reply(om));
    });
    // §4.2: the timer starts once injectonionmessage succeeded.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), (p.timeout ?? FETCH_TIMEOUT_DEFAULT) * 1000)));
    const om = await Promise.race([answered, timedOut]).finally(() => clearTimeout(timer));
    if (!om) {
      store.setStatus(req.invreqId, 'timeout');
      throw new RpcError(ErrorCode.OFFER_TIMEOUT, 'Timeout waiting for response');
    }
    try {
      const r = checkReply(o, { signed: req.signed, amountMsat: p.amountMsat, quantity: p.quantity, recurrenceCounter: p.recurrenceCounter, recurrenceStart: req.recurrenceStart, expectedSigner: t.signer }, om);
      store.setStatus(req.invreqId, 'answered', r.invoice);
      ctx.log.info(`fetchinvoice: invoice for ${req.invreqId} accepted`);
      return r;
    } catch (e) {
      store.setStatus(req.invreqId, 'failed');
      ctx.log.info(`fetchinvoice: reply to ${req.invreqId} refused: ${(e as Error).message}`);
      throw e;
    }
  } catch (e) {
    if (e instanceof RpcError && e.code === ErrorCode.OFFER_ROUTE_NOT_FOUND && store.get(req.invreqId)) store.setStatus(req.invreqId, 'unsent');
    throw e;
  } finally {
    forget();
  }
}

/**
 * cancelrecurringinvoice: an invoice_request for the given period with
 * invreq_recurrence_cancel, sent as fetchinvoice sends (same payer key: the
 * metadata of the recurrence label). The issuer records it and answers
 * nothing (§3.6), so — as CLN — the command returns once it left: {bolt12}.
 */
export async function cancelRecurringInvoice(ctx: CommandContext, p: Omit<FetchCommandParams, 'cancel' | 'amountMsat' | 'quantity' | 'payerMetadata' | 'timeout'>): Promise<{ bolt12: string }> {
  const q: FetchCommandParams = { ...p, cancel: true };
  const { rt, signer, o, req } = await prepare(ctx, q, 'cancelrecurringinvoice');
  const secret = new Uint8Array(randomBytes(32));
  const bolt12 = encodeBolt12String('lnr', req.signed);
  try {
    await send(ctx, rt, signer, o, req, secret, () => {
      ctx.store.payerRequests.create({
        invreqId: req.invreqId, offerId: bytesToHex(o.offerId), bolt12, replySecret: bytesToHex(secret),
        recurrenceCounter: p.recurrenceCounter, recurrenceStart: req.recurrenceStart, recurrenceLabel: p.recurrenceLabel,
      });
    });
  } catch (e) {
    if (e instanceof RpcError && e.code === ErrorCode.OFFER_ROUTE_NOT_FOUND && ctx.store.payerRequests.get(req.invreqId)) ctx.store.payerRequests.setStatus(req.invreqId, 'unsent');
    throw e;
  }
  ctx.store.payerRequests.setStatus(req.invreqId, 'cancel');
  return { bolt12 };
}
