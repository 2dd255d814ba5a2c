// The simnet's lightningd-compatible JSON-RPC socket for the payer node,
// served with the daemon's own JSON-RPC server (host/rpc/): getinfo,
// getroute, sendonion, waitsendpay, listsendpays, listpeerchannels, plus the
// test-only dev-simnet-* controls (docs/host/simnet.md).
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { RpcServer, type RpcLog } from '../rpc/server.js';
import { defineMethod, type RpcMethod } from '../rpc/method.js';
import { bad, opt, optDef, req, usage, type ParamParser } from '../rpc/params.js';
import { pBool, pSha256, pString, pU32, pU64 } from '../rpc/param-types.js';
import { rawText, toPlain } from '../rpc/json-scan.js';
import { RpcError, ErrorCode } from '../rpc/errors.js';
import { parseAmountMsat } from '../grammar/msat.js';
import { Network, type FaultKind, type SimnetOptions } from './network.js';
import { SimLightningd, SIMNET_VERSION } from './lightningd.js';
import { PluginHost, type PluginOptionArg } from './plugin-host.js';
import { SimnetLog } from './log.js';
import { ONION_METHODS } from './onion-methods.js';
import { PAYER_METHODS } from './payer/methods.js';
import { MERCHANT_METHODS } from './merchant/methods.js';
import { messengerOf } from './onion-messages.js';
import { setHtlcHook } from './htlc-hook.js';

export const SIMNET_RPC_FILE = 'lightning-rpc';

// --- parameter parsers (CLN reason strings where CLN has the type) -------

/** CLN param_msat: a number, or a string in the amount grammar. */
const pMsat: ParamParser<bigint> = (tok, name) => {
  const text = tok.type === 'number' ? rawText(tok) : tok.type === 'string' ? tok.value : undefined;
  const v = text === undefined ? undefined : parseAmountMsat(text);
  return v ?? bad(name, 'should be a millisatoshi amount', tok);
};
/** CLN param_node_id: 33 bytes of hex. */
const pNodeId: ParamParser<string> = (tok, name) => {
  if (tok.type === 'string' && /^0[23][0-9a-fA-F]{64}$/.test(tok.value)) return tok.value.toLowerCase();
  return bad(name, 'should be a node id', tok);
};
const pHex: ParamParser<string> = (tok, name) => {
  if (tok.type === 'string' && /^([0-9a-fA-F]{2})+$/.test(tok.value)) return tok.value.toLowerCase();
  return bad(name, 'should be hex', tok);
};
const pScidDir: ParamParser<string> = (tok, name) => {
  if (tok.type === 'string' && /^\d+x\d+x\d+\/[01]$/.test(tok.value)) return tok.value;
  return bad(name, 'should be a short_channel_id_dir', tok);
};
const pScid: ParamParser<string> = (tok, name) => {
  if (tok.type === 'string' && /^\d+x\d+x\d+$/.test(tok.value)) return tok.value;
  return bad(name, 'should be a short_channel_id of form NxNxN', tok);
};
/** riskfactor: a decimal number (CLN param_millionths). */
const pDecimal: ParamParser<number> = (tok, name) => {
  const t = tok.type === 'number' ? rawText(tok) : tok.type === 'string' ? tok.value : '';
  if (!/^[0-9]+(\.[0-9]+)?$/.test(t)) return bad(name, 'should be a non-negative floating-point number', tok);
  return Number(t);
};
const pSecretArray: ParamParser<string[]> = (tok, name) => {
  if (tok.type !== 'array') return bad(name, 'should be an array', tok);
  return tok.items.map((t) => (t.type === 'string' && /^[0-9a-fA-F]{64}$/.test(t.value) ? t.value.toLowerCase() : bad(name, 'should be an array of 32-byte hex secrets', tok)));
};
const pStringArray: ParamParser<string[]> = (tok, name) => {
  if (tok.type !== 'array') return bad(name, 'should be an array', tok);
  return tok.items.map((t) => (t.type === 'string' ? t.value : bad(name, 'should be an array of strings', tok)));
};

interface FirstHop { id?: string; channel?: string; amountMsat: bigint; delay: number }
/** §6 first_hop: id, amount_msat, delay (≥ 1), optional channel; other members ignored. */
const pFirstHop: ParamParser<FirstHop> = (tok, name) => {
  if (tok.type !== 'object') return bad(name, 'should be an object', tok);
  const m = (k: string) => tok.members.find((x) => x.key.value === k)?.value;
  const id = m('id');
  const channel = m('channel');
  const amount = m('amount_msat');
  const delay = m('delay');
  if (!amount) throw new RpcError(ErrorCode.INVALID_PARAMS, 'first_hop: missing amount_msat');
  if (!delay) throw new RpcError(ErrorCode.INVALID_PARAMS, 'first_hop: missing delay');
  return {
    id: id ? pNodeId(id, `${name}.id`) : undefined,
    channel: channel ? pScid(channel, `${name}.channel`) : undefined,
    amountMsat: pMsat(amount, `${name}.amount_msat`),
    delay: pU32(delay, `${name}.delay`),
  };
};

const FAULT_KINDS: readonly FaultKind[] = ['no_liquidity', 'offline', 'wrong_secret', 'expiry_too_soon', 'corrupt_onion'];
const pObject: ParamParser<Record<string, unknown>> = (tok, name) => {
  if (tok.type !== 'object') return bad(name, 'should be an object', tok);
  return toPlain(tok) as Record<string, unknown>;
};

const pFaultKind: ParamParser<FaultKind> = (tok, name) => {
  if (tok.type === 'string' && (FAULT_KINDS as readonly string[]).includes(tok.value)) return tok.value as FaultKind;
  return bad(name, `should be one of ${FAULT_KINDS.join(', ')}`, tok);
};

// --- methods -----------------------------------------------------------------

export interface SimnetContext {
  net: Network;
  ld: SimLightningd;
  /** The plugins of the first node (the node whose socket this is), when --plugin was given. */
  plugins?: PluginHost;
}

type M = RpcMethod<any, SimnetContext>;

const nodeRef = (net: Network, ref: string | undefined, what: string) => {
  if (ref === undefined) return undefined;
  const n = net.node(ref);
  if (!n) throw new RpcError(ErrorCode.INVALID_PARAMS, `${what}: unknown node ${ref}`);
  return n.index;
};

export const SIMNET_METHODS: M[] = [
  defineMethod({
    name: 'getinfo',
    summary: 'The payer node: id, alias, channel counts, blockheight, network',
    params: {},
    run: (_a, ctx: SimnetContext) => ctx.ld.getinfo(),
  }),
  defineMethod({
    name: 'listpeerchannels',
    summary: "The payer's channels",
    params: { id: opt(pNodeId), short_channel_id: opt(pScid) },
    run: ({ values }, ctx: SimnetContext) => ctx.ld.listpeerchannels(values.id, values.short_channel_id),
  }),
  defineMethod({
    name: 'getroute',
    summary: 'Cheapest route to a node (cln-rpc-digest §1.18); deprecated as in v26.06: needs `deprecations {enable:true}` on the connection',
    // v26.06 (cln-v26.06-payflow.json): -32601 `Command "getroute" is deprecated` unless the connection enabled deprecations.
    deprecated: true,
    params: {
      id: req(pNodeId),
      amount_msat: req(pMsat),
      riskfactor: req(pDecimal),
      cltv: optDef(pU32, 9),
      fromid: opt(pNodeId),
      fuzzpercent: opt(pDecimal),
      exclude: optDef(pStringArray, [] as string[]),
      maxhops: optDef(pU32, 20),
    },
    run: ({ values: v }, ctx: SimnetContext) =>
      ctx.ld.getroute({ id: v.id, amountMsat: v.amount_msat, riskfactor: v.riskfactor, cltv: v.cltv, fromid: v.fromid, exclude: v.exclude, maxhops: v.maxhops }),
  }),
  defineMethod({
    name: 'getroutes',
    summary: "Routes (one or several parts) from source to destination on gossip plus layers (askrene's getroutes, v26.06 shape)",
    params: {
      source: req(pNodeId),
      destination: req(pNodeId),
      amount_msat: req(pMsat),
      layers: req(pStringArray),
      maxfee_msat: req(pMsat),
      final_cltv: optDef(pU32, 18),
      maxdelay: optDef(pU32, 2016),
      maxparts: optDef(pU32, 100),
    },
    run: ({ values: v }, ctx: SimnetContext) => {
      if (v.amount_msat === 0n) throw new RpcError(ErrorCode.INVALID_PARAMS, 'amount_msat: should be positive');
      return ctx.ld.getroutes({
        source: v.source, destination: v.destination, amountMsat: v.amount_msat, layers: v.layers, maxfeeMsat: v.maxfee_msat,
        finalCltv: v.final_cltv, maxdelay: v.maxdelay, maxparts: Math.max(1, v.maxparts),
      });
    },
  }),
  defineMethod({
    name: 'listchannels',
    summary: "Every channel direction from gossip (CLN's listchannels shape)",
    params: { short_channel_id: opt(pScid), source: opt(pNodeId), destination: opt(pNodeId) },
    run: ({ values: v }, ctx: SimnetContext) => ({
      channels: ctx.net.channels.flatMap((c) => [0, 1].map((d) => {
        const from = c.sides[d];
        const to = c.sides[1 - d];
        return {
          source: ctx.net.nodes[from.node].id,
          destination: ctx.net.nodes[to.node].id,
          short_channel_id: c.scid,
          direction: d,
          public: true,
          amount_msat: c.capacityMsat,
          message_flags: 1,
          channel_flags: d,
          active: true,
          last_update: 1700000000,
          base_fee_millisatoshi: Number(from.feeBaseMsat),
          fee_per_millionth: Number(from.feePpm),
          delay: from.cltvDelta,
          htlc_minimum_msat: from.htlcMinMsat,
          htlc_maximum_msat: from.htlcMaxMsat,
          features: '',
        };
      })).filter((x) => (v.short_channel_id === undefined || x.short_channel_id === v.short_channel_id)
        && (v.source === undefined || x.source === v.source) && (v.destination === undefined || x.destination === v.destination)),
    }),
  }),
  defineMethod({
    name: 'askrene-create-layer',
    summary: 'Create an askrene layer (getroutes `layers`)',
    params: { layer: req(pString()), persistent: optDef(pBool, false) },
    run: ({ values: v }, ctx: SimnetContext) => ctx.ld.createLayer(v.layer),
  }),
  defineMethod({
    name: 'askrene-remove-layer',
    summary: 'Remove an askrene layer',
    params: { layer: req(pString()) },
    run: ({ values: v }, ctx: SimnetContext) => ctx.ld.removeLayer(v.layer),
  }),
  defineMethod({
    name: 'askrene-update-channel',
    summary: 'Disable (enabled=false) or re-enable a channel direction in a layer',
    params: { layer: req(pString()), short_channel_id_dir: req(pScidDir), enabled: opt(pBool) },
    run: ({ values: v }, ctx: SimnetContext) => ctx.ld.updateLayerChannel(v.layer, v.short_channel_id_dir, v.enabled),
  }),
  defineMethod({
    name: 'askrene-disable-node',
    summary: 'Disable every channel of a node in a layer',
    params: { layer: req(pString()), node: req(pNodeId) },
    run: ({ values: v }, ctx: SimnetContext) => ctx.ld.disableLayerNode(v.layer, v.node),
  }),
  defineMethod({
    name: 'sendonion',
    summary: 'Send a pre-built onion to the first peer (cln-rpc-digest §6)',
    params: {
      onion: req(pHex),
      first_hop: req(pFirstHop),
      payment_hash: req(pSha256),
      label: opt(pString()),
      shared_secrets: opt(pSecretArray),
      partid: optDef(pU64, 0n),
      bolt11: opt(pString(8192)),
      amount_msat: optDef(pMsat, 0n),
      destination: opt(pNodeId),
      localinvreqid: opt(pSha256),
      groupid: opt(pU64),
      description: opt(pString()),
      total_amount_msat: optDef(pMsat, 0n),
    },
    run: ({ values: v }, ctx: SimnetContext) =>
      ctx.ld.sendonion({
        onion: v.onion,
        firstHop: v.first_hop,
        paymentHash: v.payment_hash,
        label: v.label,
        sharedSecrets: v.shared_secrets,
        partid: v.partid,
        bolt11: v.bolt11,
        amountMsat: v.amount_msat,
        destination: v.destination,
        groupid: v.groupid,
        description: v.description,
        totalAmountMsat: v.total_amount_msat,
      }),
  }),
  defineMethod({
    name: 'waitsendpay',
    summary: 'Wait for a payment part to complete or fail (cln-rpc-digest §1.15)',
    params: { payment_hash: req(pSha256), timeout: opt(pU32), partid: optDef(pU64, 0n), groupid: opt(pU64) },
    run: ({ values: v }, ctx: SimnetContext) => ctx.ld.waitsendpay(v.payment_hash, v.timeout, v.partid, v.groupid),
  }),
  defineMethod({
    name: 'listsendpays',
    summary: 'Payment parts (cln-rpc-digest §1.16)',
    params: { bolt11: opt(pString(8192)), payment_hash: opt(pSha256), status: opt(pString()) },
    run: ({ values: v }, ctx: SimnetContext) => {
      if (v.bolt11 !== undefined && v.payment_hash !== undefined) throw new RpcError(ErrorCode.INVALID_PARAMS, 'Can only specify one of {bolt11} or {payment_hash}');
      if (v.status !== undefined && !['pending', 'complete', 'failed'].includes(v.status)) {
        throw new RpcError(ErrorCode.INVALID_PARAMS, 'status: should be an invoice status: invalid token (see logs for details)');
      }
      // The simnet has no bolt11 decoder: `bolt11` selects the payments sent with that exact string.
      if (v.bolt11 !== undefined) {
        const s = v.bolt11.toLowerCase().replace(/^lightning:/, '');
        const hit = ctx.ld.payments.find((p) => p.bolt11 === s || p.bolt12 === s);
        return hit ? ctx.ld.listsendpays(hit.paymentHash, undefined) : { payments: [] };
      }
      return ctx.ld.listsendpays(v.payment_hash, v.status);
    },
  }),
  // --- test-only controls -----------------------------------------------------
  defineMethod({
    name: 'dev-simnet-nodes',
    summary: 'All simulated nodes (id, alias, online)',
    params: {},
    run: (_a, ctx: SimnetContext) => ({ nodes: ctx.net.nodes.map((n) => ({ id: n.id, alias: n.alias, online: ctx.net.isOnline(n.index) })) }),
  }),
  defineMethod({
    name: 'dev-simnet-channels',
    summary: 'Every channel with both sides: balance and policy',
    params: {},
    run: (_a, ctx: SimnetContext) => ({
      channels: ctx.net.channels.map((c) => ({
        short_channel_id: c.scid,
        capacity_msat: c.capacityMsat,
        sides: c.sides.map((s, d) => ({
          direction: d,
          node_id: ctx.net.nodes[s.node].id,
          alias: ctx.net.nodes[s.node].alias,
          balance_msat: s.balanceMsat,
          fee_base_msat: s.feeBaseMsat,
          fee_proportional_millionths: Number(s.feePpm),
          cltv_expiry_delta: s.cltvDelta,
          htlc_minimum_msat: s.htlcMinMsat,
          htlc_maximum_msat: s.htlcMaxMsat,
        })),
      })),
    }),
  }),
  defineMethod({
    name: 'dev-simnet-invoice',
    summary: 'Create an invoice on a simulated node: payment_hash, payment_secret, …',
    params: { node: req(pString()), amount_msat: req(pMsat), description: optDef(pString(), ''), min_final_cltv_expiry: optDef(pU32, 18) },
    run: ({ values: v }, ctx: SimnetContext) => {
      const node = nodeRef(ctx.net, v.node, 'node')!;
      if (v.amount_msat === 0n) throw new RpcError(ErrorCode.INVALID_PARAMS, 'amount_msat: should be positive');
      const inv = ctx.net.createInvoice(node, v.amount_msat, v.description, v.min_final_cltv_expiry);
      return {
        payment_hash: inv.paymentHash,
        payment_secret: inv.paymentSecret,
        destination: ctx.net.nodes[node].id,
        amount_msat: inv.amountMsat,
        description: inv.description,
        min_final_cltv_expiry: inv.minFinalCltvExpiry,
        created_at: inv.createdAt,
      };
    },
  }),
  defineMethod({
    name: 'dev-simnet-fault',
    summary: 'Inject a fault: no_liquidity (channel [node]), offline, wrong_secret, expiry_too_soon, corrupt_onion (node)',
    params: { kind: req(pFaultKind), node: opt(pString()), channel: opt(pScid) },
    run: ({ values: v }, ctx: SimnetContext) => {
      const node = nodeRef(ctx.net, v.node, 'node');
      if (v.kind === 'no_liquidity') {
        if (v.channel === undefined || !ctx.net.channel(v.channel)) throw new RpcError(ErrorCode.INVALID_PARAMS, 'no_liquidity needs an existing channel');
        if (node !== undefined && Network.dirFrom(ctx.net.channel(v.channel)!, node) < 0) throw new RpcError(ErrorCode.INVALID_PARAMS, 'node is not on that channel');
      } else if (node === undefined) {
        throw new RpcError(ErrorCode.INVALID_PARAMS, `${v.kind} needs a node`);
      }
      ctx.net.addFault({ kind: v.kind, node, channel: v.channel });
      return { faults: faultsJson(ctx) };
    },
  }),
  defineMethod({
    name: 'dev-simnet-clear',
    summary: 'Remove every injected fault',
    params: {},
    run: (_a, ctx: SimnetContext) => {
      ctx.net.clearFaults();
      return { faults: [] };
    },
  }),
  defineMethod({
    name: 'dev-simnet-hook',
    summary: "Run a plugin hook on a node through its plugin chain: {result, calls:[{plugin, result|died}]}",
    params: { node: req(pString()), hook: req(pString()), payload: req(pObject) },
    run: ({ values: v }, ctx: SimnetContext) => {
      const node = nodeRef(ctx.net, v.node, 'node')!;
      // Plugins run on the first node only; the others have none (every event continues).
      if (node !== ctx.ld.me) return { result: { result: 'continue' }, calls: [] };
      return ctx.ld.callHook(v.hook, v.payload);
    },
  }),
  defineMethod({
    name: 'dev-simnet-notify',
    summary: 'Send a notification {topic: payload} to the plugins subscribed to topic',
    params: { topic: req(pString()), payload: optDef(pObject, {} as Record<string, unknown>) },
    run: ({ values: v }, ctx: SimnetContext) => {
      ctx.plugins?.notify(v.topic, v.payload);
      return {};
    },
  }),
  defineMethod({
    name: 'dev-simnet-plugins',
    summary: "The first node's plugins: name, path, state (starting/active/disabled/dead), reason, exit_code, signal",
    params: {},
    run: (_a, ctx: SimnetContext) => ({ plugins: ctx.plugins?.describe() ?? [] }),
  }),
  defineMethod({
    name: 'dev-simnet-mpp-expire',
    summary: 'Time out every incomplete multi-part set now (mpp_timeout)',
    params: {},
    run: async (_a, ctx: SimnetContext) => ({ expired: await ctx.net.expireMppSets() }),
  }),
];

// Onion messages, connect and blinded paths (host/simnet/onion-methods.ts).
SIMNET_METHODS.push(...ONION_METHODS);
// The simulated BOLT 12 payer (host/simnet/payer/): dev-simnet-fetchinvoice, dev-simnet-pay.
SIMNET_METHODS.push(...PAYER_METHODS);
SIMNET_METHODS.push(...MERCHANT_METHODS);

/**
 * lightningd's `help [command]`: {"help":[{command, category, description}],
 * "format-hint":"simple"}, one entry per method this socket answers (looked
 * up when called, so plugin methods registered later are listed too).
 */
export function helpMethod(methods: ReadonlyMap<string, RpcMethod<any, SimnetContext>>): M {
  return defineMethod({
    name: 'help',
    summary: 'List the methods of this socket (test ones included), or describe one',
    params: { command: opt(pString()) },
    run: ({ values }) => {
      const entry = (m: RpcMethod<any, SimnetContext>) => ({
        command: m.rawParams ? m.name : `${m.name}${Object.keys(m.params).length ? ` ${usage(m.params)}` : ''}`,
        category: m.name.startsWith('dev-') ? 'developer' : m.rawParams ? 'plugin' : 'simnet',
        description: m.summary,
      });
      if (values.command !== undefined) {
        const m = methods.get(values.command);
        if (!m) throw new RpcError(ErrorCode.METHOD_NOT_FOUND, `Unknown command ${values.command}`);
        return { help: [entry(m)], 'format-hint': 'simple' };
      }
      return { help: [...methods.values()].sort((a, b) => a.name.localeCompare(b.name)).map(entry), 'format-hint': 'simple' };
    },
  });
}

const faultsJson = (ctx: SimnetContext) =>
  ctx.net.listFaults().map((f) => ({ kind: f.kind, node: f.node === undefined ? undefined : ctx.net.nodes[f.node].id, channel: f.channel }));

export interface RunningSimnet {
  rpcFile: string;
  net: Network;
  ld: SimLightningd;
  plugins?: PluginHost;
  log: SimnetLog;
  nodes: { id: string; alias: string }[];
  close(): Promise<void>;
}

const quietLog: RpcLog = { debug() {}, info() {}, warn() {}, error: (m) => process.stderr.write(`lnsigner simnet: ${m}\n`) };

export interface SimnetPluginOptions {
  /** Executables started on the first node, in load order (`--plugin`). */
  paths: string[];
  /** `--plugin-option name[=value]`, in the order given. */
  options?: PluginOptionArg[];
  startupTimeoutMs?: number;
  shutdownTimeoutMs?: number;
}

/**
 * Builds the network and serves the payer's socket at <dataDir>/lightning-rpc;
 * with `plugins`, starts them on that node as lightningd would (plugin-host.ts)
 * once the socket accepts requests (§1.5: the RPC socket is up from init on).
 */
export async function startSimnet(dataDir: string, opts: SimnetOptions, log: RpcLog = quietLog, plugins?: SimnetPluginOptions): Promise<RunningSimnet> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const net = new Network(opts);
  const ld = new SimLightningd(net, dir);
  // Onion-message forwards, deliveries and drops are logged at debug level (host/simnet/onion-messages.ts).
  messengerOf(net).setLog((line) => log.debug(`onion messages: ${line}`));
  const simlog = new SimnetLog(dir, (line) => process.stderr.write(`lnsigner simnet: ${line}\n`));
  const methods = new Map<string, RpcMethod<any, SimnetContext>>(SIMNET_METHODS.map((m) => [m.name, m]));
  // `help` lists what this socket answers, test (dev-simnet-*) methods and plugins' included.
  methods.set('help', helpMethod(methods));
  const context: SimnetContext = { net, ld };
  const server = new RpcServer<SimnetContext>({ methods, context, log, developer: true });
  const rpcFile = join(dir, SIMNET_RPC_FILE);
  await server.listen(rpcFile);
  const close = async () => {
    await context.plugins?.shutdown();
    net.close();
    ld.shutdown();
    await server.close();
    simlog.close();
  };
  if (plugins && plugins.paths.length) {
    const info = ld.getinfo() as { our_features: Record<string, string> };
    context.plugins = new PluginHost({
      lightningDir: dir,
      rpcFile: SIMNET_RPC_FILE,
      network: 'regtest',
      developer: true,
      version: SIMNET_VERSION,
      featureSet: { ...info.our_features, bolt12_offer: '', bolt12_invreq: '', bolt12_invoice: '020000', channel_type: '' },
      log: simlog,
      methods,
      startupTimeoutMs: plugins.startupTimeoutMs,
      shutdownTimeoutMs: plugins.shutdownTimeoutMs,
    });
    ld.plugins = context.plugins;
    try {
      await context.plugins.start(plugins.paths, plugins.options ?? []);
    } catch (e) {
      await close();
      throw e;
    }
    // Onion messages that end at the plugins' node go through their hook
    // chain, as lightningd does (other nodes keep the recording sink).
    // HTLCs that end at that node run its htlc_accepted chain first (host/simnet/htlc-hook.ts).
    setHtlcHook(net, 0, (payload) => ld.callHook('htlc_accepted', payload), (level, line) => simlog.line(level, 'lightningd', line));
    const m = messengerOf(net);
    m.setHookSink({
      deliver: (node, hook, payload) =>
        node === 0 ? ld.callHook(hook, payload).catch((e) => log.warn(`${hook}: ${(e as Error).message}`)) : m.recorder.deliver(node, hook, payload),
    });
  }
  return {
    rpcFile,
    net,
    ld,
    plugins: context.plugins,
    log: simlog,
    nodes: net.nodes.map((n) => ({ id: n.id, alias: n.alias })),
    close,
  };
}
