// Client for Core Lightning's JSON-RPC on its `lightning-rpc` unix socket
// (or the simnet's lightningd-compatible one). lightningd reads concatenated
// JSON objects and writes each response as one object followed by "\n\n";
// requests are tagged with ids and may be answered out of order. Error
// objects become LightningRpcError with CLN's code/message/data.
import { createConnection, type Socket } from 'node:net';
import { parseJson, toPlain } from '../rpc/json-scan.js';
import { toJsonText } from '../rpc/json-out.js';
import { JsonStreamSplitter } from '../rpc/stream-splitter.js';
import {
  decodeGetinfo,
  decodeGetroute,
  decodeGetroutes,
  decodeListpeerchannels,
  decodeListsendpays,
  decodePaymentFailure,
  decodeSendonion,
  decodeWaitsendpay,
  type GetinfoResult,
  type GetroutesRoute,
  type PaymentFailureData,
  type PeerChannel,
  type RouteHop,
  type SendpayPayment,
} from './types.js';

/** CLN error codes the pay path reports (common/jsonrpc_errors.h; cln-rpc-digest §1.20). */
export const PayErrorCode = {
  PAY_IN_PROGRESS: 200,
  PAY_RHASH_ALREADY_USED: 201,
  PAY_UNPARSEABLE_ONION: 202,
  PAY_DESTINATION_PERM_FAIL: 203,
  PAY_TRY_OTHER_ROUTE: 204,
  PAY_ROUTE_NOT_FOUND: 205,
  PAY_NO_SUCH_PAYMENT: 208,
} as const;

/** A JSON-RPC error object from lightningd. */
export class LightningRpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'LightningRpcError';
  }

  /** For 202/203/204: the payment and routing-failure fields of `data` (§5.6). */
  get paymentFailure(): PaymentFailureData | undefined {
    if (this.code < 202 || this.code > 204 || this.data === undefined) return undefined;
    try {
      return decodePaymentFailure(this.data);
    } catch {
      return undefined;
    }
  }
}

/** The socket closed, could not be reached, or a reply did not come in time. */
export class LightningTransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LightningTransportError';
  }
}

export interface LightningRpcClientOptions {
  /** Per-request time limit in ms (default 60 s). waitsendpay adds its own `timeout` to it. */
  timeoutMs?: number;
}

interface Pending {
  method: string;
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export interface SendonionParams {
  onion: string;
  first_hop: { id: string; amount_msat: bigint; delay: number; channel?: string };
  payment_hash: string;
  label?: string;
  shared_secrets?: string[];
  partid?: bigint;
  bolt11?: string;
  amount_msat?: bigint;
  destination?: string;
  localinvreqid?: string;
  groupid?: bigint;
  description?: string;
  total_amount_msat?: bigint;
}

export interface GetrouteParams {
  id: string;
  amount_msat: bigint;
  riskfactor: number;
  cltv?: number;
  fromid?: string;
  exclude?: string[];
  maxhops?: number;
}

export interface GetroutesParams {
  source: string;
  destination: string;
  amount_msat: bigint;
  layers: string[];
  maxfee_msat: bigint;
  final_cltv?: number;
  maxdelay?: number;
  maxparts?: number;
}

export interface ListsendpaysParams {
  bolt11?: string;
  payment_hash?: string;
  status?: 'pending' | 'complete' | 'failed';
}

const MAX_REPLY_BYTES = 64 << 20;

export class LightningRpcClient {
  private sock: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly timeoutMs: number;

  constructor(
    readonly rpcFile: string,
    opts: LightningRpcClientOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }

  /** Sends one request; resolves to its `result` (untyped). Throws LightningRpcError / LightningTransportError. */
  async call(method: string, params: Record<string, unknown> | unknown[] = {}, timeoutMs = this.timeoutMs): Promise<unknown> {
    const sock = await this.connect();
    const id = `lnsigner:${method}#${this.nextId++}`;
    const text = toJsonText({ jsonrpc: '2.0', id, method, params });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new LightningTransportError(`${method}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { method, resolve, reject, timer });
      sock.write(text);
    });
  }

  getinfo(): Promise<GetinfoResult> {
    return this.call('getinfo').then(decodeGetinfo);
  }

  /**
   * getroute (§1.18). Core Lightning v26.06 deprecated it: without deprecated
   * APIs it answers -32601 `Command "getroute" is deprecated`; then this
   * connection enables them (the `deprecations` command, v24.02+) and asks again.
   */
  async getroute(p: GetrouteParams): Promise<RouteHop[]> {
    try {
      return decodeGetroute(await this.call('getroute', { ...p })).route;
    } catch (e) {
      if (!(e instanceof LightningRpcError) || e.code !== -32601 || !/deprecated/.test(e.message)) throw e;
      await this.deprecations(true);
      return decodeGetroute(await this.call('getroute', { ...p })).route;
    }
  }

  /** `deprecations {enable}`: deprecated APIs on (or off) for this connection (v24.02+). */
  async deprecations(enable: boolean): Promise<void> {
    await this.call('deprecations', { enable });
  }

  /** askrene's getroutes (v24.08+): one or several routes (parts) to `destination`. */
  async getroutes(p: GetroutesParams): Promise<{ probability_ppm: number; routes: GetroutesRoute[] }> {
    return decodeGetroutes(await this.call('getroutes', { ...p }));
  }

  async sendonion(p: SendonionParams): Promise<SendpayPayment> {
    return decodeSendonion(await this.call('sendonion', { ...p }));
  }

  /** Resolves to the complete payment; a failed one rejects with LightningRpcError 202/203/204 (see paymentFailure). */
  async waitsendpay(p: { payment_hash: string; timeout?: number; partid?: bigint; groupid?: bigint }): Promise<SendpayPayment> {
    const limit = p.timeout === undefined ? 2 ** 31 - 1 : this.timeoutMs + p.timeout * 1000;
    return decodeWaitsendpay(await this.call('waitsendpay', { ...p }, Math.min(limit, 2 ** 31 - 1)));
  }

  async listsendpays(p: ListsendpaysParams = {}): Promise<SendpayPayment[]> {
    return decodeListsendpays(await this.call('listsendpays', { ...p })).payments;
  }

  async listpeerchannels(p: { id?: string; short_channel_id?: string } = {}): Promise<PeerChannel[]> {
    return decodeListpeerchannels(await this.call('listpeerchannels', { ...p })).channels;
  }

  /**
   * injectonionmessage (CLN v24.11+, cln-offers-flow-digest §5): `path_key` and the
   * onion_message_packet (hex); our own node is the first hop. Resolves to {} once
   * our node has forwarded (or taken) it; refusals reject with code -1 and connectd's reason.
   */
  async injectonionmessage(p: { path_key: string; message: string }): Promise<void> {
    const r = await this.call('injectonionmessage', { ...p });
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new LightningTransportError('injectonionmessage: result is not an object');
  }

  /** The `connect` command: {id, features, direction, address} (CLN's shape). */
  async connectPeer(id: string): Promise<{ id: string; features: string; direction: string }> {
    const r = (await this.call('connect', { id })) as Record<string, unknown>;
    if (typeof r?.id !== 'string' || typeof r.features !== 'string' || (r.direction !== 'in' && r.direction !== 'out')) {
      throw new LightningTransportError('connect: result does not have id, features and direction');
    }
    return { id: r.id, features: r.features, direction: r.direction };
  }

  close(): void {
    this.sock?.destroy();
    this.sock = undefined;
    this.failAll(new LightningTransportError('client closed'));
  }

  private failAll(e: Error): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(e);
    }
  }

  private connect(): Promise<Socket> {
    if (this.sock && !this.sock.destroyed) return Promise.resolve(this.sock);
    if (this.connecting) return this.connecting;
    this.connecting = new Promise<Socket>((resolve, reject) => {
      const sock = createConnection(this.rpcFile);
      const splitter = new JsonStreamSplitter(MAX_REPLY_BYTES);
      sock.once('connect', () => {
        this.sock = sock;
        this.connecting = undefined;
        resolve(sock);
      });
      sock.on('error', (e) => {
        if (this.connecting) {
          this.connecting = undefined;
          reject(new LightningTransportError(`cannot connect to ${this.rpcFile}: ${e.message}`));
        }
      });
      sock.on('close', () => {
        if (this.sock === sock) this.sock = undefined;
        this.failAll(new LightningTransportError(`connection to ${this.rpcFile} closed`));
      });
      sock.on('data', (chunk: Buffer) => {
        for (const ev of splitter.push(chunk)) {
          if (ev.kind !== 'value') {
            sock.destroy();
            return;
          }
          this.onReply(Buffer.from(ev.bytes).toString('utf8'));
        }
      });
    });
    return this.connecting;
  }

  private onReply(text: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = toPlain(parseJson(text)) as Record<string, unknown>;
    } catch {
      return;
    }
    const id = typeof msg.id === 'string' ? msg.id : JSON.stringify(msg.id);
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (msg.error !== undefined) {
      const e = msg.error as { code?: unknown; message?: unknown; data?: unknown };
      p.reject(new LightningRpcError(p.method, typeof e.code === 'number' ? e.code : -1, String(e.message ?? ''), e.data));
    } else {
      p.resolve(msg.result);
    }
  }
}
