// Typed results of the Core Lightning commands the daemon pays through
// (cln-rpc-digest §1.14–1.18, §5, §6), with strict decoders: a response that
// does not have the documented shape is an error, not a half-filled object.
// Amounts (`*_msat`) and u64 ids (groupid, partid) are bigint; indexes,
// heights and times are numbers.

export class ShapeError extends Error {
  constructor(path: string, why: string) {
    super(`${path}: ${why}`);
    this.name = 'ShapeError';
  }
}

type Obj = Record<string, unknown>;

function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ShapeError(path, 'expected an object');
  return v as Obj;
}
function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new ShapeError(path, 'expected an array');
  return v;
}
function str(o: Obj, k: string, path: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw new ShapeError(`${path}.${k}`, 'expected a string');
  return v;
}
const optStr = (o: Obj, k: string, path: string) => (o[k] === undefined ? undefined : str(o, k, path));
function hex(o: Obj, k: string, path: string, bytes?: number): string {
  const v = str(o, k, path);
  if (!/^([0-9a-f]{2})*$/.test(v) || (bytes !== undefined && v.length !== 2 * bytes)) {
    throw new ShapeError(`${path}.${k}`, bytes === undefined ? 'expected lower-case hex' : `expected ${bytes} bytes of hex`);
  }
  return v;
}
const optHex = (o: Obj, k: string, path: string, bytes?: number) => (o[k] === undefined ? undefined : hex(o, k, path, bytes));
const nodeId = (o: Obj, k: string, path: string) => {
  const v = hex(o, k, path, 33);
  if (!/^0[23]/.test(v)) throw new ShapeError(`${path}.${k}`, 'expected a compressed public key');
  return v;
};
function u64(o: Obj, k: string, path: string): bigint {
  const v = o[k];
  if (typeof v === 'bigint' && v >= 0n) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  throw new ShapeError(`${path}.${k}`, 'expected an unsigned integer');
}
const optU64 = (o: Obj, k: string, path: string) => (o[k] === undefined ? undefined : u64(o, k, path));
function int(o: Obj, k: string, path: string): number {
  const v = o[k];
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw new ShapeError(`${path}.${k}`, 'expected an unsigned integer');
}
const optInt = (o: Obj, k: string, path: string) => (o[k] === undefined ? undefined : int(o, k, path));
function bool(o: Obj, k: string, path: string): boolean {
  if (typeof o[k] !== 'boolean') throw new ShapeError(`${path}.${k}`, 'expected a boolean');
  return o[k] as boolean;
}
function scid(o: Obj, k: string, path: string): string {
  const v = str(o, k, path);
  if (!/^\d+x\d+x\d+$/.test(v)) throw new ShapeError(`${path}.${k}`, 'expected a short_channel_id BLOCKxTXxOUT');
  return v;
}

// ---------------------------------------------------------------------------
// getinfo

export interface GetinfoResult {
  id: string;
  alias?: string;
  color?: string;
  num_peers: number;
  num_pending_channels: number;
  num_active_channels: number;
  num_inactive_channels: number;
  version: string;
  blockheight: number;
  network: string;
  fees_collected_msat: bigint;
  'lightning-dir': string;
}

export function decodeGetinfo(v: unknown): GetinfoResult {
  const p = 'getinfo';
  const o = obj(v, p);
  return {
    id: nodeId(o, 'id', p),
    alias: optStr(o, 'alias', p),
    color: optHex(o, 'color', p, 3),
    num_peers: int(o, 'num_peers', p),
    num_pending_channels: int(o, 'num_pending_channels', p),
    num_active_channels: int(o, 'num_active_channels', p),
    num_inactive_channels: int(o, 'num_inactive_channels', p),
    version: str(o, 'version', p),
    blockheight: int(o, 'blockheight', p),
    network: str(o, 'network', p),
    fees_collected_msat: u64(o, 'fees_collected_msat', p),
    'lightning-dir': str(o, 'lightning-dir', p),
  };
}

// ---------------------------------------------------------------------------
// getroute (§1.18)

export interface RouteHop {
  id: string;
  channel: string;
  direction: 0 | 1;
  amount_msat: bigint;
  /** Cumulative CLTV delta relative to the current height. */
  delay: number;
  style: 'tlv';
}

export function decodeRouteHop(v: unknown, p: string): RouteHop {
  const o = obj(v, p);
  const direction = int(o, 'direction', p);
  if (direction !== 0 && direction !== 1) throw new ShapeError(`${p}.direction`, 'expected 0 or 1');
  if (o.style !== 'tlv') throw new ShapeError(`${p}.style`, 'expected "tlv"');
  return { id: nodeId(o, 'id', p), channel: scid(o, 'channel', p), direction, amount_msat: u64(o, 'amount_msat', p), delay: int(o, 'delay', p), style: 'tlv' };
}

export function decodeGetroute(v: unknown): { route: RouteHop[] } {
  const o = obj(v, 'getroute');
  return { route: arr(o.route, 'getroute.route').map((h, i) => decodeRouteHop(h, `getroute.route[${i}]`)) };
}

// ---------------------------------------------------------------------------
// getroutes (askrene, v24.08+; the v26.06 path shape of cln-v26.06-payflow.json)

export interface GetroutesHop {
  short_channel_id_dir: string;
  node_id_in: string;
  node_id_out: string;
  amount_in_msat: bigint;
  /** What node_id_out receives. */
  amount_out_msat: bigint;
  cltv_in: number;
  /** CLTV delta (relative to the current height) node_id_out receives. */
  cltv_out: number;
}

export interface GetroutesRoute {
  probability_ppm: number;
  amount_msat: bigint;
  final_cltv: number;
  path: GetroutesHop[];
}

export function decodeGetroutes(v: unknown): { probability_ppm: number; routes: GetroutesRoute[] } {
  const o = obj(v, 'getroutes');
  return {
    probability_ppm: int(o, 'probability_ppm', 'getroutes'),
    routes: arr(o.routes, 'getroutes.routes').map((r, i) => {
      const p = `getroutes.routes[${i}]`;
      const ro = obj(r, p);
      return {
        probability_ppm: int(ro, 'probability_ppm', p),
        amount_msat: u64(ro, 'amount_msat', p),
        final_cltv: int(ro, 'final_cltv', p),
        path: arr(ro.path, `${p}.path`).map((h, j) => {
          const q = `${p}.path[${j}]`;
          const ho = obj(h, q);
          const sd = str(ho, 'short_channel_id_dir', q);
          if (!/^\d+x\d+x\d+\/[01]$/.test(sd)) throw new ShapeError(`${q}.short_channel_id_dir`, 'expected BLOCKxTXxOUT/DIR');
          return {
            short_channel_id_dir: sd,
            node_id_in: nodeId(ho, 'node_id_in', q),
            node_id_out: nodeId(ho, 'node_id_out', q),
            amount_in_msat: u64(ho, 'amount_in_msat', q),
            amount_out_msat: u64(ho, 'amount_out_msat', q),
            cltv_in: int(ho, 'cltv_in', q),
            cltv_out: int(ho, 'cltv_out', q),
          };
        }),
      };
    }),
  };
}

// ---------------------------------------------------------------------------
// Payment objects: sendpay / sendonion / waitsendpay / listsendpays (§1.14–1.17)

export type PaymentStatus = 'pending' | 'complete' | 'failed';

export interface SendpayPayment {
  created_index: number;
  id: number;
  payment_hash: string;
  groupid: bigint;
  updated_index?: number;
  partid?: bigint;
  destination?: string;
  amount_msat?: bigint;
  amount_sent_msat: bigint;
  created_at: number;
  completed_at?: number;
  status: PaymentStatus;
  payment_preimage?: string;
  label?: string;
  bolt11?: string;
  bolt12?: string;
  description?: string;
  /** listsendpays: failed payments whose error onion could not be decoded. */
  erroronion?: string;
  /** sendpay / sendonion while pending: "Monitor status with listpays or waitsendpay". */
  message?: string;
}

export function decodePayment(v: unknown, p: string): SendpayPayment {
  const o = obj(v, p);
  const status = str(o, 'status', p);
  if (status !== 'pending' && status !== 'complete' && status !== 'failed') throw new ShapeError(`${p}.status`, 'expected pending, complete or failed');
  const pay: SendpayPayment = {
    created_index: int(o, 'created_index', p),
    id: int(o, 'id', p),
    payment_hash: hex(o, 'payment_hash', p, 32),
    groupid: u64(o, 'groupid', p),
    updated_index: optInt(o, 'updated_index', p),
    partid: optU64(o, 'partid', p),
    destination: o.destination === undefined ? undefined : nodeId(o, 'destination', p),
    amount_msat: optU64(o, 'amount_msat', p),
    amount_sent_msat: u64(o, 'amount_sent_msat', p),
    created_at: int(o, 'created_at', p),
    completed_at: optInt(o, 'completed_at', p),
    status,
    payment_preimage: optHex(o, 'payment_preimage', p, 32),
    label: optStr(o, 'label', p),
    bolt11: optStr(o, 'bolt11', p),
    bolt12: optStr(o, 'bolt12', p),
    description: optStr(o, 'description', p),
    erroronion: optHex(o, 'erroronion', p),
    message: optStr(o, 'message', p),
  };
  // A complete payment always carries its preimage (waitsendpay/listsendpays schemas).
  if (status === 'complete' && pay.payment_preimage === undefined) throw new ShapeError(`${p}.payment_preimage`, 'missing on a complete payment');
  if (pay.id !== pay.created_index) throw new ShapeError(`${p}.id`, 'differs from created_index');
  for (const k of Object.keys(pay) as (keyof SendpayPayment)[]) if (pay[k] === undefined) delete pay[k];
  return pay;
}

export const decodeSendonion = (v: unknown) => decodePayment(v, 'sendonion');
export const decodeWaitsendpay = (v: unknown) => {
  const p = decodePayment(v, 'waitsendpay');
  // §1.15: success is always a complete payment.
  if (p.status !== 'complete') throw new ShapeError('waitsendpay.status', 'a waitsendpay result is always complete');
  return p;
};
export function decodeListsendpays(v: unknown): { payments: SendpayPayment[] } {
  const o = obj(v, 'listsendpays');
  return { payments: arr(o.payments, 'listsendpays.payments').map((x, i) => decodePayment(x, `listsendpays.payments[${i}]`)) };
}

/** The `data` of a waitsendpay 202/203/204 error (§5.6): payment fields + routing failure. */
export interface PaymentFailureData {
  payment: SendpayPayment;
  erring_index?: number;
  failcode?: number;
  failcodename?: string;
  erring_node?: string;
  erring_channel?: string;
  erring_direction?: number;
  /** Hex of the whole decrypted failure message. */
  raw_message?: string;
  /** 202: the undecoded failure onion. */
  onionreply?: string;
}

export function decodePaymentFailure(v: unknown): PaymentFailureData {
  const p = 'error.data';
  const o = obj(v, p);
  const { erring_index, failcode, failcodename, erring_node, erring_channel, erring_direction, raw_message, onionreply, ...rest } = o;
  const out: PaymentFailureData = { payment: decodePayment(rest, p) };
  if (erring_index !== undefined) out.erring_index = int(o, 'erring_index', p);
  if (failcode !== undefined) out.failcode = int(o, 'failcode', p);
  if (failcodename !== undefined) out.failcodename = str(o, 'failcodename', p);
  if (erring_node !== undefined) out.erring_node = nodeId(o, 'erring_node', p);
  if (erring_channel !== undefined) out.erring_channel = scid(o, 'erring_channel', p);
  if (erring_direction !== undefined) out.erring_direction = int(o, 'erring_direction', p);
  if (raw_message !== undefined) out.raw_message = hex(o, 'raw_message', p);
  if (onionreply !== undefined) out.onionreply = hex(o, 'onionreply', p);
  return out;
}

// ---------------------------------------------------------------------------
// listpeerchannels

export interface PeerChannel {
  peer_id: string;
  peer_connected: boolean;
  state: string;
  short_channel_id?: string;
  direction?: 0 | 1;
  channel_id?: string;
  to_us_msat?: bigint;
  total_msat?: bigint;
  spendable_msat?: bigint;
  receivable_msat?: bigint;
  fee_base_msat?: bigint;
  fee_proportional_millionths?: number;
  minimum_htlc_out_msat?: bigint;
  maximum_htlc_out_msat?: bigint;
  /** updates.local.cltv_expiry_delta: the delta we charge when forwarding out of it. */
  cltv_expiry_delta?: number;
}

export function decodeListpeerchannels(v: unknown): { channels: PeerChannel[] } {
  const o = obj(v, 'listpeerchannels');
  return {
    channels: arr(o.channels, 'listpeerchannels.channels').map((x, i) => {
      const p = `listpeerchannels.channels[${i}]`;
      const c = obj(x, p);
      const direction = optInt(c, 'direction', p);
      if (direction !== undefined && direction !== 0 && direction !== 1) throw new ShapeError(`${p}.direction`, 'expected 0 or 1');
      const local = c.updates === undefined ? undefined : obj(obj(c.updates, `${p}.updates`).local, `${p}.updates.local`);
      const ch: PeerChannel = {
        peer_id: nodeId(c, 'peer_id', p),
        peer_connected: bool(c, 'peer_connected', p),
        state: str(c, 'state', p),
        short_channel_id: c.short_channel_id === undefined ? undefined : scid(c, 'short_channel_id', p),
        direction: direction as 0 | 1 | undefined,
        channel_id: optHex(c, 'channel_id', p, 32),
        to_us_msat: optU64(c, 'to_us_msat', p),
        total_msat: optU64(c, 'total_msat', p),
        spendable_msat: optU64(c, 'spendable_msat', p),
        receivable_msat: optU64(c, 'receivable_msat', p),
        fee_base_msat: optU64(c, 'fee_base_msat', p),
        fee_proportional_millionths: optInt(c, 'fee_proportional_millionths', p),
        minimum_htlc_out_msat: optU64(c, 'minimum_htlc_out_msat', p),
        maximum_htlc_out_msat: optU64(c, 'maximum_htlc_out_msat', p),
        cltv_expiry_delta: local === undefined ? undefined : optInt(local, 'cltv_expiry_delta', `${p}.updates.local`),
      };
      for (const k of Object.keys(ch) as (keyof PeerChannel)[]) if (ch[k] === undefined) delete ch[k];
      return ch;
    }),
  };
}
