// The host end of the serial link (docs/protocol.md, "Host transport"): one
// request at a time over a serialport, each with a fresh request id and a
// timeout scaled to the line speed. Idempotent requests (REQ_IDEMPOTENT in
// shared/protocol.ts) are resent after a timeout, a damaged reply, a rejected
// frame or a device reset; others fail with an error that says whether they
// ran. A port that closes under us (device unplugged, emulator restarted) is
// reopened on the next request, for up to `reconnectMs`: the path is resolved
// afresh at every (re)open, the owner's `verify` hook checks who answers before
// any queued request goes through, and requests queued during one outage share
// its wait.
import { EventEmitter } from 'node:events';
import { existsSync, realpathSync } from 'node:fs';
import { SerialPort } from 'serialport';
import * as P from '../../shared/protocol.js';
import { FrameDecoder, encodeFrame, type Discard, type Frame } from './codec.js';
import {
  DeviceBusyError, DeviceError, DeviceGoneError, DeviceNotFoundError, DevicePermissionError, DeviceResetError,
  FrameRejectedError, RequestTimeoutError, TransportClosedError, TransportError, statusName, typeName,
} from './errors.js';
import { decodeBoot, decodeError, type BootEvent, type ErrorReply } from './messages.js';
import { describeHolders, portHolders } from './holders.js';

export interface TransportOptions {
  /** Line speed configured on the port, and used to scale timeouts (default 115200). */
  baudRate?: number;
  /** Timeout of a request, before line time is added (default 1500 ms;
   *  REQ_SLOW requests get REQ_SLOW_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Extra attempts of an idempotent request (default 3). */
  retries?: number;
  /** How long to wait for a vanished device to come back (default 5000 ms). */
  reconnectMs?: number;
  /** Take the port's exclusive lock (default true). */
  lock?: boolean;
  /** Runs after every open and reopen of the port, before any queued request
   *  goes through; it may send requests of its own through `link` (e.g.
   *  get_info to check who answers). Throwing refuses the device: the port is
   *  closed again; a reopen keeps trying (for the rest of `reconnectMs`) and
   *  then fails with the hook's error; the first open fails at once. */
  verify?: (link: VerifyLink) => Promise<void>;
}

/** What a `verify` hook sees: the freshly opened port. */
export interface VerifyLink {
  /** The path as given (e.g. a symlink). */
  readonly path: string;
  /** What it resolved to when it was opened (e.g. /dev/pts/7). */
  readonly device: string;
  /** First open (false) or a reopen after the device went away (true). */
  readonly reconnect: boolean;
  request(type: number, payload?: Uint8Array): Promise<Uint8Array>;
}

export interface RequestOptions {
  timeoutMs?: number;
  retries?: number;
}

export interface TransportStats {
  requests: number;
  retries: number;
  resets: number;
  reconnects: number;
  /** Frames the host threw away, and their bytes. */
  discards: number;
  discardedBytes: number;
  /** Replies to a request no longer outstanding (a retry's twin). */
  staleReplies: number;
}

/** What ended one attempt of a request. */
type Outcome =
  | { kind: 'reply'; payload: Uint8Array }
  | { kind: 'error'; err: ErrorReply }
  | { kind: 'damaged' }
  | { kind: 'reset'; boot?: BootEvent }
  | { kind: 'timeout'; damaged: boolean }
  | { kind: 'gone'; cause?: unknown };

interface Waiter {
  type: number;
  ids: number[];
  idempotent: boolean;
  damaged: boolean;
  settle(o: Outcome): void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The verify hook refused the device just opened (or it failed to answer it). */
class Refused {
  constructor(readonly reason: unknown) {}
}

/** Where a symlink points now (the path itself when it is none), or undefined. */
function currentTarget(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** Maps a serialport open error to a clear transport error. */
function openError(path: string, err: Error, device = path): TransportError {
  const m = err.message;
  const shown = device === path ? path : `${path} (${device})`;
  if (/No such file|ENOENT|ENXIO|No such device/i.test(m)) {
    return new DeviceNotFoundError(`no serial device at ${shown} (is it plugged in, is the emulator running?)`, { cause: err });
  }
  if (/Cannot lock port|EBUSY|Resource busy|Resource temporarily unavailable/i.test(m)) {
    // Name the holder when /proc says who it is.
    const holders = portHolders(device);
    const who = holders.length ? `: held by ${describeHolders(holders)}` : '';
    return new DeviceBusyError(`serial device ${shown} is in use by another program (its lock is taken)${who}`, { cause: err, holders });
  }
  if (/EACCES|Permission denied/i.test(m)) {
    return new DevicePermissionError(`no permission to open ${path} (add yourself to its group, e.g. dialout)`, { cause: err });
  }
  return new TransportError(`cannot open ${path}: ${m}`, { cause: err });
}

export class SerialTransport extends EventEmitter {
  readonly stats: TransportStats = {
    requests: 0, retries: 0, resets: 0, reconnects: 0, discards: 0, discardedBytes: 0, staleReplies: 0,
  };
  private port?: SerialPort;
  private watch?: NodeJS.Timeout;
  private closed = false;
  private waiter?: Waiter;
  private nextId = 1 + Math.floor(Math.random() * 0xfffe);
  private queue: Promise<unknown> = Promise.resolve();
  private readonly decoder = new FrameDecoder((f) => this.onFrame(f), (d) => this.onDiscard(d));
  private readonly baudRate: number;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly reconnectMs: number;
  private readonly lock: boolean;
  private readonly verify?: (link: VerifyLink) => Promise<void>;
  /** Reconnect waits that ended without a device, and the last one's error:
   *  a request queued while such a wait ran shares its outcome. */
  private failedWaits = 0;
  private failedWaitError?: Error;
  /** The device node the port was last opened on (the path resolved). */
  private openedDevice?: string;

  private constructor(readonly path: string, o: TransportOptions) {
    super();
    this.baudRate = o.baudRate ?? 115200;
    this.timeoutMs = o.timeoutMs ?? 1500;
    this.retries = o.retries ?? 3;
    this.reconnectMs = o.reconnectMs ?? 5000;
    this.lock = o.lock ?? true;
    this.verify = o.verify;
  }

  /** Opens the port (DeviceNotFoundError, DeviceBusyError, ... when it cannot). */
  static async open(path: string, options: TransportOptions = {}): Promise<SerialTransport> {
    const t = new SerialTransport(path, options);
    try {
      await t.openVerified(false);
    } catch (e) {
      throw e instanceof Refused ? e.reason : e;
    }
    return t;
  }

  get isOpen(): boolean {
    return !!this.port?.isOpen;
  }

  /** The device node the port is (or was last) open on: the path resolved. */
  get device(): string | undefined {
    return this.openedDevice;
  }

  /** Sends request `type` and resolves to the reply payload (see the file comment). */
  request(type: number, payload: Uint8Array = new Uint8Array(0), opts: RequestOptions = {}): Promise<Uint8Array> {
    const waits = this.failedWaits;
    const run = () => this.exchange(type, payload, opts, waits);
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Writes raw bytes on the line, outside any frame (diagnostics and tests). */
  async writeRaw(bytes: Uint8Array): Promise<void> {
    await this.ensureOpen(this.failedWaits);
    await this.write(bytes);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watch);
    this.waiter?.settle({ kind: 'gone', cause: new TransportClosedError('transport closed') });
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
  }

  // ---- requests -------------------------------------------------------------

  /** One request; `waits` is failedWaits when it was queued (null: the
   *  verify hook's own request, on the port just opened). */
  private async exchange(type: number, payload: Uint8Array, opts: RequestOptions, waits: number | null): Promise<Uint8Array> {
    const flags = P.requestFlags(type);
    if (!(flags & P.REQ_KNOWN)) throw new TransportError(`${typeName(type)} is not a request of protocol v${P.PROTO_VERSION}`);
    // Rule: only requests whose repetition is harmless are ever resent.
    const idempotent = (flags & P.REQ_IDEMPOTENT) !== 0;
    const attempts = 1 + (idempotent ? (opts.retries ?? this.retries) : 0);
    const base = opts.timeoutMs ?? (flags & P.REQ_SLOW ? P.REQ_SLOW_TIMEOUT_MS : this.timeoutMs);
    const ids: number[] = [];
    const name = typeName(type);
    this.stats.requests++;
    let last: TransportError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) this.stats.retries++;
      if (waits === null) {
        if (!this.port?.isOpen) throw new DeviceGoneError(`the device at ${this.path} went away while it was being checked`);
      } else {
        await this.ensureOpen(waits);
      }
      const id = this.takeId();
      ids.push(id);
      const wire = encodeFrame(type, id, payload);
      // Timeout = base + twice the line time of the request and a reply as big.
      const lineMs = ((2 * wire.length + 128) * 10 * 1000) / this.baudRate;
      const o = await this.attempt(type, ids, idempotent, wire, base + 2 * lineMs);
      switch (o.kind) {
        case 'reply':
          return o.payload;
        case 'error':
          if (o.err.code > P.ERR_FRAME_LAST) throw new DeviceError(o.err.code, type, o.err.detail);
          last = new FrameRejectedError(
            `the device discarded the ${name} frame as damaged (${statusName(o.err.code)}, ${o.err.discarded} bytes); it did not run`,
            o.err.code, o.err.discarded);
          break;
        case 'damaged':
          last = new TransportError(`the reply to ${name} arrived damaged`);
          break;
        case 'reset':
          last = new DeviceResetError(`the device restarted during ${name}${idempotent ? '' : '; it may or may not have run'}`);
          break;
        case 'timeout':
          last = new RequestTimeoutError(o.damaged
            ? `the reply to ${name} arrived damaged; it may or may not have run`
            : `no reply to ${name} within ${Math.round(base + 2 * lineMs)} ms${idempotent ? '' : '; it may or may not have run'}`);
          break;
        case 'gone':
          if (o.cause instanceof TransportClosedError) throw o.cause;
          last = new DeviceGoneError(`the device at ${this.path} went away during ${name}`, { cause: o.cause });
          break;
      }
      if (!idempotent) throw last;
    }
    throw last!;
  }

  private attempt(type: number, ids: number[], idempotent: boolean, wire: Uint8Array, timeoutMs: number): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const w: Waiter = {
        type, ids, idempotent, damaged: false,
        settle: (o) => {
          if (this.waiter !== w) return;
          this.waiter = undefined;
          clearTimeout(timer);
          resolve(o);
        },
      };
      this.waiter = w;
      timer = setTimeout(() => w.settle({ kind: 'timeout', damaged: w.damaged }), timeoutMs);
      this.write(wire).catch((cause) => w.settle({ kind: 'gone', cause }));
    });
  }

  private takeId(): number {
    const id = this.nextId;
    this.nextId = id >= 0xffff ? 1 : id + 1; // ids are 1..0xFFFF; 0 is ID_NONE
    return id;
  }

  // ---- received frames --------------------------------------------------------

  private onFrame(f: Frame): void {
    const w = this.waiter;
    if (f.type === P.MSG_EVT_BOOT) {
      const boot = decodeBoot(f.payload);
      this.stats.resets++;
      this.emit('boot', boot);
      // Rule: a boot while a request is outstanding means the device reset under it.
      w?.settle({ kind: 'reset', boot });
      return;
    }
    if (f.type === P.MSG_ERROR) {
      const err = decodeError(f.payload);
      if (!err) return this.onDiscard({ code: P.ERR_FRAME_LENGTH, discarded: f.payload.length });
      if (w && w.ids.includes(f.id)) return w.settle({ kind: 'error', err });
      // About bytes that were not our request (line noise, a stale frame).
      this.emit('device-error', { ...err, id: f.id });
      return;
    }
    if (w && f.type === (w.type | P.MSG_REPLY) && w.ids.includes(f.id)) {
      return w.settle({ kind: 'reply', payload: f.payload });
    }
    this.stats.staleReplies++;
  }

  private onDiscard(d: Discard): void {
    this.stats.discards++;
    this.stats.discardedBytes += d.discarded;
    this.emit('discard', d);
    const w = this.waiter;
    if (!w) return;
    // Rule: a damaged frame while waiting is most likely our reply. An
    // idempotent request is resent at once; others wait for their timeout,
    // since a later intact reply would still settle them.
    if (w.idempotent) w.settle({ kind: 'damaged' });
    else w.damaged = true;
  }

  // ---- the port ------------------------------------------------------------------

  private async openPort(): Promise<void> {
    // Rule (issue 9): resolve the path at every open, never from a cache: a
    // --link or /dev/serial/by-id name may point elsewhere after a reconnect.
    let device: string;
    try {
      device = realpathSync(this.path);
    } catch (e) {
      throw openError(this.path, e as Error);
    }
    const port = new SerialPort({ path: device, baudRate: this.baudRate, autoOpen: false, lock: this.lock, hupcl: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(openError(this.path, err, device)) : resolve())));
    this.openedDevice = device;
    this.decoder.reset();
    port.on('data', (d: Buffer) => this.decoder.push(d));
    port.on('error', (err) => this.onPortGone(port, err));
    port.on('close', (err?: Error) => this.onPortGone(port, err));
    this.port = port;
    // Rule: a device whose node is gone has vanished. serialport only notices
    // when a read fails, and a PTY whose master closed can instead read as
    // end-of-file forever; unplugged USB devices lose their node too.
    clearInterval(this.watch);
    this.watch = setInterval(() => {
      if (!existsSync(device)) this.onPortGone(port, new Error(`${this.path} (${device}) no longer exists`));
      else if (currentTarget(this.path) !== device) this.onPortGone(port, new Error(`${this.path} now points elsewhere than ${device}`));
    }, 250);
    this.watch.unref();
  }

  private onPortGone(port: SerialPort, cause?: unknown): void {
    if (this.port !== port) return;
    clearInterval(this.watch);
    this.port = undefined;
    if (port.isOpen) port.close(() => undefined);
    this.emit('disconnect', cause);
    this.waiter?.settle({ kind: 'gone', cause });
  }

  /** Opens the port and runs the verify hook on it; a refused device is closed again. */
  private async openVerified(reconnect: boolean): Promise<void> {
    await this.openPort();
    if (!this.verify) return;
    const port = this.port;
    try {
      await this.verify({
        path: this.path,
        device: this.openedDevice!,
        reconnect,
        request: (type, payload = new Uint8Array(0)) => this.exchange(type, payload, {}, null),
      });
    } catch (e) {
      if (this.port === port) {
        clearInterval(this.watch);
        this.port = undefined;
        if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
      }
      throw new Refused(e);
    }
  }

  /** Reopens the port after it vanished, for up to reconnectMs. `waits` is
   *  failedWaits when the request was queued: if a wait has failed since, the
   *  request was queued during that outage and shares its outcome at once
   *  (rule, issue 9: the k-th queued request must not wait k times). */
  private async ensureOpen(waits: number): Promise<void> {
    if (this.closed) throw new TransportClosedError('transport closed');
    if (this.port?.isOpen) return;
    if (this.failedWaits > waits && this.failedWaitError) throw this.failedWaitError;
    const deadline = Date.now() + this.reconnectMs;
    let refused: unknown;
    for (;;) {
      try {
        await this.openVerified(true);
        this.stats.reconnects++;
        this.emit('reconnect', this.openedDevice);
        return;
      } catch (e) {
        if (e instanceof TransportClosedError || (e instanceof Refused && e.reason instanceof TransportClosedError)) {
          throw new TransportClosedError('transport closed');
        }
        // Busy or no permission will not fix themselves: say so now. A device
        // the verify hook refused (or that did not answer it) may be replaced
        // by the right one: keep trying, like a device not there yet.
        if (e instanceof Refused) refused = e.reason;
        if (e instanceof Refused || e instanceof DeviceNotFoundError) {
          if (Date.now() < deadline) {
            await sleep(refused ? 250 : 100);
            if (this.closed) throw new TransportClosedError('transport closed');
            continue;
          }
          const err = refused instanceof Error ? refused
            : new DeviceGoneError(`the device at ${this.path} went away and did not come back within ${this.reconnectMs} ms`, { cause: e });
          this.failedWaits++;
          this.failedWaitError = err;
          throw err;
        }
        throw e;
      }
    }
  }

  private write(bytes: Uint8Array): Promise<void> {
    const port = this.port;
    if (!port) return Promise.reject(new DeviceGoneError(`the device at ${this.path} is not connected`));
    return new Promise<void>((resolve, reject) => {
      port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), (err) => (err ? reject(err) : resolve()));
    });
  }
}
