// JSON-RPC 2.0 over a unix socket, framed as lightningd frames it: requests
// are JSON objects concatenated on the stream (newlines optional), each
// response is one JSON object followed by "\n\n". Requests run concurrently
// (a slow device call does not hold up `listoffers`); responses are written
// as they complete, each tagged with its request's id.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { unlinkSync } from 'node:fs';
import { BadParamError, badParamMessage, ErrorCode, RpcError } from './errors.js';
import { cut } from './cut.js';
import { firstDuplicateKey, JsonSyntaxError, member, parseJson, rawText, type JsonNode } from './json-scan.js';
import { toJsonText } from './json-out.js';
import type { NotifyLevel, RpcMethod } from './method.js';
import { parseParams, req } from './params.js';
import { pBool } from './param-types.js';
import { JsonStreamSplitter } from './stream-splitter.js';

export interface RpcLog {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface RpcServerOptions<C> {
  methods: ReadonlyMap<string, RpcMethod<any, C>>;
  context: C;
  log: RpcLog;
  /** Echo offending tokens in parameter errors (CLN's developer mode). */
  developer?: boolean;
  /** Largest request accepted, in bytes. */
  maxRequestBytes?: number;
}

/** 1 MiB: far above any valid request of ours, small enough to bound memory per connection. */
export const DEFAULT_MAX_REQUEST_BYTES = 1 << 20;

/** Longest unix socket path (sun_path is 108 bytes with its NUL on Linux). */
export const MAX_SOCKET_PATH = 107;

type ErrorBody = { code: number; message: string; data?: unknown };

/** lightningd's built-in `notifications` command: `enable` (bool) for this connection. */
const NOTIFICATIONS_PARAMS = { enable: req(pBool) };
/** lightningd's built-in `deprecations` command (v24.02+): `enable` (bool) overrides
 *  allow-deprecated-apis for the later commands of this connection; result {}. */
const DEPRECATIONS_PARAMS = { enable: req(pBool) };

export class RpcServer<C> {
  private server: Server | undefined;
  private path: string | undefined;
  private readonly sockets = new Set<Socket>();
  /** Connections that enabled notifications (`{"method":"notifications","params":{"enable":true}}`). */
  private readonly notifying = new WeakSet<Socket>();
  /** Connections that enabled deprecated APIs (`deprecations {"enable":true}`). */
  private readonly deprecating = new WeakSet<Socket>();
  private readonly inFlight = new Set<Promise<void>>();
  private closing = false;
  private readonly maxRequestBytes: number;

  constructor(private readonly opts: RpcServerOptions<C>) {
    this.maxRequestBytes = opts.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  }

  /** Number of requests being processed now. */
  get busy(): number {
    return this.inFlight.size;
  }

  /**
   * Listens on `path`. Like lightningd: if something answers on the path,
   * another daemon is using it ("in use"); a leftover socket file nobody
   * answers on is removed first.
   */
  async listen(path: string): Promise<void> {
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) throw new Error(`rpc filename '${path}' too long`);
    if (await answers(path)) throw new Error(`rpc filename '${path}' in use`);
    try {
      unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const server = createServer((sock) => this.accept(sock));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.path = path;
  }

  /**
   * Stops accepting connections, lets the requests already running finish
   * (their results are still written), then closes every connection and
   * removes the socket file.
   */
  async close(): Promise<void> {
    this.closing = true;
    const server = this.server;
    this.server = undefined;
    const closed = server ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
    for (const s of this.sockets) s.end();
    for (const s of this.sockets) s.destroySoon();
    await closed;
    if (this.path) {
      try {
        unlinkSync(this.path);
      } catch {
        // already gone
      }
    }
  }

  private accept(sock: Socket): void {
    if (this.closing) {
      sock.destroy();
      return;
    }
    this.sockets.add(sock);
    const splitter = new JsonStreamSplitter(this.maxRequestBytes);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', (e) => this.opts.log.debug(`rpc connection error: ${e.message}`));
    sock.on('data', (chunk: Buffer) => {
      for (const ev of splitter.push(chunk)) {
        if (ev.kind === 'value') {
          this.track(this.handle(sock, ev.bytes));
          continue;
        }
        const why =
          ev.reason === 'too-large'
            ? `Request too large: more than ${this.maxRequestBytes} bytes without a complete JSON object`
            : `Invalid token in json input: '${preview(ev.bytes)}'`;
        this.reply(sock, 'null', { error: { code: ErrorCode.INVALID_REQUEST, message: why } });
        // lightningd half-closes after unparsable input: the stream cannot be resynchronised.
        sock.end();
      }
    });
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private reply(sock: Socket, id: string, body: { result: unknown } | { error: ErrorBody }): void {
    if (sock.destroyed || !sock.writable) return;
    const payload = 'result' in body ? `"result":${toJsonText(body.result)}` : `"error":${toJsonText(body.error)}`;
    sock.write(`{"jsonrpc":"2.0","id":${id},${payload}}\n\n`);
  }

  /**
   * A `message` notification for request `id` (lightningd's json_notify_fmt
   * shape: no top-level id; params.id is the request's id), written only if
   * the connection enabled notifications.
   */
  private notify(sock: Socket, id: string, level: NotifyLevel, message: string): void {
    if (!this.notifying.has(sock) || sock.destroyed || !sock.writable) return;
    sock.write(`{"jsonrpc":"2.0","method":"message","params":{"id":${id},"level":${toJsonText(level)},"message":${toJsonText(message)}}}\n\n`);
  }

  private async handle(sock: Socket, bytes: Uint8Array): Promise<void> {
    const { log } = this.opts;
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      this.reply(sock, 'null', { error: { code: ErrorCode.INVALID_REQUEST, message: 'Invalid UTF-8 in json input' } });
      return;
    }
    let req: JsonNode;
    try {
      req = parseJson(text);
    } catch (e) {
      const why = e instanceof JsonSyntaxError ? e.message : String(e);
      this.reply(sock, 'null', { error: { code: ErrorCode.INVALID_REQUEST, message: `Invalid token in json input: ${why}` } });
      sock.end();
      return;
    }
    const early = (message: string) =>
      this.reply(sock, 'null', { error: { code: ErrorCode.INVALID_REQUEST, message } });
    // The checks and messages of lightningd/jsonrpc.c parse_request, in its order.
    if (req.type !== 'object') return early('Expected {} for json command');
    const dup = firstDuplicateKey(req);
    if (dup !== undefined) return early(`duplicate json names: ${dup}`);
    const idTok = member(req, 'id');
    if (!idTok) return early('No id');
    if (idTok.type === 'object' || idTok.type === 'array') return early('Expected string/primitive for id');
    const jsonrpc = member(req, 'jsonrpc');
    if (!jsonrpc || jsonrpc.type !== 'string' || jsonrpc.value !== '2.0') {
      return early('jsonrpc: "2.0" must be specified in the request');
    }
    const id = rawText(idTok);
    const fail = (code: number, message: string, data?: unknown) =>
      this.reply(sock, id, { error: data === undefined ? { code, message } : { code, message, data } });
    const methodTok = member(req, 'method');
    const paramsTok = member(req, 'params');
    if (!methodTok || !paramsTok) return fail(ErrorCode.INVALID_REQUEST, methodTok ? 'No params' : 'No method');
    if (methodTok.type !== 'string') return fail(ErrorCode.INVALID_REQUEST, 'Expected string for method');
    const name = methodTok.value;
    if (name === 'notifications' && !this.opts.methods.has(name)) {
      // lightningd/jsonrpc.c json_notifications: per connection, result {}.
      try {
        const { values } = parseParams(NOTIFICATIONS_PARAMS, paramsTok);
        if (values.enable) this.notifying.add(sock);
        else this.notifying.delete(sock);
        return this.reply(sock, id, { result: {} });
      } catch (e) {
        if (e instanceof BadParamError) return fail(ErrorCode.INVALID_PARAMS, badParamMessage(e, this.opts.developer ?? false));
        if (e instanceof RpcError) return fail(e.code, e.message);
        throw e;
      }
    }
    if (name === 'deprecations' && !this.opts.methods.has(name)) {
      // lightningd/jsonrpc.c json_deprecations: per connection, result {}.
      try {
        const { values } = parseParams(DEPRECATIONS_PARAMS, paramsTok);
        if (values.enable) this.deprecating.add(sock);
        else this.deprecating.delete(sock);
        return this.reply(sock, id, { result: {} });
      } catch (e) {
        if (e instanceof BadParamError) return fail(ErrorCode.INVALID_PARAMS, badParamMessage(e, this.opts.developer ?? false));
        if (e instanceof RpcError) return fail(e.code, e.message);
        throw e;
      }
    }
    const method = this.opts.methods.get(name);
    if (!method) return fail(ErrorCode.METHOD_NOT_FOUND, `Unknown command '${name}'`);
    // A deprecated command (v26.06 getroute): -32601 unless this connection enabled deprecations.
    if (method.deprecated && !this.deprecating.has(sock)) return fail(ErrorCode.METHOD_NOT_FOUND, `Command "${name}" is deprecated`);
    if (this.closing) return fail(ErrorCode.SHUTTING_DOWN, 'lnsigner is shutting down');

    const started = process.hrtime.bigint();
    try {
      const args = method.rawParams ? ({ raw: paramsTok } as never) : parseParams(method.params, paramsTok);
      const notify = (message: string, level: NotifyLevel = 'info') => this.notify(sock, id, level, message);
      const result = await method.run(args, this.opts.context, { id, method: name, notify });
      this.reply(sock, id, { result });
      log.debug(`rpc ${name} id=${id} ok in ${elapsedMs(started)} ms`);
    } catch (e) {
      if (e instanceof BadParamError) {
        // A check inside the command (not the parameter's own parser) names
        // the parameter but not its token: take it from the request, so
        // --developer echoes the offending value there too.
        const err = e.token === undefined && !method.rawParams ? withToken(e, method.params, paramsTok) : e;
        // As CLN: the client sees NAME: REASON; the log also gets the token (cut).
        log.info(`Invalid parameter ${err.param} (${err.reason}): token '${cut(err.token ?? '')}'`);
        return fail(ErrorCode.INVALID_PARAMS, badParamMessage(err, this.opts.developer ?? false));
      }
      if (e instanceof RpcError) {
        log.debug(`rpc ${name} id=${id} failed ${e.code}: ${e.message}`);
        return fail(e.code, e.message, e.data);
      }
      log.error(`rpc ${name} id=${id} internal error: ${(e as Error)?.stack ?? String(e)}`);
      return fail(ErrorCode.LIGHTNINGD, `Internal error: ${(e as Error)?.message ?? String(e)}`);
    }
  }
}

/** `e` with the raw text of its parameter's token in `params`, when the request gave it. */
function withToken(e: BadParamError, table: Record<string, unknown>, params: JsonNode): BadParamError {
  let tok: JsonNode | undefined;
  if (params.type === 'object') tok = member(params, e.param);
  else if (params.type === 'array') {
    const i = Object.keys(table).indexOf(e.param);
    if (i >= 0) tok = params.items[i];
  }
  return tok === undefined || tok.type === 'null' ? e : new BadParamError(e.param, e.reason, rawText(tok));
}

const elapsedMs = (since: bigint) => Number((process.hrtime.bigint() - since) / 1000n) / 1000;

/** First bytes of unparsable input, shown printable-escaped in the error. */
function preview(bytes: Uint8Array): string {
  const s = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  return s.replace(/[^\x20-\x7e]|'/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`) + (bytes.length > 64 ? '...' : '');
}

/** Does a process accept connections on this unix socket path? */
export function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
