// Onion messages on the simulated network, through its socket: paths of
// 1–10 hops made by one node (dev-simnet-blindedpath), messages built the way
// Core Lightning's injectonionmessage expects (host/blinding buildOnionMessage,
// our node first) and injected at the payer; every simulated node peels with
// its own key and forwards; the final node calls the hook CLN would call with
// CLN's payload (cln-offers-flow-digest §2.1–2.2). injectonionmessage's
// parameters and errors (§5), connect, and drops logged at the right hop.
// The last part does it all again with the path and the message built by the
// device (the firmware in this process).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex as toHex, hexToBytes as fromHex } from '@noble/hashes/utils.js';
import { startSimnet, type RunningSimnet } from '../host/simnet/server.js';
import { LightningRpcClient, LightningRpcError } from '../host/node/client.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  buildOnionMessage, decodeBlindedPath, buildBlindedPath, decodeEncryptedData, encodeOnionMessagePayload, peelOnionMessage, unblindHop,
  type OnionMessagePayload,
} from '../host/blinding/index.js';
import { formatScid, type BlindedPath } from '../host/bolt12/subtypes.js';
import { scidBytes } from '../host/payments/route.js';
import { secp } from '../host/crypto/noble.js';
import * as P from '../shared/protocol.js';
import { encodeBlindedPathRequest } from '../host/device-client/blinding-requests.js';
import { onionMessageOf, provisionedChip } from './helpers/chip.js';
import { rec } from './helpers/bytes.js';
import { Graph, failure } from './helpers/simnet-graph.js';
import { messengerOf } from '../host/simnet/onion-messages.js';

let dir: string;
let sim: RunningSimnet;
let rpc: LightningRpcClient;
let graph: Graph;
const ids: Record<string, string> = {};
const key = (alias: string) => fromHex(ids[alias]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'simnet-om-'));
  sim = await startSimnet(dir, { nodes: 8, seed: 'simnet-blinding-messages' });
  rpc = new LightningRpcClient(sim.rpcFile, { timeoutMs: 20_000 });
  for (const n of sim.nodes) ids[n.alias] = n.id;
  graph = await Graph.load(rpc);
});
afterAll(async () => {
  rpc.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

interface PathJson { blinded_path: string; path_id: string; first_node_id?: string; first_scid?: string; first_scid_dir?: number; first_path_key: string; hops: { blinded_node_id: string; encrypted_recipient_data: string }[] }
interface Delivery { node: string; alias: string; hook: string; payload: { onion_message: Record<string, unknown> }; path_made_here: boolean }
interface Ev { kind: string; node: string; from?: string; to?: string; reason?: string }

const makePath = (node: string, hops: string[], extra: Record<string, unknown> = {}) => rpc.call('dev-simnet-blindedpath', { node, hops, ...extra }) as Promise<PathJson>;
const hooks = async () => ((await rpc.call('dev-simnet-hooks', { clear: true })) as { deliveries: Delivery[] }).deliveries;
const events = async () => ((await rpc.call('dev-simnet-events', { clear: true })) as { events: Ev[] }).events;
const inject = (m: { pathKey: Uint8Array; packet: Uint8Array }) => rpc.call('injectonionmessage', { path_key: toHex(m.pathKey), message: toHex(m.packet) });

/** The message from the payer along the shortest route to the path's introduction node. */
function messageInto(path: PathJson, payload: Omit<OnionMessagePayload, 'encryptedRecipientData'>, intro: string) {
  const route = graph.route('payer', intro).map(key);
  return buildOnionMessage({ route, path: decodeBlindedPath(fromHex(path.blinded_path)), payload }).message;
}


const ALIASES = ['payer', 'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace'];

describe('simnet onion messages: blinded paths of 1–10 hops', () => {
  it('reach the node that made the path, on onion_message_recv_secret with CLN\'s payload (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.constantFrom(...ALIASES),
        fc.array(fc.nat(7), { minLength: 9, maxLength: 9 }),
        fc.record({
          invoiceRequest: fc.option(fc.uint8Array({ minLength: 1, maxLength: 200 }), { nil: undefined }),
          invoice: fc.option(fc.uint8Array({ minLength: 1, maxLength: 100 }), { nil: undefined }),
          invoiceError: fc.option(fc.uint8Array({ minLength: 0, maxLength: 40 }), { nil: undefined }),
          unknown: fc.uniqueArray(fc.integer({ min: 35, max: 600 }).map((n) => 2 * n + 1), { maxLength: 3 }),
          withReply: fc.boolean(),
        }),
        async (len, start, choices, pl) => {
          const walk = graph.walk(start, len, choices);
          const recipient = walk[len - 1];
          const path = await makePath(recipient, walk.slice(0, -1));
          expect(path.hops).toHaveLength(len);
          const reply = pl.withReply ? await makePath('payer', ['alice']) : undefined;
          const unknown = [...pl.unknown].sort((a, b) => a - b).map((t) => ({ type: BigInt(t), value: Uint8Array.of(t & 0xff, 7) }));
          const payload: Omit<OnionMessagePayload, 'encryptedRecipientData'> = {
            invoiceRequest: pl.invoiceRequest,
            invoice: pl.invoice,
            invoiceError: pl.invoiceError,
            unknown: unknown.length ? unknown : undefined,
            replyPath: reply ? decodeBlindedPath(fromHex(reply.blinded_path)) : undefined,
          };
          expect(await inject(messageInto(path, payload, walk[0]))).toEqual({});
          const got = await hooks();
          expect(got).toHaveLength(1);
          expect(got[0]).toMatchObject({ alias: recipient, node: ids[recipient], hook: 'onion_message_recv_secret', path_made_here: true });
          const om = got[0].payload.onion_message;
          // §2.2: members in CLN's order; encrypted_recipient_data never shown.
          const order = ['pathsecret', 'reply_blindedpath', 'invoice_request', 'invoice', 'invoice_error', 'unknown_fields'].filter((k) => k in om);
          expect(Object.keys(om)).toEqual(order);
          expect(om.pathsecret).toBe(path.path_id);
          expect(om.invoice_request).toBe(pl.invoiceRequest ? toHex(pl.invoiceRequest) : undefined);
          expect(om.invoice).toBe(pl.invoice ? toHex(pl.invoice) : undefined);
          expect(om.invoice_error).toBe(pl.invoiceError ? toHex(pl.invoiceError) : undefined);
          expect(om.unknown_fields).toEqual(unknown.map((u) => ({ number: Number(u.type), value: toHex(u.value) })));
          if (reply) {
            expect(om.reply_blindedpath).toEqual({ first_node_id: ids.alice, first_path_key: reply.first_path_key, hops: reply.hops });
          } else expect(om.reply_blindedpath).toBeUndefined();
          // Every hop of the path forwarded it, in order, and the last delivered it.
          const ev = await events();
          const fwd = ev.filter((e) => e.kind === 'onionmsg_forward');
          const route = graph.route('payer', walk[0]);
          expect(fwd.map((e) => e.node)).toEqual([...route.slice(0, -1), ...walk.slice(0, -1)]);
          expect(ev.filter((e) => e.kind === 'onionmsg_drop')).toEqual([]);
          expect(ev.find((e) => e.kind === 'onionmsg_deliver')).toMatchObject({ node: recipient, reason: 'onion_message_recv_secret' });
        },
      ),
      { numRuns: 12 },
    );
  });

  it('a replaced HookSink (the plugin host\'s seam) gets deliver(node, hookName, payload)', async () => {
    const calls: [number, string, Record<string, unknown>][] = [];
    const om = messengerOf(sim.net);
    om.setHookSink({ deliver: (node, hook, payload) => void calls.push([node, hook, payload]) });
    try {
      const path = await makePath('carol', ['bob']);
      await inject(messageInto(path, { invoiceRequest: Uint8Array.of(7) }, 'bob'));
      const listed = await hooks();
      expect(calls).toEqual([[3, 'onion_message_recv_secret', { onion_message: { pathsecret: path.path_id, invoice_request: '07', unknown_fields: [] } }]]);
      // The test record still lists it.
      expect(listed.map((d) => d.payload)).toEqual([calls[0][2]]);
    } finally {
      om.setHookSink(om.recorder);
    }
  });

  it('a path_id that is not 32 bytes goes to onion_message_recv without pathsecret', async () => {
    const path = await makePath('dave', ['bob', 'carol'], { path_id: 'aabbcc' });
    await inject(messageInto(path, { invoiceRequest: Uint8Array.of(1, 2, 3) }, 'bob'));
    const got = await hooks();
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ alias: 'dave', hook: 'onion_message_recv', path_made_here: false });
    expect(got[0].payload).toEqual({ onion_message: { invoice_request: '010203', unknown_fields: [] } });
  });

  it('short_channel_id hops and a reply path whose first node is scid + direction', async () => {
    const path = await makePath('erin', ['carol', 'dave'], { scid_hops: true });
    const reply = await makePath('payer', ['bob', 'alice'], { first_scid: true });
    const link = graph.link('bob', 'alice');
    expect(reply.first_scid).toBe(link.scid);
    expect(reply.first_scid_dir).toBe(link.side.direction);
    await inject(messageInto(path, { invoiceRequest: Uint8Array.of(9), replyPath: decodeBlindedPath(fromHex(reply.blinded_path)) }, 'carol'));
    const [d] = await hooks();
    expect(d).toMatchObject({ alias: 'erin', hook: 'onion_message_recv_secret' });
    expect(d.payload.onion_message.reply_blindedpath).toEqual({ first_scid: link.scid, first_scid_dir: link.side.direction, first_path_key: reply.first_path_key, hops: reply.hops });
  });

  it('a message to the payer through its own path (we are the introduction node)', async () => {
    const path = await makePath('payer', []);
    await inject(messageInto(path, { invoice: Uint8Array.of(0x42) }, 'payer'));
    const [d] = await hooks();
    expect(d).toMatchObject({ alias: 'payer', hook: 'onion_message_recv_secret', payload: { onion_message: { pathsecret: path.path_id, invoice: '42', unknown_fields: [] } } });
  });

  it('tampered encrypted data is dropped at that hop, logged, and never delivered', async () => {
    const path = await makePath('erin', ['bob', 'carol', 'dave']);
    await events();
    // Tamper hop 1 (carol's data): the payer and bob forward, carol drops.
    const p = decodeBlindedPath(fromHex(path.blinded_path));
    p.hops[1].encryptedRecipientData[0] ^= 1;
    const m = buildOnionMessage({ route: graph.route('payer', 'bob').map(key), path: p, payload: { invoiceRequest: Uint8Array.of(1) } }).message;
    expect(await inject(m)).toEqual({});
    expect(await hooks()).toEqual([]);
    const ev = await events();
    const drop = ev.find((e) => e.kind === 'onionmsg_drop')!;
    expect(drop.node).toBe('carol');
    expect(ev.filter((e) => e.kind === 'onionmsg_forward').map((e) => e.node)).toEqual(['payer', 'bob']);
    expect(drop.reason).toMatch(/^onion_message_parse: invalid encrypted_recipient_data /);
    // Tamper the final hop's data: erin cannot decrypt it.
    const q = decodeBlindedPath(fromHex(path.blinded_path));
    q.hops[3].encryptedRecipientData[5] ^= 1;
    await inject(buildOnionMessage({ route: graph.route('payer', 'bob').map(key), path: q, payload: {} }).message);
    expect(await hooks()).toEqual([]);
    expect((await events()).find((e) => e.kind === 'onionmsg_drop')).toMatchObject({ node: 'erin', reason: expect.stringMatching(/^onion_message_parse: failed to decrypt encrypted_recipient_data /) });
  });

  it('a wrong path key for their path (our override): the introduction node cannot peel, drops and logs it', async () => {
    const path = await makePath('carol', ['bob']);
    await events();
    const p = decodeBlindedPath(fromHex(path.blinded_path));
    p.firstPathKey = key('grace');
    await inject(buildOnionMessage({ route: graph.route('payer', 'bob').map(key), path: p, payload: { invoice: Uint8Array.of(1) } }).message);
    expect(await hooks()).toEqual([]);
    const drop = (await events()).find((e) => e.kind === 'onionmsg_drop')!;
    expect(drop).toMatchObject({ node: 'bob', reason: expect.stringMatching(/^onion_message_parse: can't process onionpacket ss=/) });
  });

  it('spec drops: path_id at a non-final hop, payment fields in message data, a non-final payload with other fields', async () => {
    // A path someone else built: bob's data carries a path_id (non-final ⇒ ignore).
    const built = buildBlindedPath([
      { nodeId: key('bob'), data: { nextNodeId: key('carol'), pathId: new Uint8Array(32) } },
      { nodeId: key('carol'), data: { pathId: new Uint8Array(32).fill(1) } },
    ]);
    await inject(buildOnionMessage({ route: graph.route('payer', 'bob').map(key), path: built.path, payload: {} }).message);
    expect((await events()).find((e) => e.kind === 'onionmsg_drop')).toMatchObject({ node: 'bob', reason: expect.stringMatching(/invalid encrypted_recipient_data/) });
    const relay = buildBlindedPath([
      { nodeId: key('bob'), data: { nextNodeId: key('carol'), paymentRelay: { cltvExpiryDelta: 1, feeProportionalMillionths: 1, feeBaseMsat: 1 } } },
      { nodeId: key('carol'), data: { pathId: new Uint8Array(32).fill(2) } },
    ]);
    await inject(buildOnionMessage({ route: graph.route('payer', 'bob').map(key), path: relay.path, payload: {} }).message);
    expect((await events()).find((e) => e.kind === 'onionmsg_drop')).toMatchObject({ node: 'bob', reason: 'payment_relay or payment_constraints in onion-message data' });
    expect(await hooks()).toEqual([]);
  });
});

describe('injectonionmessage: parameters and errors (digest §5)', () => {
  it('bad parameters are -32602 with CLN\'s reasons', async () => {
    const path = await makePath('alice', []);
    const m = messageInto(path, {}, 'alice');
    let e = await failure(rpc.call('injectonionmessage', { path_key: '02' + '00'.repeat(32), message: toHex(m.packet) }));
    expect(e.code).toBe(-32602);
    expect(e.message).toMatch(/^path_key: should be a compressed pubkey: invalid token/);
    e = await failure(rpc.call('injectonionmessage', { path_key: toHex(m.pathKey), message: 'xyz' }));
    expect(e.code).toBe(-32602);
    expect(e.message).toMatch(/^message: should be a hex value: invalid token/);
    e = await failure(rpc.call('injectonionmessage', { path_key: toHex(m.pathKey) }));
    expect(e.code).toBe(-32602);
    e = await failure(rpc.call('injectonionmessage', { path_key: toHex(m.pathKey), message: '00'.repeat(65536) }));
    expect(e).toMatchObject({ code: -32602, message: 'onion message too long' });
  });

  it('a packet our node cannot read fails with connectd\'s reason (-1)', async () => {
    const path = await makePath('alice', []);
    const m = messageInto(path, {}, 'alice');
    const bad = Uint8Array.from(m.packet);
    bad[0] = 1;
    expect(await failure(inject({ pathKey: m.pathKey, packet: bad }))).toMatchObject({ code: -1, message: "onion_message_parse: can't parse onionpacket: WIRE_INVALID_ONION_VERSION" });
    // The first hop must be us: a path key that is not ours for this packet fails the HMAC.
    const wrong = await failure(inject({ pathKey: key('bob'), packet: m.packet }));
    expect(wrong.code).toBe(-1);
    expect(wrong.message).toMatch(/^onion_message_parse: can't process onionpacket ss=[0-9a-f]{64}$/);
    expect(await hooks()).toEqual([]);
  });

  it('the next peer must be connected; connect fixes it (CLN connect result)', async () => {
    expect(graph.peers('payer')).not.toContain('dave');
    const path = await makePath('dave', []);
    // Our route payer → dave directly: dave is not a peer of ours.
    const m = buildOnionMessage({ route: [key('payer'), key('dave')], path: decodeBlindedPath(fromHex(path.blinded_path)), payload: { invoiceRequest: Uint8Array.of(5) } }).message;
    expect(await failure(inject(m))).toMatchObject({ code: -1, message: `onion msg: unknown next peer ${ids.dave}` });
    expect(await hooks()).toEqual([]);
    const c = await rpc.call('connect', { id: ids.dave });
    expect(c).toEqual({ id: ids.dave, features: '88a0800a0a69a2', direction: 'out', address: { type: 'ipv4', address: '127.0.0.1', port: 9739 } });
    // Again through the node client's typed methods.
    expect(await rpc.connectPeer(ids.dave)).toEqual({ id: ids.dave, features: '88a0800a0a69a2', direction: 'out' });
    await rpc.injectonionmessage({ path_key: toHex(m.pathKey), message: toHex(m.packet) });
    expect((await hooks())[0]).toMatchObject({ alias: 'dave', hook: 'onion_message_recv_secret' });
    expect(await failure(rpc.call('connect', { id: ids.payer }))).toMatchObject({ code: -32602, message: 'Connecting to myself is invalid' });
    expect(await failure(rpc.call('connect', { id: '02' + '11'.repeat(32) }))).toMatchObject({ code: 401 });
  });

  it('an offline peer is not connected; an unknown next scid is refused', async () => {
    const path = await makePath('bob', ['alice']);
    await rpc.call('dev-simnet-fault', { kind: 'offline', node: 'alice' });
    const e = await failure(inject(messageInto(path, {}, 'alice')));
    await rpc.call('dev-simnet-clear');
    expect(e).toMatchObject({ code: -1, message: `onion msg: unknown next peer ${ids.alice}` });
    // Our own hop names a channel that is not ours.
    const ours = buildBlindedPath([{ nodeId: key('payer'), data: { shortChannelId: { block: 999, txIndex: 1, outputIndex: 0 } } }, { nodeId: key('alice'), data: { pathId: new Uint8Array(32) } }]);
    const m = buildOnionMessage({ route: [key('payer')], path: ours.path, payload: {} }).message;
    expect(await failure(inject(m))).toMatchObject({ code: -1, message: 'onion msg: unknown next scid 999x1x0' });
    await events();
  });

  it('with onion messages off: -1 "experimental-onion-messages not enabled", and getinfo drops feature 39', async () => {
    const path = await makePath('alice', []);
    const m = messageInto(path, {}, 'alice');
    await rpc.call('dev-simnet-onionmessages', { node: 'payer', enabled: false });
    const info = (await rpc.call('getinfo')) as { our_features: { node: string } };
    const e = await failure(inject(m));
    await rpc.call('dev-simnet-onionmessages', { node: 'payer', enabled: true });
    expect(info.our_features.node).toBe('88a0000a0a69a2');
    expect(e).toMatchObject({ code: -1, message: 'experimental-onion-messages not enabled' });
    expect(((await rpc.call('getinfo')) as { our_features: { node: string } }).our_features.node).toBe('88a0800a0a69a2');
    // A node with them off drops what reaches it.
    await rpc.call('dev-simnet-onionmessages', { node: 'alice', enabled: false });
    await inject(m);
    await rpc.call('dev-simnet-onionmessages', { node: 'alice', enabled: true });
    expect(await hooks()).toEqual([]);
    expect((await events()).find((x) => x.kind === 'onionmsg_drop')).toMatchObject({ node: 'alice', reason: 'onion messages not enabled' });
  });
});

describe('rate limit (digest §2.1, opt-in)', () => {
  it('a peer may send 4 messages at once, the 5th within 250 ms is dropped with connectd\'s warning', async () => {
    const path = await makePath('alice', []);
    const hopOver = await makePath('bob', ['alice']);
    await events();
    await rpc.call('dev-simnet-onionmsg-ratelimit', { enabled: true });
    // The messenger's clock, frozen so the burst is one instant however slow the machine.
    let now = 1_000_000;
    messengerOf(sim.net).clock = () => now;
    try {
      // Each message goes payer → alice → bob: alice receives from the payer (rate limited), the first hop is injected (not limited).
      const msgs = [0, 1, 2, 3, 4].map((i) => messageInto(hopOver, { invoiceRequest: Uint8Array.of(i) }, 'alice'));
      await Promise.all(msgs.map(inject));
      const got = await hooks();
      const ev = await events();
      expect(got).toHaveLength(4);
      expect(ev.filter((e) => e.kind === 'onionmsg_drop')[0]).toMatchObject({ node: 'alice', from: 'payer', reason: 'Ratelimited onion_message: exceeded one per 250msec' });
      // A second later the bucket has refilled.
      now += 1000;
      await inject(messageInto(path, { invoice: Uint8Array.of(1) }, 'alice'));
      expect(await hooks()).toHaveLength(1);
    } finally {
      messengerOf(sim.net).clock = () => Date.now();
      await rpc.call('dev-simnet-onionmsg-ratelimit', { enabled: false });
      await events();
    }
  });
});

describe('listpeers and decryptencrypteddata (digest §5)', () => {
  it('listpeers: channel peers, then a connected node; the offline ones not connected', async () => {
    await rpc.call('dev-simnet-fault', { kind: 'offline', node: 'bob' });
    const { peers } = (await rpc.call('listpeers')) as { peers: { id: string; connected: boolean; num_channels: number; netaddr?: string[]; features?: string }[] };
    await rpc.call('dev-simnet-clear');
    const byId = new Map(peers.map((p) => [p.id, p]));
    expect(byId.get(ids.alice)).toEqual({ id: ids.alice, connected: true, num_channels: 1, netaddr: ['127.0.0.1:9736'], features: '88a0800a0a69a2' });
    expect(byId.get(ids.bob)).toEqual({ id: ids.bob, connected: false, num_channels: 1 });
    await rpc.call('connect', { id: ids.erin });
    const one = (await rpc.call('listpeers', { id: ids.erin })) as { peers: unknown[] };
    expect(one.peers).toEqual([{ id: ids.erin, connected: true, num_channels: 0, netaddr: ['127.0.0.1:9740'], features: '88a0800a0a69a2' }]);
  });

  it('decryptencrypteddata opens our hop of a path that starts at us; next_path_key opens the next hop', async () => {
    const path = await makePath('alice', ['payer']);
    const r = (await rpc.call('decryptencrypteddata', { encrypted_data: path.hops[0].encrypted_recipient_data, path_key: path.first_path_key })) as { decryptencrypteddata: { decrypted: string; next_path_key: string } };
    expect(toHex(decodeEncryptedData(fromHex(r.decryptencrypteddata.decrypted)).nextNodeId!)).toBe(ids.alice);
    const alice = sim.net.node('alice')!;
    const next = unblindHop(alice.secret, fromHex(r.decryptencrypteddata.next_path_key), fromHex(path.hops[1].encrypted_recipient_data));
    expect(toHex(next.data.pathId!)).toBe(path.path_id);
    const e = await failure(rpc.call('decryptencrypteddata', { encrypted_data: path.hops[1].encrypted_recipient_data, path_key: path.first_path_key }));
    expect(e).toMatchObject({ code: -32602, message: 'Decryption failed!' });
  });
});

describe('simnet onion messages: paths and messages built by the device', () => {
  // The payer's signer builds both: the recipient's path (blinded_path, only
  // the hops' public node ids needed) and the message into it (onion_message,
  // our route first, as injectonionmessage takes it). The host code peels it
  // with each node's key, then the simulated nodes forward it.
  const device = provisionedChip(sha256(new TextEncoder().encode('simnet onion messages device')));
  const secretOf = (alias: string) => sim.net.nodes.find((n) => n.alias === alias)!.secret;

  /** blinded_path on the device: next_node_id or short_channel_id per hop, a 32-byte path_id at the end. */
  function devicePath(walk: string[], pathId: Uint8Array, o: { scid: boolean[]; pad: boolean; pathSecret?: Uint8Array }): BlindedPath {
    const hops = walk.map((a, i) => {
      const next = walk[i + 1];
      const tlv = i === walk.length - 1
        ? rec(6, pathId)
        : o.scid[i] ? rec(2, scidBytes(graph.link(a, next).scid)) : rec(4, key(next));
      return { nodeId: key(a), tlv };
    });
    const path = decodeBlindedPath(device.call(P.MSG_BLINDED_PATH, encodeBlindedPathRequest({ hops, pad: o.pad, pathSecret: o.pathSecret })));
    expect(path.hops).toHaveLength(walk.length);
    return path;
  }

  /** onion_message on the device from the payer into `path` (introduction node `intro`), read out whole. */
  function deviceMessage(path: BlindedPath, intro: string, payload: Omit<OnionMessagePayload, 'encryptedRecipientData'>) {
    const ourRoute = graph.route('payer', intro).slice(0, -1).map(key);
    return onionMessageOf(device.call, { ourRoute, path, finalPayload: encodeOnionMessagePayload(payload) });
  }

  it('paths of 1–10 hops: the host code peels them hop by hop, the simulated nodes forward and deliver (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.constantFrom(...ALIASES),
        fc.array(fc.nat(7), { minLength: 9, maxLength: 9 }),
        fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
        fc.boolean(),
        fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => secp.utils.isValidSecretKey(k)), { nil: undefined }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 1, maxLength: 1500 }),
        async (len, start, choices, scid, pad, pathSecret, pathId, invoiceRequest) => {
          const walk = graph.walk(start, len, choices);
          const recipient = walk[len - 1];
          const path = devicePath(walk, pathId, { scid, pad, pathSecret });
          // The recipient knows the path_id as one it made (its signer made the path).
          await makePath(recipient, [], { path_id: toHex(pathId) });
          const msg = deviceMessage(path, walk[0], { invoiceRequest });
          // Large payloads need the 32834-byte packet.
          expect([1366, 32834]).toContain(msg.packet.length);
          // The host code peels it with each node's own key; no other node's key opens a hop.
          const route = graph.route('payer', walk[0]);
          const nodes = [...route.slice(0, -1), ...walk];
          let m = msg;
          for (let i = 0; i < nodes.length; i++) {
            const other = ALIASES.find((a) => a !== nodes[i])!;
            expect(peelOnionMessage(m, secretOf(other)).kind).toBe('drop');
            const step = peelOnionMessage(m, secretOf(nodes[i]));
            if (i === nodes.length - 1) {
              expect(step.kind).toBe('deliver');
              if (step.kind === 'deliver') {
                expect(toHex(step.pathId!)).toBe(toHex(pathId));
                expect(toHex(step.payload.invoiceRequest!)).toBe(toHex(invoiceRequest));
              }
            } else {
              if (step.kind !== 'forward') throw new Error(`hop ${i} (${nodes[i]}): ${step.kind === 'drop' ? step.reason : 'delivered early'}`);
              const j = i - (route.length - 1); // index inside the device's path, < 0 for our own hops
              if (j >= 0 && scid[j]) expect(formatScid(step.shortChannelId!)).toBe(graph.link(nodes[i], nodes[i + 1]).scid);
              else expect(toHex(step.nextNodeId!)).toBe(ids[nodes[i + 1]]);
              m = step.message;
            }
          }
          // The simulated network: every hop forwards in order, the recipient delivers.
          expect(await inject(msg)).toEqual({});
          const got = await hooks();
          expect(got).toHaveLength(1);
          expect(got[0]).toMatchObject({ alias: recipient, hook: 'onion_message_recv_secret', path_made_here: true });
          expect(got[0].payload.onion_message).toMatchObject({ pathsecret: toHex(pathId), invoice_request: toHex(invoiceRequest) });
          const ev = await events();
          expect(ev.filter((e) => e.kind === 'onionmsg_forward').map((e) => e.node)).toEqual(nodes.slice(0, -1));
          expect(ev.filter((e) => e.kind === 'onionmsg_drop')).toEqual([]);
        },
      ),
      { numRuns: 10 },
    );
  });

  it('tampered encrypted data and a wrong path key in a device-built message: dropped at that hop, never delivered', async () => {
    const pathId = sha256(new TextEncoder().encode('device tamper'));
    const walk = ['bob', 'carol', 'dave', 'erin'];
    await makePath('erin', [], { path_id: toHex(pathId) });
    await events();
    // Carol's data (hop 1) flipped: our hops and bob forward, carol drops.
    const p = devicePath(walk, pathId, { scid: [false, false, false], pad: true });
    p.hops[1].encryptedRecipientData[0] ^= 1;
    await inject(deviceMessage(p, 'bob', { invoiceRequest: Uint8Array.of(1) }));
    expect(await hooks()).toEqual([]);
    let ev = await events();
    expect(ev.filter((e) => e.kind === 'onionmsg_forward').map((e) => e.node)).toEqual([...graph.route('payer', 'bob').slice(0, -1), 'bob']);
    expect(ev.find((e) => e.kind === 'onionmsg_drop')).toMatchObject({ node: 'carol', reason: expect.stringMatching(/^onion_message_parse: invalid encrypted_recipient_data /) });
    // The final hop's data flipped: erin cannot decrypt it.
    const q = devicePath(walk, pathId, { scid: [true, true, true], pad: false });
    q.hops[3].encryptedRecipientData[5] ^= 1;
    await inject(deviceMessage(q, 'bob', { invoiceRequest: Uint8Array.of(2) }));
    expect(await hooks()).toEqual([]);
    expect((await events()).find((e) => e.kind === 'onionmsg_drop')).toMatchObject({ node: 'erin', reason: expect.stringMatching(/^onion_message_parse: failed to decrypt encrypted_recipient_data /) });
    // A wrong first_path_key (our override at the hop before bob): bob cannot peel.
    const r = devicePath(walk, pathId, { scid: [false, true, false], pad: false });
    r.firstPathKey = key('grace');
    await inject(deviceMessage(r, 'bob', { invoiceRequest: Uint8Array.of(3) }));
    expect(await hooks()).toEqual([]);
    ev = await events();
    expect(ev.find((e) => e.kind === 'onionmsg_drop')).toMatchObject({ node: 'bob', reason: expect.stringMatching(/^onion_message_parse: can't process onionpacket ss=/) });
  });
});
