// The simnet's RPC methods for onion messages and blinded paths
// (docs/host/simnet.md): injectonionmessage and connect as Core Lightning
// has them (cln-offers-flow-digest §5), and the test-only dev-simnet-*
// controls: making blinded paths (for messages and for payments), connecting
// two simulated nodes, switching onion messages off, and listing hook
// deliveries and events. Appended to SIMNET_METHODS by server.ts.
import { bytesToHex as toHex, hexToBytes as fromHex } from '@noble/hashes/utils.js';
import { defineMethod, type RpcMethod } from '../rpc/method.js';
import { bad, opt, optDef, req, type ParamParser } from '../rpc/params.js';
import { pBool, pPubkey, pString, pU32 } from '../rpc/param-types.js';
import { rawText } from '../rpc/json-scan.js';
import { RpcError, ErrorCode } from '../rpc/errors.js';
import { parseAmountMsat } from '../grammar/msat.js';
import { ValueWriter } from '../bolt12/wire.js';
import { writePayinfo } from '../bolt12/subtypes.js';
import { encodeBlindedPath } from '../blinding/path.js';
import { Network } from './network.js';
import { blindingKeys } from '../blinding/unblind.js';
import { nextPathKey, openRecipientData } from '../blinding/keys.js';
import type { SimnetContext } from './server.js';
import { blindedPathJson, messengerOf } from './onion-messages.js';
import { makeBlindedInvoice, makeSecret } from './blinded-forward.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** Core Lightning's connect errors (common/jsonrpc_errors.h). */
export const CONNECT_NO_KNOWN_ADDRESS = 401;
export const CONNECT_ALL_ADDRESSES_FAILED = 402;
/** connectd's injectonionmessage limit (digest §5). */
export const MAX_INJECTED_MESSAGE = 65535;
/** init/node feature bits the simnet nodes offer: CLN's set, with option_onion_messages (39) when it is on. */
export const FEATURES_NO_ONION_MESSAGES = '88a0000a0a69a2';
export const FEATURES_WITH_ONION_MESSAGES = '88a0800a0a69a2';

/** CLN param_bin_from_hex: "should be a hex value". */
const pBinHex: ParamParser<Uint8Array> = (tok, name) => {
  if (tok.type === 'string' && /^([0-9a-fA-F]{2})*$/.test(tok.value)) return fromHex(tok.value);
  return bad(name, 'should be a hex value', tok);
};
/** 32 bytes of hex (a preimage). */
const pSecret32: ParamParser<Uint8Array> = (tok, name) => {
  if (tok.type === 'string' && /^[0-9a-fA-F]{64}$/.test(tok.value)) return fromHex(tok.value);
  return bad(name, 'should be a 32 byte hex value', tok);
};
const pMsat: ParamParser<bigint> = (tok, name) => {
  const text = tok.type === 'number' ? rawText(tok) : tok.type === 'string' ? tok.value : undefined;
  const v = text === undefined ? undefined : parseAmountMsat(text);
  return v ?? bad(name, 'should be a millisatoshi amount', tok);
};
const pStringArray: ParamParser<string[]> = (tok, name) => {
  if (tok.type !== 'array') return bad(name, 'should be an array', tok);
  return tok.items.map((t) => (t.type === 'string' ? t.value : bad(name, 'should be an array of strings', tok)));
};

type M = RpcMethod<any, SimnetContext>;

const nodeIndex = (net: Network, ref: string, what: string): number => {
  const n = net.node(ref);
  if (!n) throw new RpcError(ErrorCode.INVALID_PARAMS, `${what}: unknown node ${ref}`);
  return n.index;
};

/** CLN connect result: {id, features, direction, address}. The simnet's nodes "listen" on 127.0.0.1:9735+index. */
function connectResult(net: Network, to: number): Record<string, unknown> {
  return {
    id: net.nodes[to].id,
    features: messengerOf(net).enabled(to) ? FEATURES_WITH_ONION_MESSAGES : FEATURES_NO_ONION_MESSAGES,
    direction: 'out',
    address: { type: 'ipv4', address: '127.0.0.1', port: 9735 + to },
  };
}

function doConnect(net: Network, from: number, idText: string): Record<string, unknown> {
  // CLN accepts id@host[:port]; the simnet knows every node's address itself.
  const id = idText.split('@')[0].toLowerCase();
  const me = net.nodes[from];
  if (id === me.id) throw new RpcError(ErrorCode.INVALID_PARAMS, 'Connecting to myself is invalid');
  const to = net.node(id);
  if (!to || !/^0[23][0-9a-f]{64}$/.test(id)) throw new RpcError(CONNECT_NO_KNOWN_ADDRESS, 'Unable to connect, no address known for peer');
  if (!net.isOnline(to.index) || !net.isOnline(from)) throw new RpcError(CONNECT_ALL_ADDRESSES_FAILED, `Unable to connect, all addresses failed: 127.0.0.1:${9735 + to.index}: Connection refused`);
  messengerOf(net).connect(from, to.index);
  return connectResult(net, to.index);
}

const payinfoJson = (p: ReturnType<typeof makeBlindedInvoice>['payinfo']) => ({
  fee_base_msat: p.feeBaseMsat,
  fee_proportional_millionths: p.feeProportionalMillionths,
  cltv_expiry_delta: p.cltvExpiryDelta,
  htlc_minimum_msat: p.htlcMinimumMsat,
  htlc_maximum_msat: p.htlcMaximumMsat,
  features: toHex(p.features),
});

export const ONION_METHODS: M[] = [
  defineMethod({
    name: 'injectonionmessage',
    summary: 'Process an onion message as if a peer had sent it to us (digest §5)',
    params: { path_key: req(pPubkey), message: req(pBinHex) },
    run: ({ values: v }, ctx: SimnetContext) => {
      const om = messengerOf(ctx.net);
      const me = ctx.ld.me;
      // lightningd: our node feature 38/39 must be on.
      if (!om.enabled(me)) throw new RpcError(ErrorCode.LIGHTNINGD, 'experimental-onion-messages not enabled');
      if (v.message.length > MAX_INJECTED_MESSAGE) throw new RpcError(ErrorCode.INVALID_PARAMS, 'onion message too long');
      // connectd processes it as received (first hop = us); any refusal is its reason, code -1.
      const err = om.inject(me, fromHex(v.path_key), v.message);
      if (err !== undefined) throw new RpcError(ErrorCode.LIGHTNINGD, err);
      return {};
    },
  }),
  defineMethod({
    name: 'connect',
    summary: 'Connect the payer to a simulated node (CLN result shape)',
    params: { id: req(pString(200)), host: opt(pString()), port: opt(pU32) },
    run: ({ values: v }, ctx: SimnetContext) => doConnect(ctx.net, ctx.ld.me, v.id),
  }),
  defineMethod({
    name: 'makesecret',
    summary: 'A secret derived from the node key and hex or string data (CLN makesecret)',
    params: { hex: opt(pBinHex), string: opt(pString()) },
    run: ({ values: v }, ctx: SimnetContext) => {
      if (v.string !== undefined && v.hex !== undefined) throw new RpcError(ErrorCode.INVALID_PARAMS, 'Cannot have both hex and string');
      if (v.string === undefined && v.hex === undefined) throw new RpcError(ErrorCode.INVALID_PARAMS, 'Must have either hex or string');
      const info = v.string !== undefined ? new TextEncoder().encode(v.string) : v.hex!;
      return { secret: toHex(makeSecret(ctx.net, ctx.ld.me, info)) };
    },
  }),
  defineMethod({
    name: 'listnodes',
    summary: 'Every simulated node as gossip shows it (CLN shape: nodeid, alias, features; all nodes are public)',
    params: { id: opt(pPubkey) },
    run: ({ values: v }, ctx: SimnetContext) => {
      const om = messengerOf(ctx.net);
      const nodes = ctx.net.nodes
        .filter((n) => v.id === undefined || n.id === v.id)
        .map((n) => ({ nodeid: n.id, alias: n.alias, features: om.enabled(n.index) ? FEATURES_WITH_ONION_MESSAGES : FEATURES_NO_ONION_MESSAGES }));
      return { nodes };
    },
  }),
  defineMethod({
    name: 'listpeers',
    summary: "The payer's peers: channel counterparties and connected nodes (CLN shape)",
    params: { id: opt(pPubkey), level: opt(pString()) },
    run: ({ values: v }, ctx: SimnetContext) => {
      const net = ctx.net;
      const me = ctx.ld.me;
      const om = messengerOf(net);
      const peers = net.nodes
        .filter((n) => n.index !== me && (om.linked(me, n.index) || net.channelsOf(me).some((c) => Network.dirFrom(c, n.index) >= 0)))
        .filter((n) => v.id === undefined || n.id === v.id)
        .map((n) => {
          const connected = om.connected(me, n.index);
          return {
            id: n.id,
            connected,
            num_channels: net.channelsOf(me).filter((c) => Network.dirFrom(c, n.index) >= 0).length,
            ...(connected ? { netaddr: [`127.0.0.1:${9735 + n.index}`], features: om.enabled(n.index) ? FEATURES_WITH_ONION_MESSAGES : FEATURES_NO_ONION_MESSAGES } : {}),
          };
        });
      return { peers };
    },
  }),
  defineMethod({
    name: 'decryptencrypteddata',
    summary: 'Decrypt encrypted_recipient_data addressed to us with a path key (digest §5; next_path_key ignores overrides)',
    params: { encrypted_data: req(pBinHex), path_key: req(pPubkey) },
    run: ({ values: v }, ctx: SimnetContext) => {
      const secret = ctx.net.nodes[ctx.ld.me].secret;
      const pathKey = fromHex(v.path_key);
      // ss = ECDH(path_key, our key); rho(ss); ChaCha20-Poly1305 open (no parsing: `decrypted` is the raw TLV).
      const keys = blindingKeys(secret, pathKey);
      const decrypted = openRecipientData(keys.rho, v.encrypted_data);
      if (!decrypted) throw new RpcError(ErrorCode.INVALID_PARAMS, 'Decryption failed!');
      // Always SHA256(E ‖ ss)·E, whatever next_path_key_override the data holds (the caller must check).
      return { decryptencrypteddata: { decrypted: toHex(decrypted), next_path_key: toHex(nextPathKey(pathKey, keys.sharedSecret)) } };
    },
  }),
  // --- test-only ---------------------------------------------------------------
  defineMethod({
    name: 'dev-simnet-connect',
    summary: 'Connect two simulated nodes (peers for onion messages)',
    params: { node: req(pString()), id: req(pString(200)) },
    run: ({ values: v }, ctx: SimnetContext) => doConnect(ctx.net, nodeIndex(ctx.net, v.node, 'node'), ctx.net.node(v.id)?.id ?? v.id),
  }),
  defineMethod({
    name: 'dev-simnet-onionmessages',
    summary: 'Switch onion-message support (feature 39) of a node on or off',
    params: { node: req(pString()), enabled: req(pBool) },
    run: ({ values: v }, ctx: SimnetContext) => {
      const n = nodeIndex(ctx.net, v.node, 'node');
      messengerOf(ctx.net).setEnabled(n, v.enabled);
      return { id: ctx.net.nodes[n].id, enabled: v.enabled };
    },
  }),
  defineMethod({
    name: 'dev-simnet-onionmsg-ratelimit',
    summary: "Switch connectd's per-peer onion-message rate limit (250 ms per message, 4 burst) on or off (default off)",
    params: { enabled: req(pBool) },
    run: ({ values: v }, ctx: SimnetContext) => {
      messengerOf(ctx.net).rateLimit = v.enabled;
      return { enabled: v.enabled };
    },
  }),
  defineMethod({
    name: 'dev-simnet-blindedpath',
    summary: 'A blinded path for onion messages to a node, through hops (introduction first), with a path_id secret',
    params: {
      node: req(pString()),
      hops: optDef(pStringArray, [] as string[]),
      path_id: opt(pBinHex),
      scid_hops: optDef(pBool, false),
      first_scid: optDef(pBool, false),
    },
    run: ({ values: v }, ctx: SimnetContext) => {
      const node = nodeIndex(ctx.net, v.node, 'node');
      const hops = v.hops.map((h: string) => nodeIndex(ctx.net, h, 'hops'));
      let made;
      try {
        made = messengerOf(ctx.net).makeMessagePath(node, hops, { pathId: v.path_id, scidHops: v.scid_hops, firstScid: v.first_scid });
      } catch (e) {
        if (e instanceof RangeError) throw new RpcError(ErrorCode.INVALID_PARAMS, e.message);
        throw e;
      }
      return {
        blinded_path: toHex(encodeBlindedPath(made.built.path)),
        path_id: toHex(made.pathId),
        ...blindedPathJson(made.built.path),
      };
    },
  }),
  defineMethod({
    name: 'dev-simnet-blinded-invoice',
    summary: 'An invoice of a node payable through a blinded payment path (introduction first); its path_id is H(base ‖ payment_hash)',
    params: {
      node: req(pString()),
      amount_msat: req(pMsat),
      hops: optDef(pStringArray, [] as string[]),
      description: optDef(pString(), ''),
      min_final_cltv_expiry: optDef(pU32, 18),
      htlc_minimum_msat: opt(pMsat),
      max_cltv_expiry: opt(pU32),
      preimage: opt(pSecret32),
      path_id: opt(pBinHex),
    },
    run: ({ values: v }, ctx: SimnetContext) => {
      const node = nodeIndex(ctx.net, v.node, 'node');
      const hops = v.hops.map((h: string) => nodeIndex(ctx.net, h, 'hops'));
      if (v.amount_msat === 0n) throw new RpcError(ErrorCode.INVALID_PARAMS, 'amount_msat: should be positive');
      if (v.preimage && ctx.net.invoices.has(toHex(sha256(v.preimage)))) throw new RpcError(ErrorCode.INVALID_PARAMS, 'preimage: an invoice with that payment_hash exists');
      let b;
      try {
        b = makeBlindedInvoice(ctx.net, node, hops, v.amount_msat, v.description, v.min_final_cltv_expiry, {
          htlcMinimumMsat: v.htlc_minimum_msat,
          maxCltvExpiry: v.max_cltv_expiry,
          preimage: v.preimage,
          pathId: v.path_id,
        });
      } catch (e) {
        if (e instanceof RangeError) throw new RpcError(ErrorCode.INVALID_PARAMS, e.message);
        throw e;
      }
      const w = new ValueWriter();
      writePayinfo(w, b.payinfo);
      return {
        payment_hash: b.invoice.paymentHash,
        destination: ctx.net.nodes[node].id,
        amount_msat: b.invoice.amountMsat,
        description: b.invoice.description,
        min_final_cltv_expiry: b.invoice.minFinalCltvExpiry,
        path_id: toHex(b.pathId),
        blinded_path: toHex(encodeBlindedPath(b.built.path)),
        payinfo: payinfoJson(b.payinfo),
        blinded_payinfo: toHex(w.finish()),
      };
    },
  }),
  defineMethod({
    name: 'dev-simnet-hooks',
    summary: 'Hook calls so far (waits until no onion message is travelling); clear=true empties the list',
    params: { clear: optDef(pBool, false) },
    run: async ({ values: v }, ctx: SimnetContext) => {
      const om = messengerOf(ctx.net);
      await om.settled();
      const deliveries = om.deliveries.map((d) => ({
        node: ctx.net.nodes[d.node].id,
        alias: ctx.net.nodes[d.node].alias,
        hook: d.hook,
        payload: d.payload,
        path_made_here: d.pathMadeHere,
      }));
      if (v.clear) om.deliveries.length = 0;
      return { deliveries };
    },
  }),
  defineMethod({
    name: 'dev-simnet-events',
    summary: 'Onion-message forwards, deliveries and drops, and blinded HTLC steps, with reasons (waits until messages settle)',
    params: { clear: optDef(pBool, false) },
    run: async ({ values: v }, ctx: SimnetContext) => {
      const om = messengerOf(ctx.net);
      await om.settled();
      await ctx.net.settled();
      const node = (i: number | undefined) => (i === undefined ? undefined : ctx.net.nodes[i].alias);
      const events = om.events.map((e) => ({ kind: e.kind, node: node(e.node), from: node(e.from), to: node(e.to), reason: e.reason }));
      if (v.clear) om.events.length = 0;
      return { events };
    },
  }),
];
