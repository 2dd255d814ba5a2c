// The simulated lightningd as a host of Core Lightning plugins (issue 11
// item 7, cln-offers-flow-digest §1–§2): spawns each plugin as lightningd
// does (argv [path] (+ --developer), LIGHTNINGD_PLUGIN=1, cwd lightning-dir),
// asks for its manifest, checks it, hands it its `--plugin-option` values,
// sends `init` with the node's configuration (its socket as `rpc-file`),
// chains hooks in registration order honouring `before`/`after`, forwards
// notifications, writes plugin `log` lines into the simnet log, adds the
// plugins' RPC methods to the node's socket (passthrough, §1.3), and shuts
// them down with the `shutdown` notification. A built-in stand-in for CLN's
// `offers` plugin registers the onion-message and invoice_payment hooks
// first and answers `continue`, so hook ordering is observable.
import type { PluginMessage } from '../plugin/framing.js';
import { HostedPlugin, PluginDied } from './hosted-plugin.js';
import type { InitConfiguration, ManifestOption } from '../plugin/protocol.js';
import { orderChain } from './hook-chain.js';
import { checkManifest, convertOption } from './plugin-manifest.js';
import { rawText, type JsonNode } from '../rpc/json-scan.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';
import type { RpcMethod } from '../rpc/method.js';
import { pluginLevel, type SimnetLog } from './log.js';

/** §1.5: 120 s for the manifest reply and again for the init reply. */
export const PLUGIN_STARTUP_TIMEOUT_MS = 120_000;
/** §1.9: subscribers of `shutdown` get 30 s to exit on their own. */
export const PLUGIN_SHUTDOWN_TIMEOUT_MS = 30_000;
/** lightningd's code for "plugin terminated" (§1.6). */
export const PLUGIN_TERMINATED = -4;

export type { PluginState } from './hosted-plugin.js';
export { HostedPlugin } from './hosted-plugin.js';

export interface HookCall {
  /** Plugin name (executable basename, or `offers` for the built-in stand-in). */
  plugin: string;
  /** Its reply's `result` object, or undefined when it died before answering. */
  result?: Record<string, unknown>;
  died?: boolean;
}

export interface HookOutcome {
  /** The answer lightningd acts on: the first non-`continue` reply, else `{"result":"continue"}`. */
  result: Record<string, unknown>;
  /** Every plugin asked, in chain order. */
  calls: HookCall[];
}

interface Registration {
  plugin: string;
  loadOrder: number;
  before: string[];
  after: string[];
  call(hook: string, payload: Record<string, unknown>): Promise<Record<string, unknown> | 'died'>;
}

export interface PluginHostOptions {
  lightningDir: string;
  /** The node socket's file name (relative to lightningDir), given to plugins as `rpc-file`. */
  rpcFile: string;
  network: string;
  developer: boolean;
  version: string;
  featureSet: Record<string, string>;
  log: SimnetLog;
  /** The node socket's method table; plugin methods are added to it. */
  methods: Map<string, RpcMethod<any, any>>;
  startupTimeoutMs?: number;
  shutdownTimeoutMs?: number;
}

/** `--plugin-option name[=value]`, as given. */
export type PluginOptionArg = [name: string, value: string | undefined];

export class PluginHost {
  readonly plugins: HostedPlugin[] = [];
  /** Set once shutdown() began: plugins exiting now are not crashes. */
  stopping = false;
  private counter = 0;
  private readonly builtin: Registration[] = [];
  private readonly registrations = new Map<string, Registration[]>();
  /** Hook calls the built-in `offers` stand-in answered, for tests. */
  readonly offersCalls: Array<{ hook: string; payload: Record<string, unknown> }> = [];

  constructor(readonly opts: PluginHostOptions) {
    // The stand-in for CLN's built-in `offers` plugin: registered with no
    // ordering (§7), loaded before any --plugin, always `continue`.
    for (const hook of ['onion_message_recv', 'onion_message_recv_secret', 'invoice_payment']) {
      this.addRegistration(hook, {
        plugin: 'offers', loadOrder: -1, before: [], after: [],
        call: async (h, payload) => {
          this.offersCalls.push({ hook: h, payload });
          return { result: 'continue' };
        },
      });
    }
  }

  get log(): SimnetLog {
    return this.opts.log;
  }

  nextId(): number {
    return ++this.counter;
  }

  /** Starts every plugin as lightningd does at start-up; resolves once each is active, disabled or dead. */
  async start(paths: string[], options: PluginOptionArg[]): Promise<void> {
    const { lightningDir, developer, version } = this.opts;
    const started = paths.map((p, i) => new HostedPlugin(p, i, this));
    this.plugins.push(...started);
    for (const p of started) p.spawn(lightningDir, developer, version);
    await Promise.all(started.map((p) => this.getManifest(p)));
    const values = this.assignOptions(started, options);
    for (const p of started) if (p.alive) this.register(p);
    await Promise.all(started.map((p) => this.init(p, values.get(p) ?? {})));
  }

  private async getManifest(p: HostedPlugin): Promise<void> {
    let reply: PluginMessage;
    try {
      reply = await p.request('getmanifest', { 'allow-deprecated-apis': false }, { timeoutMs: this.opts.startupTimeoutMs ?? PLUGIN_STARTUP_TIMEOUT_MS });
    } catch (e) {
      p.kill(`Killing plugin: ${e instanceof PluginDied ? e.message : String(e)} (getmanifest)`);
      return;
    }
    const problem = checkManifest(reply, this.opts.methods, this.plugins.filter((o) => o !== p && o.alive).flatMap((o) => o.manifest?.options.map((x) => x.name) ?? []));
    if (typeof problem === 'string') {
      p.kill(`Killing plugin: ${problem}`);
      return;
    }
    p.manifest = problem;
    if (problem.disable !== undefined) p.disable(String(problem.disable));
  }

  /** §1.5 init `options`: given values, converted to the option's type, plus defaults. */
  private assignOptions(plugins: HostedPlugin[], given: PluginOptionArg[]): Map<HostedPlugin, Record<string, unknown>> {
    const out = new Map<HostedPlugin, Record<string, unknown>>();
    const owner = new Map<string, [HostedPlugin, ManifestOption]>();
    for (const p of plugins) {
      if (!p.alive || !p.manifest) continue;
      const o: Record<string, unknown> = {};
      for (const opt of p.manifest.options) {
        owner.set(opt.name, [p, opt]);
        if (opt.default !== undefined && opt.type !== 'flag') o[opt.name] = opt.multi ? [opt.default] : opt.default;
      }
      out.set(p, o);
    }
    const seen = new Set<string>();
    for (const [name, value] of given) {
      const hit = owner.get(name);
      if (!hit) throw new Error(`--plugin-option ${name}: no plugin registered an option called ${name}`);
      const [p, opt] = hit;
      const o = out.get(p)!;
      const v = convertOption(opt, value);
      if (opt.multi) {
        o[name] = seen.has(name) ? [...(o[name] as unknown[]), v] : [v];
      } else {
        if (seen.has(name)) throw new Error(`--plugin-option ${name}: given twice (not a multi option)`);
        o[name] = v;
      }
      seen.add(name);
    }
    return out;
  }

  private register(p: HostedPlugin): void {
    const m = p.manifest!;
    for (const h of m.hooks ?? []) {
      const hook = typeof h === 'string' ? { name: h } : h;
      this.addRegistration(hook.name, {
        plugin: p.name, loadOrder: p.loadOrder, before: hook.before ?? [], after: hook.after ?? [],
        call: async (name, payload) => {
          try {
            const r = await p.request(name, payload);
            if (r.error !== undefined) {
              if (r.error.code === PLUGIN_TERMINATED) return 'died';
              // §1.7: a JSON-RPC error answer to a hook is fatal for lightningd.
              this.log.line('broken', 'lightningd', `Plugin ${p.name} for ${name} returned non-result response ${JSON.stringify(r.error)}`);
              throw new RpcError(ErrorCode.LIGHTNINGD, `Plugin ${p.name} for ${name} returned non-result response`);
            }
            return r.result as Record<string, unknown>;
          } catch (e) {
            if (e instanceof PluginDied) return 'died';
            throw e;
          }
        },
      });
    }
    for (const rm of m.rpcmethods) {
      this.opts.methods.set(rm.name, {
        name: rm.name,
        summary: rm.description ?? rm.usage,
        params: {},
        rawParams: true,
        run: async (args: unknown, _ctx: unknown, call: { id: string }) => {
          // §1.3: params verbatim; our own id, with the caller's id in front (quotes stripped).
          const caller = call.id.startsWith('"') ? JSON.parse(call.id) : call.id;
          let r: PluginMessage;
          try {
            r = await p.request(rm.name, undefined, { rawParams: rawText((args as { raw: JsonNode }).raw), callerId: String(caller) });
          } catch (e) {
            throw new RpcError(PLUGIN_TERMINATED, 'Plugin terminated before replying to RPC call.');
          }
          if (r.error !== undefined) {
            const code = typeof r.error.code === 'number' ? r.error.code : ErrorCode.LIGHTNINGD;
            throw new RpcError(code, String(r.error.message ?? ''), r.error.data);
          }
          return r.result;
        },
      } as unknown as RpcMethod<any, any>);
    }
  }

  private addRegistration(hook: string, r: Registration): void {
    const list = this.registrations.get(hook) ?? [];
    list.push(r);
    this.registrations.set(hook, list);
  }

  private async init(p: HostedPlugin, options: Record<string, unknown>): Promise<void> {
    if (!p.alive) return;
    const configuration: InitConfiguration = {
      'lightning-dir': this.opts.lightningDir,
      'rpc-file': this.opts.rpcFile,
      startup: true,
      network: this.opts.network,
      feature_set: this.opts.featureSet,
    };
    let reply: PluginMessage;
    try {
      reply = await p.request('init', { options, configuration }, { timeoutMs: this.opts.startupTimeoutMs ?? PLUGIN_STARTUP_TIMEOUT_MS });
    } catch (e) {
      p.kill(`Killing plugin: ${e instanceof PluginDied ? e.message : String(e)} (init)`);
      return;
    }
    if (reply.error !== undefined) {
      p.kill(`Killing plugin: init returned an error: ${JSON.stringify(reply.error)}`);
      return;
    }
    if (!p.alive) return;
    const disable = (reply.result as { disable?: unknown } | undefined)?.disable;
    if (disable !== undefined) {
      p.disable(String(disable));
      return;
    }
    // It may have been killed meanwhile (e.g. a bad notification right behind its reply).
    if (p.state !== 'starting') return;
    p.state = 'active';
    this.log.line('debug', `plugin-${p.name}`, 'initialized');
  }

  /** A plugin stopped: its methods leave the socket, its hooks the chains. */
  dropped(p: HostedPlugin): void {
    for (const rm of p.manifest?.rpcmethods ?? []) {
      if ((this.opts.methods.get(rm.name) as { rawParams?: boolean } | undefined)?.rawParams) this.opts.methods.delete(rm.name);
    }
    for (const [hook, list] of this.registrations) this.registrations.set(hook, list.filter((r) => r.plugin !== p.name || r.loadOrder !== p.loadOrder));
  }

  /** §1.8: notifications from a plugin. */
  onNotification(p: HostedPlugin, topic: string, params: Record<string, unknown>): void {
    if (topic === 'log') {
      const level = pluginLevel(params.level);
      if (level === undefined || typeof params.message !== 'string') {
        p.kill(`Killing plugin: invalid log notification ${JSON.stringify(params)}`);
        return;
      }
      this.log.line(level, `plugin-${p.name}`, params.message);
      return;
    }
    if (topic === 'message' || topic === 'progress') return; // only for RPC callers with notifications enabled
    if (!(p.manifest?.notifications ?? []).some((n) => n.method === topic)) {
      this.log.line('unusual', `plugin-${p.name}`, `Plugin attempted to send a notification to topic "${topic}" it hasn't declared in its manifest, not forwarding to subscribers.`);
      return;
    }
    for (const o of this.plugins) {
      if (o.subscriptions.includes(topic) || o.subscriptions.includes('*')) o.notify(topic, { origin: p.name, ...params });
    }
  }

  /** Sends a native notification (`{topic: payload}`, §1.8) to the plugins subscribed to it. */
  notify(topic: string, payload: Record<string, unknown>): void {
    for (const p of this.plugins) {
      if (p.subscriptions.includes(topic) || (topic !== 'log' && p.subscriptions.includes('*'))) p.notify(topic, { [topic]: payload });
    }
  }

  /** The chain for `hook`: topological order of before/after (§1.7), ties by load order. */
  chain(hook: string): Registration[] {
    const out = orderChain(this.registrations.get(hook) ?? []);
    if (!out) throw new RpcError(ErrorCode.LIGHTNINGD, `hook ${hook}: dependency cycle between plugins`);
    return out;
  }

  /** Plugin names in the chain of `hook`, in call order. */
  chainNames(hook: string): string[] {
    return this.chain(hook).map((r) => r.plugin);
  }

  /**
   * Runs `hook` through the chain as lightningd does (§1.7): `continue`
   * passes the event to the next plugin, any other `result` stops the chain
   * (for invoice_payment also a bare `failure_message`); a plugin that dies
   * mid-call is skipped. The payload is the hook's `params` object.
   */
  async callHook(hook: string, payload: Record<string, unknown>): Promise<HookOutcome> {
    const calls: HookCall[] = [];
    for (const r of this.chain(hook)) {
      const res = await r.call(hook, payload);
      if (res === 'died') {
        calls.push({ plugin: r.plugin, died: true });
        continue;
      }
      calls.push({ plugin: r.plugin, result: res });
      const verdict = res?.result;
      if (verdict === 'continue') continue;
      if (typeof verdict === 'string' || (hook === 'invoice_payment' && typeof res?.failure_message === 'string')) return { result: res, calls };
      this.log.line('broken', 'lightningd', `Plugin ${r.plugin} returned an invalid response to ${hook}: ${JSON.stringify(res)}`);
      throw new RpcError(ErrorCode.LIGHTNINGD, `Plugin ${r.plugin} returned an invalid response to ${hook}`);
    }
    return { result: { result: 'continue' }, calls };
  }

  /**
   * §1.9: subscribers of `shutdown` get the notification and time to exit;
   * the others see EOF at once; whoever is still there afterwards is killed.
   */
  async shutdown(): Promise<void> {
    this.stopping = true;
    const timeout = this.opts.shutdownTimeoutMs ?? PLUGIN_SHUTDOWN_TIMEOUT_MS;
    const running = this.plugins.filter((p) => p.alive || p.state === 'disabled');
    for (const p of running) {
      if (p.state === 'active' && p.subscriptions.includes('shutdown')) p.notify('shutdown', { shutdown: {} });
      else p.closeStdin();
    }
    await Promise.all(running.map(async (p) => {
      let timer: NodeJS.Timeout | undefined;
      const late = await Promise.race([p.exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeout)))]);
      clearTimeout(timer);
      if (late) {
        this.log.line('unusual', `plugin-${p.name}`, 'failed to self-terminate in time, killing.');
        p.closeStdin();
        p.signalKill();
        await p.exited;
      }
      if (p.alive) {
        p.state = 'dead';
        p.reason = 'stopped at shutdown';
      }
    }));
  }

  /** For `dev-simnet-plugins`. */
  describe(): Array<Record<string, unknown>> {
    return this.plugins.map((p) => ({
      name: p.name,
      path: p.path,
      state: p.state,
      active: p.state === 'active',
      dynamic: p.manifest?.dynamic ?? false,
      reason: p.reason,
      exit_code: p.exitCode ?? undefined,
      signal: p.signal ?? undefined,
    }));
  }
}
