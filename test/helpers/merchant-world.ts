// An in-process merchant world for tests: our node (secret known to the test),
// one peer, a payer; the daemon's store and context with the TEST-ONLY
// device stand-in (merchant-standin.ts); a fake lightningd RPC recording
// injectonionmessage; the merchant flow installed on a hook registry.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { secp } from '../../host/crypto/noble.js';
import {
  decodeOffer, encodeTlvStream, readTlvRecords, invoiceRequestForOffer, merkleRoot, parseInvoice, signatureMessage, type InvoiceRequestFields, type TlvEntry,
} from '../../host/bolt12/index.js';
import { buildBlindedPath, peelOnionMessage, unblindHop, decodeOnionMessage } from '../../host/blinding/index.js';
import { commandMap } from '../../host/commands/index.js';
import type { CommandContext } from '../../host/commands/context.js';
import { bolt12OfferEncoder } from '../../host/commands/bolt12-offer-encoder.js';
import { GENESIS_WIRE_HEX } from '../../host/daemon/network.js';
import { merchantFlow } from '../../host/merchant/flow.js';
import { HookRegistry } from '../../host/plugin/hooks.js';
import { parseJson } from '../../host/rpc/json-scan.js';
import { parseParams } from '../../host/rpc/params.js';
import { Store } from '../../host/store/index.js';
import { blindedPathJson } from '../../host/simnet/onion-messages.js';
import { MerchantStandIn } from './merchant-standin.js';

const key = () => secp.utils.randomSecretKey();
const pub = (k: Uint8Array) => secp.getPublicKey(k, true);

export interface World {
  ctx: CommandContext;
  store: Store;
  hooks: HookRegistry;
  standin: MerchantStandIn;
  nodeSecret: Uint8Array;
  nodeId: Uint8Array;
  peerSecret: Uint8Array;
  peerId: Uint8Array;
  payerNodeSecret: Uint8Array;
  payerNodeId: Uint8Array;
  injected: { path_key: string; message: string }[];
  clock: { now: number };
  peerConnected: boolean;
  logs: string[];
  run(method: string, params: Record<string, unknown>): Promise<any>;
  /** Drops the flow without answering anything (a killed daemon) and starts a new one on the same store file. */
  restart(): World;
  /** Makes the next injectonionmessage fail as a killed daemon would never send it. */
  failNextInject: boolean;
  close(): void;
}

interface Kept { dir: string; nodeSecret: Uint8Array; peerSecret: Uint8Array; payerNodeSecret: Uint8Array; clock: { now: number }; injected: World['injected'] }

export function makeWorld(keyMode: 'device' | 'node' = 'device', extra: Partial<CommandContext> = {}, kept?: Kept): World {
  const dir = kept?.dir ?? mkdtempSync(join(tmpdir(), 'lns-merchant-'));
  const store = Store.open(join(dir, 'store.sqlite3'));
  const nodeSecret = kept?.nodeSecret ?? key();
  const peerSecret = kept?.peerSecret ?? key();
  const payerNodeSecret = kept?.payerNodeSecret ?? key();
  const standin = new MerchantStandIn(nodeSecret);
  const injected: World['injected'] = kept?.injected ?? [];
  const clock = kept?.clock ?? { now: 1_800_000_000 };
  const logs: string[] = [];
  store.invoices.setClock(() => clock.now);
  const w = {} as World;
  const lightning = {
    async call(method: string) {
      if (method !== 'listpeerchannels') throw new Error(`fake lightningd: ${method}`);
      return {
        channels: [{
          peer_id: bytesToHex(pub(peerSecret)), peer_connected: w.peerConnected, state: 'CHANNELD_NORMAL', short_channel_id: '103x1x0',
          receivable_msat: 5_000_000_000,
          updates: { remote: { fee_base_msat: 1000, fee_proportional_millionths: 100, cltv_expiry_delta: 40, htlc_minimum_msat: 1, htlc_maximum_msat: 4_000_000_000 } },
        }],
      };
    },
    async injectonionmessage(p: { path_key: string; message: string }) {
      if (w.failNextInject) {
        w.failNextInject = false;
        throw new Error('killed before sending');
      }
      injected.push(p);
    },
    async connectPeer(id: string) { return { id, features: '', direction: 'out' as const }; },
    async getinfo() { return { id: bytesToHex(pub(nodeSecret)), blockheight: 500 }; },
  };
  const ctx: CommandContext = {
    store,
    network: 'regtest',
    log: { debug: (m) => logs.push(m), info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
    device: { signer: {} as never, info: { nodeId: pub(nodeSecret), firmwareVersion: 'test', imageHash: '' } },
    merchantDevice: standin,
    offerEncoder: bolt12OfferEncoder,
    keyMode,
    lightning: lightning as never,
    now: () => clock.now,
    ...extra,
  };
  const hooks = new HookRegistry(['onion_message_recv', 'onion_message_recv_secret', 'htlc_accepted']);
  const undo = merchantFlow.install({
    hooks, context: ctx, lightning: lightning as never, configuration: {} as never, keyMode,
    log: (l, m) => logs.push(`${l}: ${m}`), blockheight: () => 500,
  });
  Object.assign(w, {
    ctx, store, hooks, standin, nodeSecret, nodeId: pub(nodeSecret), peerSecret, peerId: pub(peerSecret),
    payerNodeSecret, payerNodeId: pub(payerNodeSecret), injected, clock, peerConnected: true, logs, failNextInject: false,
    restart() {
      if (typeof undo === 'function') void undo();
      store.close();
      return makeWorld(keyMode, extra, { dir, nodeSecret, peerSecret, payerNodeSecret, clock, injected });
    },
    async run(method: string, params: Record<string, unknown>) {
      const m = commandMap().get(method)!;
      return m.run(parseParams(m.params, parseJson(JSON.stringify(params))), ctx, { id: '"t"', method });
    },
    close() {
      if (typeof undo === 'function') void undo();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
  return w;
}

/** A payer: its key, and invoice_requests it signs. */
export class Payer {
  readonly key = key();
  readonly id = pub(this.key);
  readonly metadata = secp.utils.randomSecretKey().slice(0, 16);

  request(offerBolt12: string, fields: InvoiceRequestFields = {}, opts: { unknown?: TlvEntry[]; sign?: boolean; chain?: boolean } = {}): Uint8Array {
    const offer = decodeOffer(offerBolt12);
    const unsigned = invoiceRequestForOffer(offer, {
      invreq_metadata: this.metadata,
      ...(opts.chain === false ? {} : { invreq_chain: hexToBytes(GENESIS_WIRE_HEX.regtest) }),
      invreq_payer_id: this.id,
      ...fields,
    }, opts.unknown ?? []);
    if (opts.sign === false) return unsigned;
    const sig = secp.schnorr.sign(signatureMessage('invoice_request', 'signature', merkleRoot(unsigned)), this.key, new Uint8Array(32));
    return encodeTlvStream([...readTlvRecords(unsigned).map((r) => ({ type: r.type, value: r.value })), { type: 240n, value: sig }]);
  }
}

/** The path_id of an offer's first path, as our node reads it (peer peels hop 0, we open hop 1). */
export function offerPathSecret(w: World, offerBolt12: string): Uint8Array | undefined {
  const paths = decodeOffer(offerBolt12).fields.offer_paths;
  if (!paths?.length) return undefined;
  const p = paths[0];
  const h0 = unblindHop(w.peerSecret, p.firstPathKey, p.hops[0].encryptedRecipientData);
  return unblindHop(w.nodeSecret, h0.nextPathKey, p.hops[1].encryptedRecipientData).data.pathId;
}

/** The payer's reply path [our node → payer node] ending in a 32-byte path_id. */
export function replyPath(w: World) {
  return buildBlindedPath([
    { nodeId: w.nodeId, data: { nextNodeId: w.payerNodeId } },
    { nodeId: w.payerNodeId, data: { pathId: new Uint8Array(32).fill(7) } },
  ]).path;
}

/** Delivers an invoice_request to the merchant flow as lightningd would (§2.2). */
export async function deliver(w: World, req: Uint8Array, o: { secret?: Uint8Array | null; offer?: string; reply?: boolean } = {}) {
  const secret = o.secret === null ? undefined : o.secret ?? (o.offer ? offerPathSecret(w, o.offer) : undefined);
  const om: Record<string, unknown> = {};
  if (secret) om.pathsecret = bytesToHex(secret);
  if (o.reply !== false) om.reply_blindedpath = blindedPathJson(replyPath(w));
  om.invoice_request = bytesToHex(req);
  om.unknown_fields = [];
  const before = w.injected.length;
  const answer = await w.hooks.dispatch(secret ? 'onion_message_recv_secret' : 'onion_message_recv', { onion_message: om });
  return { answer, sent: w.injected.slice(before) };
}

/** Reads an injected reply: our node forwards it, the payer's node gets the final payload. */
export function readReply(w: World, inj: { path_key: string; message: string }) {
  const m = { pathKey: hexToBytes(inj.path_key), packet: hexToBytes(inj.message) };
  const s1 = peelOnionMessage(m, w.nodeSecret);
  if (s1.kind !== 'forward') throw new Error(`our node: ${s1.kind} ${'reason' in s1 ? s1.reason : ''}`);
  const s2 = peelOnionMessage(s1.message, w.payerNodeSecret);
  if (s2.kind !== 'deliver') throw new Error(`payer node: ${s2.kind}`);
  const p = s2.payload;
  return {
    invoice: p.invoice && parseInvoice(p.invoice),
    error: p.invoiceError && new TextDecoder().decode(readTlvRecords(p.invoiceError).find((r) => r.type === 5n)!.value),
    raw: p,
  };
}

/** The path_id in an invoice's first payment path (our node opens the last hop). */
export function invoicePathId(w: World, inv: ReturnType<typeof parseInvoice>): Uint8Array {
  const p = inv.fields.invoice_paths![0];
  if (p.hops.length === 1) return unblindHop(w.nodeSecret, p.firstPathKey, p.hops[0].encryptedRecipientData).data.pathId!;
  const h0 = unblindHop(w.peerSecret, p.firstPathKey, p.hops[0].encryptedRecipientData);
  return unblindHop(w.nodeSecret, h0.nextPathKey, p.hops[1].encryptedRecipientData).data.pathId!;
}

export { decodeOnionMessage };
