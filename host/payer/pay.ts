// `pay` for BOLT 12 invoices (docs/host/pay.md; cln-rpc-digest §1.19, xpay's
// core parameters): the invoice is checked as a payer must
// (./pay-invoice.ts), then each part is routed with the node's view of the
// network to one of the invoice's blinded paths (./pay-routes.ts), its onion
// assembled (./pay-route.ts) and built by the device (MSG_PAY_INVOICE, which
// checks the invoice and the request again), recorded and sent through the
// sendpay engine (host/payments/engine.ts: same store, listsendpays, crash
// recovery). Failures that came back with an onion are shown to the device
// (MSG_PAY_FAILED, which releases the part's amount) before the amount is
// routed again around the failed channel or path, until retry_for runs out.
// One pay is one groupid; parts are numbered from 1 (MPP when the invoice
// allows it, BOLT 12 invoice_features basic_mpp).
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';
import { DeviceError } from '../transport/errors.js';
import * as P from '../../shared/protocol.js';
import { payRuleSentence } from '../device-client/payer-requests.js';
import { GENESIS_WIRE_HEX } from '../daemon/network.js';
import { deviceRefusal, PAY_INVOICE_PREAPPROVAL_DECLINED, type PaymentEngine } from '../payments/engine.js';
import { PayCode, defaultGroupid } from '../payments/rules.js';
import { channelDirection } from '../payments/failure.js';
import { pathFee } from '../blinding/payinfo.js';
import type { CommandContext } from '../commands/context.js';
import { requireDevice } from '../commands/context.js';
import type { PaymentRecord } from '../store/index.js';
import { readPayableInvoice, invreqSignature, type PayableInvoice, type PayablePath } from './pay-invoice.js';
import { assemblePart, introNodeOf, introTarget } from './pay-route.js';
import { NoRoute, RouteFinder } from './pay-routes.js';
import { checkBuiltPart, payDeviceOf, type PayDevice } from './pay-device.js';
import type { Hop } from '../payments/route.js';

export const PAY_ROUTE_NOT_FOUND = 205;
export const PAY_ROUTE_TOO_EXPENSIVE = 206;
export const PAY_STOPPED_RETRYING = 210;
export const PAY_INVOICE_REQUEST_INVALID = 212;

export interface PayParams {
  invstring: string;
  amountMsat?: bigint;
  label?: string;
  maxfeeMsat?: bigint;
  /** CLN pay: maxfeepercent (0.5) and exemptfee (5000 msat) when maxfee is not given. */
  maxfeepercent?: number;
  exemptfeeMsat?: bigint;
  retryFor: number;
  maxdelay: number;
  description?: string;
  localinvreqid?: string;
  /** Channels (`scid/dir`) or nodes never to route through. */
  exclude?: string[];
  onConfirm?: (info: { request: string; text?: string }) => void;
  /** Progress lines (`message` notifications of the call). */
  notify?: (m: string) => void;
}

/** A device refusal during pay: ERR_PAY_RULE names the rule (213, as the other signer declines). */
export function payRefusal(e: unknown): RpcError {
  if (e instanceof DeviceError && e.status === P.ERR_PAY_RULE) {
    return new RpcError(PAY_INVOICE_PREAPPROVAL_DECLINED, `The signing device declined the payment: ${payRuleSentence(e.detail)}`, {
      device_status: 'ERR_PAY_RULE', device_detail: e.detail, rule: e.detail & 0xff,
    });
  }
  return deviceRefusal(e);
}

interface Sent {
  rec: PaymentRecord;
  path: PayablePath;
  route: Hop[];
}

const hex = bytesToHex;
const nowSec = () => Math.floor(Date.now() / 1000);

/** The pay result (field order of cln-v26.06-payflow.json). */
function success(inv: PayableInvoice, parts: PaymentRecord[], createdAt: number) {
  const done = parts.filter((p) => p.status === 'complete');
  return {
    payment_preimage: done[0].paymentPreimage!,
    amount_msat: inv.amountMsat,
    amount_sent_msat: done.reduce((s, p) => s + p.amountSentMsat, 0n),
    parts: done.length,
    destination: inv.nodeId,
    payment_hash: inv.paymentHash,
    status: 'complete',
    created_at: createdAt,
  };
}

/** Pays of this process by payment hash: a second pay of an invoice waits for the first, then sees its outcome. */
const running = new Map<string, Promise<unknown>>();

export async function payBolt12(ctx: CommandContext, p: PayParams) {
  const now = ctx.now?.() ?? nowSec();
  const inv = readPayableInvoice(p.invstring, { now, chain: hexToBytes(GENESIS_WIRE_HEX[ctx.network]) });
  for (;;) {
    const prev = running.get(inv.paymentHash);
    if (!prev) break;
    await prev.catch(() => {});
  }
  const run = payChecked(ctx, p, inv);
  running.set(inv.paymentHash, run);
  try {
    return await run;
  } finally {
    if (running.get(inv.paymentHash) === run) running.delete(inv.paymentHash);
  }
}

async function payChecked(ctx: CommandContext, p: PayParams, inv: PayableInvoice) {
  const created = Date.now() / 1000;
  const engine = ctx.payments;
  const node = ctx.lightning;
  if (!engine || !node) throw new RpcError(ErrorCode.LIGHTNINGD, 'No Core Lightning node connected (start the daemon with --lightning-rpc <socket>)');
  // CLN pay: amount_msat only for an invoice without an amount (a BOLT 12 invoice always has one).
  if (p.amountMsat !== undefined && p.amountMsat !== inv.amountMsat) {
    throw new RpcError(ErrorCode.INVALID_PARAMS, 'amount_msat: parameter unnecessary: the invoice has an amount');
  }
  const ir = invreqSignature(ctx.store, inv.invreqId);
  // The device pays only invoices answering a request it signed: without that request nothing can be built.
  if (!ir) throw new RpcError(PAY_INVOICE_REQUEST_INVALID, `Unknown invoice_request ${inv.invreqId}: this invoice does not answer a request of ours`);
  const dev = payDeviceOf(requireDevice(ctx, 'the device builds every part of a BOLT 12 payment').signer);
  const info = await node.getinfo();
  const maxfee = p.maxfeeMsat ?? (() => {
    const pct = BigInt(Math.round((p.maxfeepercent ?? 0.5) * 1000));
    const fee = (inv.amountMsat * pct) / 100_000n;
    const exempt = p.exemptfeeMsat ?? 5000n;
    return fee > exempt ? fee : exempt;
  })();
  const log = (m: string) => {
    ctx.log.info(`pay ${inv.paymentHash.slice(0, 16)}: ${m}`);
    p.notify?.(m);
  };

  // Earlier parts of this invoice: a success is the answer; parts in flight are followed to their end.
  const deadline = Date.now() + p.retryFor * 1000;
  let rows = ctx.store.payments.byHash(inv.paymentHash);
  for (const r of rows.filter((x) => x.status === 'pending')) await engine.settled(r.id, deadline);
  rows = ctx.store.payments.byHash(inv.paymentHash);
  if (rows.some((r) => r.status === 'complete')) return success(inv, rows, rows[0].createdAt);
  if (rows.some((r) => r.status === 'pending')) {
    throw new RpcError(PayCode.PAY_IN_PROGRESS, `Payment ${inv.paymentHash} is still in progress; try again once its parts are done`);
  }

  const groupid = defaultGroupid(rows);
  let partid = rows.reduce((m, r) => (r.partid > m ? r.partid : m), 0n);
  const finder = new RouteFinder(node, info.id, `lnsigner-pay-${inv.paymentHash.slice(0, 16)}-${groupid}`);
  const active = new Map<number, Sent>();
  const all: PaymentRecord[] = [];
  const badPaths = new Set<number>();
  let attempts = 0;
  let last: { code: number; message: string; data?: unknown } | undefined;
  let feesCommitted = 0n;

  const base = { paymentHash: inv.paymentHash, totalMsat: inv.amountMsat, destination: inv.nodeId, label: p.label, bolt12: inv.text, description: p.description, localinvreqid: p.localinvreqid };

  /** Tells the device a part failed (its failure onion), so its amount may be paid again. */
  const release = async (rec: PaymentRecord) => {
    if (!rec.partRef || rec.partReleased || !rec.failure?.erroronion || !rec.sharedSecrets) return;
    try {
      const f = await dev.payFailed(hexToBytes(rec.partRef), rec.sharedSecrets.map(hexToBytes), hexToBytes(rec.failure.erroronion));
      log(`part ${rec.partid} failed at hop ${f.erringIndex} (failcode 0x${f.failcode.toString(16)}): the device released it`);
      ctx.store.payments.markReleased(rec.id);
    } catch (e) {
      log(`part ${rec.partid}: the device did not release it: ${(e as Error).message}`);
    }
  };

  try {
    for (const x of p.exclude ?? []) await finder.exclude(x);
    // Recovery: failures not yet shown to the device; parts built but never sent (daemon killed) are sent now, unchanged.
    for (const r of rows.filter((x) => x.status === 'failed' && x.partRef && !x.partReleased)) {
      if (r.failure?.erroronion) await release(r);
      else if (r.stage === 'unsent' && r.onion && r.firstCltv !== undefined && r.sharedSecrets) {
        const path = inv.paths[0];
        partid += 1n;
        const stored = { onion: hexToBytes(r.onion), sharedSecrets: r.sharedSecrets.map(hexToBytes), partRef: hexToBytes(r.partRef!) };
        log(`part ${r.partid} was built but never sent: sending the same onion as part ${partid}`);
        // The new part carries the onion on: the old row is never a candidate again (one onion, one HTLC at most).
        ctx.store.payments.markReleased(r.id);
        try {
          const rec = await engine.sendDevicePart({
            ...base, partid, groupid, finalMsat: r.amountMsat, routeNodes: r.routeNodes, routeChannels: r.routeChannels,
            firstHop: { id: r.routeNodes[0], amountMsat: r.amountSentMsat, channel: r.routeChannels[0], delay: (h) => r.firstCltv! - h - 1 },
            build: async () => stored,
          });
          active.set(rec.id, { rec, path, route: [] });
          all.push(rec);
          attempts++;
        } catch (e) {
          if (!(e instanceof RpcError)) throw e;
          last = { code: e.code, message: e.message, data: e.data };
          log(`part ${r.partid} could not be sent again: ${e.message}`);
        }
      }
    }

    for (;;) {
      const inFlight = [...active.values()].reduce((s, x) => s + x.rec.amountMsat, 0n);
      const left = inv.amountMsat - inFlight;
      if (left > 0n && Date.now() < deadline) {
        const planned = await planAndSend(left);
        if (!planned && active.size === 0) {
          const why = last ?? { code: PAY_ROUTE_NOT_FOUND, message: 'Could not find a route to any of the invoice paths' };
          throw new RpcError(why.code === PAY_ROUTE_NOT_FOUND || attempts === 0 ? why.code : PAY_STOPPED_RETRYING,
            attempts === 0 ? why.message : `Ran out of routes to try after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${why.message}`,
            { payment_hash: inv.paymentHash, status: 'failed', attempts, ...(why.data && typeof why.data === 'object' ? { last_failure: why.data } : {}) });
        }
      }
      if (active.size === 0) {
        if (Date.now() >= deadline) {
          throw new RpcError(PAY_STOPPED_RETRYING, `Ran out of time after ${attempts} attempts${last ? `: ${last.message}` : ''}`, { payment_hash: inv.paymentHash, status: 'failed', attempts });
        }
        continue;
      }
      // Wait for the first part to settle.
      const settled = await Promise.race([...active.keys()].map((id) => engine.settled(id, deadline + 60_000)));
      if (settled.status === 'pending') throw new RpcError(PAY_STOPPED_RETRYING, `Timed out waiting for part ${settled.partid}`, { payment_hash: inv.paymentHash, status: 'pending' });
      const s = active.get(settled.id)!;
      active.delete(settled.id);
      if (settled.status === 'complete') {
        // The recipient holds the parts until all arrived, then takes them all: wait for the rest.
        for (const id of active.keys()) await engine.settled(id, deadline + 60_000);
        const parts = all.map((x) => ctx.store.payments.byId(x.id)!);
        log(`complete: ${parts.filter((x) => x.status === 'complete').length} part(s)`);
        return success(inv, parts, created);
      }
      await onFailure(settled, s);
    }
  } finally {
    await finder.close();
  }

  /** Decides what a failed part excludes; shows its onion to the device first. */
  async function onFailure(rec: PaymentRecord, s: Sent) {
    await release(rec);
    const f = rec.failure;
    feesCommitted -= rec.amountSentMsat - rec.amountMsat;
    last = { code: f?.code ?? PayCode.PAY_TRY_OTHER_ROUTE, message: f?.message ?? 'failed', data: f && { erring_index: f.erringIndex, failcode: f.failcode, failcodename: f.failcodename, erring_node: f.erringNode, erring_channel: f.erringChannel } };
    const n = s.route.length;
    const e = f?.erringIndex;
    if (e === undefined || n === 0) {
      badPaths.add(s.path.index);
      return;
    }
    if (e >= n) {
      // Inside the blinded path (the introduction node answers for all of it): do not use that path again.
      badPaths.add(s.path.index);
      log(`part ${rec.partid}: the blinded path ${s.path.index} failed (${f?.failcodename ?? f?.failcode}); not using it again`);
      return;
    }
    // A clear channel: the one out of the erring node (route[e]); erring index 0 = our own channel.
    const from = e === 0 ? info.id : s.route[e - 1].id;
    const ch = `${s.route[e].channel}/${channelDirection(from, s.route[e].id)}`;
    log(`part ${rec.partid}: ${f?.failcodename ?? f?.failcode} at ${ch}; routing around it`);
    await finder.exclude(ch);
  }

  /** Routes and sends parts for `left` msat; false if nothing could be sent. */
  async function planAndSend(left: bigint): Promise<boolean> {
    const usable = inv.paths.filter((x) => !badPaths.has(x.index) && introNodeOf(x.path) !== undefined);
    // Cheapest path first (its payinfo fee for the amount, then its delta).
    usable.sort((a, b) => {
      const fa = pathFee(left, { feeBaseMsat: BigInt(a.payinfo.feeBaseMsat), feeProportionalMillionths: BigInt(a.payinfo.feeProportionalMillionths) });
      const fb = pathFee(left, { feeBaseMsat: BigInt(b.payinfo.feeBaseMsat), feeProportionalMillionths: BigInt(b.payinfo.feeProportionalMillionths) });
      return fa !== fb ? (fa < fb ? -1 : 1) : a.payinfo.cltvExpiryDelta - b.payinfo.cltvExpiryDelta;
    });
    let rest = left;
    let sentAny = false;
    // One part through the first path that carries it all; with MPP, then parts across paths (halving where a route is short of capacity).
    const tries: { path: PayablePath; amount: bigint }[] = [];
    for (const x of usable) if (x.payinfo.htlcMaximumMsat >= rest && x.payinfo.htlcMinimumMsat <= rest) tries.push({ path: x, amount: rest });
    for (const t of tries) {
      if (await sendOne(t.path, t.amount)) return true;
    }
    if (!inv.mpp) return false;
    for (const x of usable) {
      let amount = rest < x.payinfo.htlcMaximumMsat ? rest : x.payinfo.htlcMaximumMsat;
      for (let k = 0; k < 6 && rest > 0n && amount >= x.payinfo.htlcMinimumMsat && amount > 0n; k++) {
        if (amount > rest) amount = rest;
        if (await sendOne(x, amount)) {
          sentAny = true;
          rest -= amount;
        } else amount = amount / 2n;
      }
      if (rest === 0n) break;
    }
    return sentAny;
  }

  /** One part of `amount` through `path`: route, device, engine. False when no route. */
  async function sendOne(path: PayablePath, amount: bigint): Promise<boolean> {
    const intro = introNodeOf(path.path)!;
    const target = introTarget(amount, path.payinfo, 0);
    // The clear route may cost what the budget leaves after the path's own fee.
    const budget = maxfee - feesCommitted - (target.amountMsat - amount);
    if (budget < 0n) {
      last = { code: PAY_ROUTE_TOO_EXPENSIVE, message: `Route too expensive: path ${path.index} alone costs ${target.amountMsat - amount}msat (max ${maxfee - feesCommitted}msat)` };
      return false;
    }
    let route: Hop[];
    try {
      route = await finder.route({ to: intro, amountMsat: target.amountMsat, delay: target.delay, maxfeeMsat: budget, maxdelay: p.maxdelay });
    } catch (e) {
      if (e instanceof NoRoute) {
        last = { code: PAY_ROUTE_NOT_FOUND, message: `Could not find a route to ${intro} for ${target.amountMsat}msat: ${e.message}` };
        return false;
      }
      throw e;
    }
    // Our first channel must be able to take it now (getroute and listchannels do not know our balances):
    // a part the device built but the node refuses at once has no failure onion, so the device could
    // never release it (pay_failed needs one).
    const ours = (await node!.listpeerchannels({ id: route[0].id })).find((c) => c.short_channel_id === route[0].channel);
    if (!ours || !ours.peer_connected || ours.state !== 'CHANNELD_NORMAL' || (ours.spendable_msat ?? 0n) < route[0].amountMsat) {
      last = { code: PayCode.PAY_TRY_OTHER_ROUTE, message: `Our channel ${route[0].channel} to ${route[0].id} cannot carry ${route[0].amountMsat}msat now` };
      // Gone or not usable: never again in this payment. Short of balance: with getroutes (which knows our
      // balances) a smaller part may still fit it; getroute / listchannels would keep choosing it.
      if (!ours || !ours.peer_connected || ours.state !== 'CHANNELD_NORMAL' || finder.using !== 'getroutes') await finder.exclude(`${route[0].channel}/${channelDirection(info.id, route[0].id)}`);
      return false;
    }
    const fee = route[0].amountMsat - amount;
    if (fee > maxfee - feesCommitted || route[0].delay > p.maxdelay) {
      last = { code: PAY_ROUTE_TOO_EXPENSIVE, message: `Route too expensive: fee ${fee}msat (max ${maxfee - feesCommitted}msat), delay ${route[0].delay} (max ${p.maxdelay})`,
        data: { fee, feepercent: Number((fee * 1_000_000n) / (amount || 1n)) / 10_000, delay: route[0].delay } };
      return false;
    }
    partid += 1n;
    const shape = assemblePart({ route, path: path.path, payinfo: path.payinfo, amountMsat: amount, totalMsat: inv.amountMsat, finalDelay: 0 }, 0);
    attempts++;
    let rec: PaymentRecord;
    try {
      rec = await engine!.sendDevicePart({
        ...base, partid, groupid, finalMsat: amount, routeNodes: shape.routeNodes, routeChannels: shape.routeChannels,
        firstHop: { id: route[0].id, amountMsat: route[0].amountMsat, channel: route[0].channel, delay: () => route[0].delay },
        build: async (height) => {
          const a = assemblePart({ route, path: path.path, payinfo: path.payinfo, amountMsat: amount, totalMsat: inv.amountMsat, finalDelay: 0 }, height + 1);
          let built;
          try {
            built = await (dev as PayDevice).payInvoice({
              invoice: inv.bytes, invreqSignature: ir!.signature, partId: partid, firstHopAmountMsat: route[0].amountMsat, hops: a.hops, onConfirm: p.onConfirm,
            });
          } catch (e) {
            throw payRefusal(e);
          }
          return checkBuiltPart(built, a.hops.length);
        },
      });
    } catch (e) {
      if (e instanceof RpcError && e.code === PayCode.PAY_TRY_OTHER_ROUTE) {
        // The node refused it at once (first peer gone or short of capacity): route around our channel.
        last = { code: e.code, message: e.message, data: e.data };
        await finder.exclude(`${route[0].channel}/${channelDirection(info.id, route[0].id)}`);
        return false;
      }
      throw e;
    }
    feesCommitted += fee;
    log(`part ${partid}: ${amount}msat through path ${path.index} (intro ${intro.slice(0, 16)}…), ${route.length} clear hop(s), fee ${fee}msat`);
    active.set(rec.id, { rec, path, route });
    all.push(rec);
    return true;
  }
}

export const _test = { hex };
