// A Core Lightning plugin's side of the plugin protocol (digest §1): reads
// lightningd's requests and notifications from stdin, answers on stdout,
// one JSON object + "\n\n" each (§1.2), echoing lightningd's string ids
// verbatim (§1.3). It answers `getmanifest` from a PluginDefinition (§1.4),
// runs the definition's init on `init` (§1.5), dispatches hooks through a
// HookRegistry with CLN's nested replies (§1.7), passes subscribed
// notifications on (§1.8), sends log lines to lightningd as `log`
// notifications, and shuts down on the `shutdown` notification or on EOF on
// stdin (§1.9). Nothing but protocol messages is ever written to stdout.
import type { Readable, Writable } from 'node:stream';
import { BadParamError, badParamMessage, ErrorCode, RpcError } from '../rpc/errors.js';
import { frameError, frameRequest, frameResult, PluginFramingError, PluginMessageReader, type PluginMessage } from './framing.js';
import { HookRegistry, CONTINUE } from './hooks.js';
import type { InitParams, Manifest, ManifestHook, ManifestOption, ManifestRpcMethod, PluginLogLevel } from './protocol.js';

export interface PluginRpcMethod extends ManifestRpcMethod {
  /** `params` exactly as the user gave them (object or array). Throw RpcError for an error reply. */
  run(params: unknown): unknown | Promise<unknown>;
}

export interface PluginDefinition {
  options: ManifestOption[];
  rpcmethods: PluginRpcMethod[];
  hooks: ManifestHook[];
  /** Notification topics; `shutdown` is always added. */
  subscriptions: string[];
  featurebits?: Record<string, string>;
  /** `false`: lightningd cannot start or stop it at runtime (§1.4). */
  dynamic: boolean;
  /** Runs on `init`; return `{disable}` to have lightningd disable the plugin (§1.5). */
  init(params: InitParams, rt: PluginRuntime): Promise<void | { disable: string }>;
  /** A notification lightningd delivered (other than `shutdown`). */
  onNotification?(topic: string, params: Record<string, unknown>): void;
  /** Releases what init started; called once, on `shutdown`, EOF or a disable. */
  shutdown(): Promise<void>;
}

export interface RuntimeOptions {
  input: Readable;
  output: Writable;
  /** Where the plugin's own diagnostics go when lightningd cannot take them (stderr). */
  stderr?: (line: string) => void;
}

export class PluginRuntime {
  readonly hooks: HookRegistry;
  private readonly reader = new PluginMessageReader();
  private initialised = false;
  private stopping: Promise<number> | undefined;
  private finished!: (code: number) => void;
  private readonly done = new Promise<number>((r) => (this.finished = r));
  private readonly inFlight = new Set<Promise<void>>();
  private readonly methods: Map<string, PluginRpcMethod>;

  constructor(
    readonly def: PluginDefinition,
    private readonly io: RuntimeOptions,
  ) {
    this.methods = new Map(def.rpcmethods.map((m) => [m.name, m]));
    this.hooks = new HookRegistry(def.hooks.map((h) => h.name), {
      debug: (m) => this.log('debug', m),
      error: (m) => this.log('broken', m),
    });
  }

  /** The manifest answered to `getmanifest` (§1.4). */
  manifest(): Manifest {
    return {
      options: this.def.options,
      rpcmethods: this.def.rpcmethods.map(({ name, usage, description }) => ({ name, usage, description })),
      hooks: this.def.hooks,
      subscriptions: [...new Set([...this.def.subscriptions, 'shutdown'])],
      featurebits: this.def.featurebits,
      nonnumericids: true,
      dynamic: this.def.dynamic,
    };
  }

  /** Reads stdin until shutdown; resolves to the exit code. */
  run(): Promise<number> {
    const { input, output } = this.io;
    output.on('error', () => this.stop('stdout closed', 1));
    input.on('data', (chunk: Buffer) => {
      let msgs: PluginMessage[];
      try {
        msgs = this.reader.push(chunk);
      } catch (e) {
        this.diag(`bad input from lightningd: ${(e as PluginFramingError).message}`);
        void this.stop('bad input from lightningd', 1);
        return;
      }
      for (const m of msgs) this.track(this.onMessage(m));
    });
    // §1.9: lightningd drops a plugin by closing its pipes; EOF means go.
    input.on('end', () => void this.stop('stdin closed (lightningd went away)', 0));
    input.on('error', () => void this.stop('stdin error', 1));
    return this.done;
  }

  /**
   * A `log` notification to lightningd (§1.8: trace, debug, info, unusual or
   * warn, broken or error). Before the pipe is open, or after it closed, the
   * line goes to stderr.
   */
  log(level: PluginLogLevel, message: string): void {
    if (!this.send(frameRequest('log', { level, message }))) this.diag(`${level}: ${message}`);
  }

  /** A custom notification (its topic must be declared in the manifest). */
  notify(topic: string, params: Record<string, unknown>): void {
    this.send(frameRequest(topic, params));
  }

  /**
   * Stops once: no new requests, the ones running finish, def.shutdown()
   * releases the daemon, then run() resolves with `code`.
   */
  stop(why: string, code = 0): Promise<number> {
    this.stopping ??= (async () => {
      this.log('info', `shutting down: ${why}`);
      while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
      try {
        await this.def.shutdown();
      } catch (e) {
        this.diag(`error while stopping: ${(e as Error).message}`);
        code = code || 1;
      }
      this.finished(code);
      return code;
    })();
    return this.stopping;
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private send(text: string): boolean {
    const out = this.io.output;
    if (!out.writable || (out as { destroyed?: boolean }).destroyed) return false;
    out.write(text);
    return true;
  }

  private diag(line: string): void {
    (this.io.stderr ?? ((l: string) => process.stderr.write(`${l}\n`)))(`lnsigner-plugin: ${line}`);
  }

  private async onMessage(m: PluginMessage): Promise<void> {
    if (m.method === undefined) return; // a reply: we never send requests on stdout (§1.1)
    const params = (m.params ?? {}) as Record<string, unknown>;
    if (m.rawId === undefined) return this.onNotification(m.method, params);
    const id = m.rawId;
    if (this.stopping && m.method !== 'getmanifest') {
      // Hooks must always get a result (§1.7); commands get CLN's "shutting down".
      if (this.def.hooks.some((h) => h.name === m.method)) this.send(frameResult(id, CONTINUE));
      else this.send(frameError(id, { code: ErrorCode.SHUTTING_DOWN, message: 'lnsigner plugin is shutting down' }));
      return;
    }
    if (m.method === 'getmanifest') {
      this.send(frameResult(id, this.manifest()));
      return;
    }
    if (m.method === 'init') return this.onInit(id, params as unknown as InitParams);
    if (this.def.hooks.some((h) => h.name === m.method)) {
      // §1.7 / §8 item 1: always a `result`, itself an object holding `result`.
      const reply = this.initialised ? await this.hooks.dispatch(m.method, params, String(JSON.parse(id))) : CONTINUE;
      this.send(frameResult(id, reply));
      return;
    }
    const method = this.methods.get(m.method);
    if (!method) {
      this.send(frameError(id, { code: ErrorCode.METHOD_NOT_FOUND, message: `Unknown command '${m.method}'` }));
      return;
    }
    try {
      if (!this.initialised) throw new RpcError(ErrorCode.LIGHTNINGD, 'lnsigner plugin is not initialised yet');
      this.send(frameResult(id, await method.run(m.params ?? {})));
    } catch (e) {
      if (e instanceof RpcError) this.send(frameError(id, e.toJSON()));
      else if (e instanceof BadParamError) this.send(frameError(id, { code: ErrorCode.INVALID_PARAMS, message: badParamMessage(e, false) }));
      else {
        this.log('broken', `${m.method} failed: ${(e as Error)?.stack ?? String(e)}`);
        this.send(frameError(id, { code: ErrorCode.LIGHTNINGD, message: `Internal error: ${(e as Error)?.message ?? String(e)}` }));
      }
    }
  }

  private async onInit(id: string, params: InitParams): Promise<void> {
    let res: void | { disable: string };
    try {
      res = await this.def.init(params, this);
    } catch (e) {
      res = { disable: (e as Error)?.message ?? String(e) };
    }
    if (res && 'disable' in res) {
      // §1.5: `{"disable": why}`; lightningd then drops us (closes our pipes).
      this.send(frameResult(id, { disable: res.disable }));
      void this.stop(`disabled: ${res.disable}`, 0);
      return;
    }
    this.initialised = true;
    this.send(frameResult(id, {}));
  }

  private onNotification(topic: string, params: Record<string, unknown>): void {
    if (topic === 'shutdown') {
      void this.stop('lightningd is shutting down', 0);
      return;
    }
    try {
      this.def.onNotification?.(topic, params);
    } catch (e) {
      this.log('broken', `notification ${topic}: ${(e as Error)?.message ?? String(e)}`);
    }
  }
}
