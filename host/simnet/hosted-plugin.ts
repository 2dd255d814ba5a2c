// One plugin process as the simulated lightningd sees it: spawned as
// lightningd spawns plugins (cln-offers-flow-digest §1.1), its stdout read as
// a stream of JSON-RPC messages (§1.2; non-protocol output kills it), our
// requests matched to its replies by id (§1.3), its notifications handed to
// the host, its death noticed and reported. Hook chaining, options and
// passthrough live in plugin-host.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { frameRequest, idText, PluginMessageReader, type PluginMessage } from '../plugin/framing.js';
import type { Manifest } from '../plugin/protocol.js';
import type { PluginHost } from './plugin-host.js';

export type PluginState = 'starting' | 'active' | 'disabled' | 'dead';

/** The plugin is gone (or never answered in time): its pending requests fail with this. */
export class PluginDied extends Error {}

export class HostedPlugin {
  readonly name: string;
  state: PluginState = 'starting';
  /** Why it was disabled or killed. */
  reason?: string;
  exitCode?: number | null;
  signal?: NodeJS.Signals | null;
  manifest?: Manifest;
  private proc?: ChildProcess;
  private readonly reader = new PluginMessageReader();
  private readonly pending = new Map<string, { resolve(m: PluginMessage): void; reject(e: Error): void }>();
  private stderrTail = '';
  readonly exited: Promise<void>;
  private markExited!: () => void;

  constructor(
    readonly path: string,
    readonly loadOrder: number,
    private readonly host: PluginHost,
  ) {
    this.name = basename(path);
    this.exited = new Promise((r) => (this.markExited = r));
  }

  get alive(): boolean {
    return this.state === 'starting' || this.state === 'active';
  }

  get subscriptions(): string[] {
    return this.manifest?.subscriptions ?? [];
  }

  /** Last lines the plugin wrote on stderr (for crash reports). */
  get stderr(): string {
    return this.stderrTail;
  }

  spawn(cwd: string, developer: boolean, version: string): void {
    const args = developer ? ['--developer'] : [];
    let proc: ChildProcess;
    try {
      proc = spawn(this.path, args, {
        cwd,
        env: { ...process.env, LIGHTNINGD_PLUGIN: '1', LIGHTNINGD_VERSION: version },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (e) {
      this.die(`could not run: ${(e as Error).message}`);
      this.markExited();
      return;
    }
    this.proc = proc;
    proc.on('error', (e) => {
      this.die(`could not run: ${e.message}`);
      this.markExited();
    });
    proc.stdin!.on('error', () => {});
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
      // §1.1: stderr passes through lightningd unchanged.
      process.stderr.write(d);
      this.stderrTail = (this.stderrTail + d).slice(-4000);
    });
    proc.stdout!.on('data', (chunk: Buffer) => {
      let msgs: PluginMessage[];
      try {
        msgs = this.reader.push(chunk);
      } catch (e) {
        this.kill(`Killing plugin: ${(e as Error).message}`);
        return;
      }
      for (const m of msgs) this.onMessage(m);
    });
    proc.on('exit', (code, signal) => {
      this.exitCode = code;
      this.signal = signal;
      if (this.alive && this.host.stopping) {
        // §1.9: exiting after the `shutdown` notification (or EOF) is what lightningd asked for.
        this.state = 'dead';
        this.reason = 'stopped at shutdown';
        this.host.log.line('debug', `plugin-${this.name}`, `exited at shutdown (${signal ? `killed by ${signal}` : `exit code ${code}`})`);
      } else if (this.alive) {
        const how = signal ? `killed by ${signal}` : `exit code ${code}`;
        this.die(this.state === 'starting' ? `exited before it finished starting (${how})` : `exited during normal operation (${how})`);
      }
      this.markExited();
    });
  }

  /** Sends a request; resolves to the reply message. Rejects PluginDied if it dies first. */
  request(method: string, params: unknown, opts: { rawParams?: string; callerId?: string; timeoutMs?: number } = {}): Promise<PluginMessage> {
    if (!this.alive || !this.proc?.stdin?.writable) return Promise.reject(new PluginDied(`plugin ${this.name} is not running`));
    // §1.3: `cln:<method>#<n>`, prefixed by the caller's id for RPC passthrough.
    const local = `cln:${method}#${this.host.nextId()}`;
    const id = opts.callerId ? `${opts.callerId}/${local}` : local;
    const text = opts.rawParams === undefined
      ? frameRequest(method, params, idText(id))
      : `{"jsonrpc":"2.0","id":${idText(id)},"method":${JSON.stringify(method)},"params":${opts.rawParams}}\n\n`;
    return new Promise<PluginMessage>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const limit = opts.timeoutMs;
      if (limit !== undefined) {
        timer = setTimeout(() => {
          this.pending.delete(idText(id));
          reject(new PluginDied(`did not answer ${method} in ${limit / 1000} s`));
        }, limit);
      }
      this.pending.set(idText(id), {
        resolve: (m) => { clearTimeout(timer); resolve(m); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.proc!.stdin!.write(text);
    });
  }

  notify(topic: string, params: Record<string, unknown>): void {
    if (this.state === 'active' && this.proc?.stdin?.writable) this.proc.stdin.write(frameRequest(topic, params));
  }

  /** Closes its stdin (it sees EOF, §1.9). */
  closeStdin(): void {
    this.proc?.stdin?.end();
  }

  /** lightningd's plugin_kill: logged, pending calls released, SIGKILL. */
  kill(reason: string): void {
    if (!this.alive) return;
    this.die(reason);
    // SIGKILL before closing its stdin: on EOF a plugin may exit by itself first (exit code 0, not killed).
    this.proc?.kill('SIGKILL');
    this.proc?.stdin?.destroy();
  }

  disable(reason: string): void {
    if (!this.alive) return;
    this.state = 'disabled';
    this.reason = reason;
    this.host.log.line('info', `plugin-${this.name}`, `disabled itself: ${reason}`);
    this.releasePending();
    this.host.dropped(this);
    this.proc?.stdin?.end();
  }

  signalKill(): void {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }

  private die(reason: string): void {
    if (!this.alive) return;
    this.state = 'dead';
    this.reason = reason;
    const tail = this.stderrTail.trim().split('\n').slice(-3).join(' | ');
    this.host.log.line('broken', `plugin-${this.name}`, `${reason}${tail ? ` (stderr: ${tail})` : ''}`);
    this.releasePending();
    this.host.dropped(this);
  }

  private releasePending(): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new PluginDied(`plugin ${this.name} terminated`));
    }
  }

  private onMessage(m: PluginMessage): void {
    if (m.rawId !== undefined && m.method === undefined) {
      // §1.1: a message with an id is a reply to one of our requests; unknown ids are ignored.
      const p = this.pending.get(m.rawId);
      if (p) {
        this.pending.delete(m.rawId);
        p.resolve(m);
      }
      return;
    }
    if (m.rawId !== undefined) {
      // A plugin cannot call lightningd over stdout (§1.1): treated as a reply, matched against nothing.
      return;
    }
    this.host.onNotification(this, m.method!, (m.params ?? {}) as Record<string, unknown>);
  }
}
