// Payments into blinded paths on the simulated network, through its socket:
// the recipient makes a blinded payment path (dev-simnet-blinded-invoice: its
// hops' payment_relay from their channel policies, payment_constraints,
// aggregated payinfo, path_id = H(base ‖ payment_hash)); the payer builds the
// onion with host/blinding (clear hops, then the introduction node with
// current_path_key, inner hops, the final hop's amounts) and sends it with
// sendonion; every hop peels with its own key, blinded hops with their
// blinded key and the path_key of update_add_htlc. Failures are checked as
// waitsendpay reports them (erring_index, failcode, failcodename). Every
// case runs a second time with the onion built by the device (build_onion on
// the firmware in this process, device-derived session key, its spending
// policy counting the part), and the fast-check also with the recipient's
// path re-made on the device (blinded_path with the hops' own plaintexts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex as toHex, hexToBytes as fromHex } from '@noble/hashes/utils.js';
import { startSimnet, type RunningSimnet } from '../host/simnet/server.js';
import { LightningRpcClient, LightningRpcError } from '../host/node/client.js';
import {
  blindedPaymentRoute, buildBlindedPaymentOnion, buildBlindedPath, decodeBlindedPath, encodeBlindedPath, paymentPathData, unblindHop,
  type BlindedPaymentInput, type ClearHop,
} from '../host/blinding/index.js';
import { readBigSize } from '../host/bolt12/bigsize.js';
import * as P from '../shared/protocol.js';
import { decodeBuildOnionReply, decodePolicy, encodeBuildOnion } from '../host/device-client/requests.js';
import { encodeBlindedPathRequest } from '../host/device-client/blinding-requests.js';
import { provisionedChip } from './helpers/chip.js';
import { scidBytes } from '../host/payments/route.js';
import type { BlindedPath } from '../host/bolt12/subtypes.js';
import { Graph, failure } from './helpers/simnet-graph.js';

let dir: string;
let sim: RunningSimnet;
let rpc: LightningRpcClient;
let graph: Graph;
let height: number;
const ids: Record<string, string> = {};
/** The payer's signer. */
const device = provisionedChip(sha256(new TextEncoder().encode('simnet blinded payments device')));
type Builder = 'host' | 'device';
const CHAIN = ['payer', 'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'simnet-bp-'));
  sim = await startSimnet(dir, { nodes: 8, seed: 'simnet-blinding-payments' });
  rpc = new LightningRpcClient(sim.rpcFile, { timeoutMs: 20_000 });
  for (const n of sim.nodes) ids[n.alias] = n.id;
  graph = await Graph.load(rpc);
  height = (await rpc.getinfo()).blockheight;
});
afterAll(async () => {
  rpc.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

interface BlindedInvoice {
  payment_hash: string;
  amount_msat: number | bigint;
  path_id: string;
  blinded_path: string;
  payinfo: { fee_base_msat: number; fee_proportional_millionths: number; cltv_expiry_delta: number; htlc_minimum_msat: number | bigint };
  blinded_payinfo: string;
}
interface Ev { kind: string; node: string; reason?: string }

const blindedInvoice = (node: string, hops: string[], amount: bigint, extra: Record<string, unknown> = {}) =>
  rpc.call('dev-simnet-blinded-invoice', { node, hops, amount_msat: amount, ...extra }) as Promise<BlindedInvoice>;
const events = async () => ((await rpc.call('dev-simnet-events', { clear: true })) as { events: Ev[] }).events;

let sessionCounter = 0;

/**
 * Pays `inv` from the payer along the clear route `clear` (the nodes between
 * the payer and the introduction node) into its blinded path; `tweak` may
 * change the path or the payment hash the onion commits to.
 */
async function pay(inv: BlindedInvoice, clear: string[], intro: string, amount: bigint, tweak: { path?: (p: BlindedPath) => void; hash?: string; total?: bigint; partid?: bigint; groupid?: bigint; build?: Builder } = {}) {
  const path = decodeBlindedPath(fromHex(inv.blinded_path));
  tweak.path?.(path);
  const chain = ['payer', ...clear, intro];
  const clearHops: ClearHop[] = clear.map((n, i) => {
    const { scid, side } = graph.link(n, chain[i + 2]);
    return { nodeId: fromHex(ids[n]), shortChannelId: scidBytes(scid), feeBaseMsat: BigInt(side.fee_base_msat), feePpm: BigInt(side.fee_proportional_millionths), cltvExpiryDelta: side.cltv_expiry_delta };
  });
  const hash = tweak.hash ?? inv.payment_hash;
  const input: BlindedPaymentInput = { clearHops, path, payinfo: { feeBaseMsat: inv.payinfo.fee_base_msat, feeProportionalMillionths: inv.payinfo.fee_proportional_millionths, cltvExpiryDelta: inv.payinfo.cltv_expiry_delta }, amountMsat: amount, totalAmountMsat: tweak.total, finalCltv: height + 1 };
  const built = tweak.build === 'device' ? deviceOnion(input, fromHex(hash)) : buildBlindedPaymentOnion(input, fromHex(hash), sha256(new TextEncoder().encode(`blinded session ${sessionCounter++}`)));
  const first = graph.link('payer', chain[1]);
  await rpc.sendonion({
    onion: toHex(built.onion),
    first_hop: { id: ids[chain[1]], amount_msat: built.firstAmountMsat, delay: built.firstCltv - height - 1, channel: first.scid },
    payment_hash: hash,
    shared_secrets: built.sharedSecrets.map(toHex),
    amount_msat: amount,
    partid: tweak.partid,
    groupid: tweak.groupid,
    total_amount_msat: tweak.total,
  });
  return { built, hash };
}

/**
 * The same payment with the onion built by the device: the host lays out the
 * hop payloads (blindedPaymentRoute), build_onion checks their blinded
 * shapes, counts the part in the spending policy and derives the session key.
 */
function deviceOnion(input: BlindedPaymentInput, paymentHash: Uint8Array) {
  const route = blindedPaymentRoute(input);
  // build_onion takes each payload without its BigSize length.
  const hops = route.hops.map((hp) => ({ pubkey: hp.pubkey, payload: hp.payload.subarray(readBigSize(hp.payload, 0).next) }));
  const spent = () => decodePolicy(device.call(P.MSG_GET_POLICY, new Uint8Array(0))).spentLast24hMsat;
  const before = spent();
  const reply = device.call(P.MSG_BUILD_ONION, encodeBuildOnion({ hops, paymentHash, firstHopAmountMsat: route.firstAmountMsat }));
  // The policy counts what is sent; the fee is that minus the final hop's amount.
  expect(spent() - before).toBe(route.firstAmountMsat);
  return { ...route, ...decodeBuildOnionReply(reply, hops.length) };
}

/**
 * `inv`'s path re-made on the device: each hop's plaintext (read here with
 * the simulated nodes' keys) blinded again by blinded_path, so the recipient
 * gets the same encrypted data under a device-derived path key.
 */
function deviceMadePath(inv: BlindedInvoice, hopAliases: string[]): BlindedInvoice {
  const path = decodeBlindedPath(fromHex(inv.blinded_path));
  let pathKey = path.firstPathKey;
  const tlvs = path.hops.map((hp, i) => {
    const u = unblindHop(secretOf(hopAliases[i]), pathKey, hp.encryptedRecipientData);
    pathKey = u.nextPathKey;
    return u.plaintext;
  });
  const made = device.call(P.MSG_BLINDED_PATH, encodeBlindedPathRequest({ hops: hopAliases.map((a, i) => ({ nodeId: fromHex(ids[a]), tlv: tlvs[i] })) }));
  const again = decodeBlindedPath(made);
  expect(toHex(again.firstPathKey)).not.toBe(toHex(path.firstPathKey));
  return { ...inv, blinded_path: toHex(made) };
}
const secretOf = (alias: string) => sim.net.nodes.find((n) => n.alias === alias)!.secret;


describe('simnet: payments into blinded paths', () => {
  const builds: { build: Builder; devicePath: boolean; title: string }[] = [
    { build: 'host', devicePath: false, title: 'onion built by host/blinding' },
    { build: 'device', devicePath: false, title: 'onion built by the device' },
    { build: 'device', devicePath: true, title: 'path and onion built by the device' },
  ];
  it.each(builds)('1–4 blinded hops behind 0–3 clear hops settle; fees as the payinfo says (fast-check; $title)', async ({ build, devicePath }) => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.bigInt({ min: 1_000n, max: 50_000_000n }), async (c, b, amount) => {
        const clear = CHAIN.slice(1, 1 + c);
        const blinded = CHAIN.slice(1 + c, 1 + c + b);
        const recipient = blinded[b - 1];
        const made = await blindedInvoice(recipient, blinded.slice(0, -1), amount);
        const inv = devicePath ? deviceMadePath(made, blinded) : made;
        expect(inv.payinfo.cltv_expiry_delta).toBe(18 + blinded.slice(0, -1).reduce((s, n, i) => s + graph.link(n, blinded[i + 1]).side.cltv_expiry_delta, 0));
        const { built } = await pay(inv, clear, blinded[0], amount, { build });
        const done = await rpc.waitsendpay({ payment_hash: inv.payment_hash });
        expect(done.status).toBe('complete');
        expect(toHex(sha256(fromHex(done.payment_preimage!)))).toBe(inv.payment_hash);
        expect(done.amount_sent_msat).toBe(built.firstAmountMsat);
        // Each blinded hop forwarded with its blinded key; the recipient took it.
        const ev = await events();
        expect(ev.filter((e) => e.kind === 'htlc_blinded_forward').map((e) => e.node)).toEqual(blinded.slice(0, -1));
        expect(ev.filter((e) => e.kind === 'htlc_blinded_forward').map((e) => e.reason)).toEqual(blinded.slice(0, -1).map((_, i) => (i === 0 ? 'introduction' : 'inner')));
        expect(ev.find((e) => e.kind === 'htlc_blinded_receive')).toMatchObject({ node: recipient, reason: b === 1 ? 'introduction' : 'inner' });
        expect(ev.filter((e) => e.kind === 'htlc_blinded_fail')).toEqual([]);
      }),
      { numRuns: build === 'host' ? 16 : 10 },
    );
  });

  it('two parts into one blinded path settle together (total_amount_msat)', async () => {
    const inv = await blindedInvoice('dave', ['bob', 'carol'], 40_000n);
    await pay(inv, ['alice'], 'bob', 15_000n, { total: 40_000n, partid: 1n, groupid: 1n });
    await pay(inv, ['alice'], 'bob', 25_000n, { total: 40_000n, partid: 2n, groupid: 1n });
    const [p1, p2] = await Promise.all([rpc.waitsendpay({ payment_hash: inv.payment_hash, partid: 1n }), rpc.waitsendpay({ payment_hash: inv.payment_hash, partid: 2n })]);
    expect(p1.status).toBe('complete');
    expect(p2.payment_preimage).toBe(p1.payment_preimage);
    await events();
  });

  it('a path whose hops name the next node by next_node_id instead of short_channel_id', async () => {
    // The recipient's own path_id (for this hash), in a path the test builds with next_node_id.
    const inv = await blindedInvoice('dave', ['bob', 'carol'], 12_345n);
    const relay = (a: string, b: string) => {
      const { side } = graph.link(a, b);
      return { cltvExpiryDelta: side.cltv_expiry_delta, feeProportionalMillionths: side.fee_proportional_millionths, feeBaseMsat: Number(side.fee_base_msat) };
    };
    const data = paymentPathData({
      hops: [
        { nodeId: fromHex(ids.bob), shortChannelId: { block: 0, txIndex: 0, outputIndex: 0 }, relay: relay('bob', 'carol') },
        { nodeId: fromHex(ids.carol), shortChannelId: { block: 0, txIndex: 0, outputIndex: 0 }, relay: relay('carol', 'dave') },
      ],
      finalNodeId: fromHex(ids.dave),
      pathId: fromHex(inv.path_id),
      finalMaxCltvExpiry: height + 2000,
      minFinalCltvExpiryDelta: 18,
    });
    const hops = data.hops.map((h, i) => {
      if (i === data.hops.length - 1) return h;
      const { shortChannelId: _drop, ...rest } = h.data;
      return { nodeId: h.nodeId, data: { ...rest, nextNodeId: data.hops[i + 1].nodeId } };
    });
    const path = buildBlindedPath(hops).path;
    const mine = { ...inv, blinded_path: toHex(encodeBlindedPath(path)) };
    await events();
    await pay(mine, ['alice'], 'bob', 12_345n);
    expect((await rpc.waitsendpay({ payment_hash: inv.payment_hash })).status).toBe('complete');
    expect((await events()).filter((e) => e.kind === 'htlc_blinded_forward').map((e) => e.node)).toEqual(['bob', 'carol']);
  });

  it('underpaying: the recipient refuses, and the introduction node reports invalid_onion_blinding', async () => {
    const inv = await blindedInvoice('carol', ['alice', 'bob'], 20_000n);
    await events();
    await pay(inv, [], 'alice', 19_999n);
    const e = await failure(rpc.waitsendpay({ payment_hash: inv.payment_hash }));
    expect(e.paymentFailure).toMatchObject({ erring_index: 1, failcode: 0xc018, failcodename: 'WIRE_INVALID_ONION_BLINDING' });
    expect((await events()).filter((x) => x.kind === 'htlc_blinded_fail').map((x) => x.node)).toEqual(['carol', 'bob', 'alice']);
  });
});

describe('simnet: path_id of a payment path', () => {
  it('makesecret (CLN parameters); a node\'s path_id is H(makesecret("bolt12-invoice-base") ‖ payment_hash)', async () => {
    const base = (await rpc.call('makesecret', { string: 'bolt12-invoice-base' })) as { secret: string };
    expect(base.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(await rpc.call('makesecret', { hex: toHex(new TextEncoder().encode('bolt12-invoice-base')) })).toEqual(base);
    expect(await failure(rpc.call('makesecret', { hex: '00', string: 'x' }))).toMatchObject({ code: -32602, message: 'Cannot have both hex and string' });
    expect(await failure(rpc.call('makesecret', {}))).toMatchObject({ code: -32602, message: 'Must have either hex or string' });
    const inv = await blindedInvoice('payer', [], 1_000n);
    expect(inv.path_id).toBe(toHex(sha256(new Uint8Array([...fromHex(base.secret), ...fromHex(inv.payment_hash)]))));
  });

  it('a path_id and preimage a test registers settle the payment with that preimage', async () => {
    const preimage = sha256(new TextEncoder().encode('registered preimage'));
    const pathId = sha256(new TextEncoder().encode('registered path id'));
    const inv = await blindedInvoice('erin', ['carol', 'dave'], 7_000n, { preimage: toHex(preimage), path_id: toHex(pathId) });
    expect(inv.payment_hash).toBe(toHex(sha256(preimage)));
    expect(inv.path_id).toBe(toHex(pathId));
    await pay(inv, ['alice', 'bob'], 'carol', 7_000n);
    const done = await rpc.waitsendpay({ payment_hash: inv.payment_hash });
    expect(done.payment_preimage).toBe(toHex(preimage));
    expect(await failure(blindedInvoice('erin', [], 1n, { preimage: toHex(preimage) }))).toMatchObject({ code: -32602 });
    await events();
  });
});

describe.each(['host', 'device'] as const)('simnet: blinded payment failures at the right hop (onion built by the %s)', (build) => {
  const payBy = (...[inv, clear, intro, amount, tweak]: Parameters<typeof pay>) => pay(inv, clear, intro, amount, { ...tweak, build });
  const expectBlindingFailure = (e: LightningRpcError, erringIndex: number) => {
    expect(e.code).toBe(204);
    expect(e.message).toBe('failed: WIRE_INVALID_ONION_BLINDING (reply from remote)');
    expect(e.paymentFailure).toMatchObject({ erring_index: erringIndex, failcode: 0xc018, failcodename: 'WIRE_INVALID_ONION_BLINDING' });
    // §4.8: invalid_onion_blinding carries sha256_of_onion.
    expect(e.paymentFailure!.raw_message).toMatch(/^c018[0-9a-f]{64}$/);
  };

  it('tampered encrypted data at the introduction node: it fails (failure onion)', async () => {
    const inv = await blindedInvoice('erin', ['bob', 'carol', 'dave'], 30_000n);
    await events();
    await payBy(inv, ['alice'], 'bob', 30_000n, { path: (p) => void (p.hops[0].encryptedRecipientData[3] ^= 1) });
    expectBlindingFailure(await failure(rpc.waitsendpay({ payment_hash: inv.payment_hash })), 2);
    const ev = await events();
    expect(ev.filter((e) => e.kind === 'htlc_blinded_fail')).toEqual([{ kind: 'htlc_blinded_fail', node: 'bob', from: 'alice', reason: expect.stringMatching(/^introduction: decrypt_failed/) }]);
  });

  it('tampered encrypted data at an inner hop: it answers malformed, the introduction node converts', async () => {
    const inv = await blindedInvoice('erin', ['bob', 'carol', 'dave'], 30_000n);
    await events();
    await payBy(inv, ['alice'], 'bob', 30_000n, { path: (p) => void (p.hops[2].encryptedRecipientData[0] ^= 1) });
    expectBlindingFailure(await failure(rpc.waitsendpay({ payment_hash: inv.payment_hash })), 2);
    const fails = (await events()).filter((e) => e.kind === 'htlc_blinded_fail');
    // dave (hop 2) refuses; carol and bob pass the failure back as invalid_onion_blinding.
    expect(fails.map((e) => e.node)).toEqual(['dave', 'carol', 'bob']);
    expect(fails[0].reason).toMatch(/^inner: decrypt_failed/);
    expect(fails[1].reason).toBe('inner: downstream failure (malformed)');
    expect(fails[2].reason).toBe('introduction: downstream failure (malformed)');
  });

  it('a wrong path key: the introduction node cannot read its data', async () => {
    const inv = await blindedInvoice('dave', ['alice', 'bob', 'carol'], 10_000n);
    await events();
    await payBy(inv, [], 'alice', 10_000n, { path: (p) => void (p.firstPathKey = fromHex(ids.grace)) });
    expectBlindingFailure(await failure(rpc.waitsendpay({ payment_hash: inv.payment_hash })), 1);
    expect((await events()).filter((e) => e.kind === 'htlc_blinded_fail').map((e) => e.node)).toEqual(['alice']);
  });

  it('violated payment_constraints: amount below htlc_minimum_msat, cltv above max_cltv_expiry', async () => {
    const small = await blindedInvoice('dave', ['bob', 'carol'], 1_000n, { htlc_minimum_msat: 100_000n });
    await events();
    await payBy(small, ['alice'], 'bob', 1_000n);
    expectBlindingFailure(await failure(rpc.waitsendpay({ payment_hash: small.payment_hash })), 2);
    expect((await events()).find((e) => e.kind === 'htlc_blinded_fail')).toMatchObject({ node: 'bob', reason: 'introduction: amount below htlc_minimum_msat' });
    const soon = await blindedInvoice('dave', ['bob', 'carol'], 1_000n, { max_cltv_expiry: height + 5 });
    await payBy(soon, ['alice'], 'bob', 1_000n);
    expectBlindingFailure(await failure(rpc.waitsendpay({ payment_hash: soon.payment_hash })), 2);
    expect((await events()).find((e) => e.kind === 'htlc_blinded_fail')).toMatchObject({ node: 'bob', reason: 'introduction: cltv_expiry above max_cltv_expiry' });
  });

  it('a path_id made for another payment hash: the recipient refuses', async () => {
    const a = await blindedInvoice('carol', ['alice', 'bob'], 5_000n);
    const b = await blindedInvoice('carol', ['alice', 'bob'], 5_000n);
    await events();
    // b's onion commits to a's hash, but b's path_id was made for b's hash.
    await payBy(b, [], 'alice', 5_000n, { hash: a.payment_hash });
    expectBlindingFailure(await failure(rpc.waitsendpay({ payment_hash: a.payment_hash })), 1);
    const fails = (await events()).filter((e) => e.kind === 'htlc_blinded_fail');
    expect(fails[0]).toMatchObject({ node: 'carol', reason: 'inner: final failure 0x400f' });
  });

  it('a recipient that is its own introduction node fails with the final codes', async () => {
    const a = await blindedInvoice('bob', [], 5_000n);
    const b = await blindedInvoice('bob', [], 5_000n);
    await payBy(b, ['alice'], 'bob', 5_000n, { hash: a.payment_hash });
    const e = await failure(rpc.waitsendpay({ payment_hash: a.payment_hash }));
    expect(e.paymentFailure).toMatchObject({ erring_index: 2, failcode: 0x400f, failcodename: 'WIRE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS' });
    await events();
  });

  it('an offline hop inside the path: temporary failure hidden as invalid_onion_blinding', async () => {
    const inv = await blindedInvoice('erin', ['bob', 'carol', 'dave'], 30_000n);
    await rpc.call('dev-simnet-fault', { kind: 'offline', node: 'dave' });
    await events();
    await payBy(inv, ['alice'], 'bob', 30_000n);
    const e = await failure(rpc.waitsendpay({ payment_hash: inv.payment_hash }));
    await rpc.call('dev-simnet-clear');
    expectBlindingFailure(e, 2);
    const fails = (await events()).filter((x) => x.kind === 'htlc_blinded_fail');
    expect(fails.map((x) => [x.node, x.reason])).toEqual([['carol', 'inner: temporary channel failure'], ['bob', 'introduction: downstream failure (malformed)']]);
  });
});
