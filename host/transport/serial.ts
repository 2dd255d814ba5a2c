// The host end of the serial link (docs/protocol.md, "Host transport"): one
// request at a time over a serialport, each with a fresh request id and a
// timeout scaled to the line speed. Idempotent requests (REQ_IDEMPOTENT in
// shared/protocol.ts) are resent after a timeout, a damaged reply, a rejected
// frame or a device reset; others fail with an error that says whether they
// ran. A port that closes under us (device unplugged, emulator restarted) is
// reopened on the next request, for up to `reconnectMs`.
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { SerialPort } from 'serialport';
import * as P from '../../shared/protocol.js';
import { FrameDecoder, encodeFrame, type Discard, type Frame } from './codec.js';
import {
  DeviceBusyError, DeviceError, DeviceGoneError, DeviceNotFoundError, DevicePermissionError, DeviceResetError,
  FrameRejectedError, RequestTimeoutError, TransportClosedError, TransportError, statusName, typeName,
} from './errors.js';
import { decodeBoot, decodeError, type BootEvent, type ErrorReply } from './messages.js';

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

/** Maps a serialport open error to a clear transport error. */
function openError(path: string, err: Error): TransportError {
  const m = err.message;
  if (/No such file|ENOENT|ENXIO|No such device/i.test(m)) {
    return new DeviceNotFoundError(`no serial device at ${path} (is it plugged in, is the emulator running?)`, { cause: err });
  }
  if (/Cannot lock port|EBUSY|Resource busy|Resource temporarily unavailable/i.test(m)) {
    return new DeviceBusyError(`serial device ${path} is in use by another program (its lock is taken)`, { cause: err });
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

  private constructor(readonly path: string, o: TransportOptions) {
    super();
    this.baudRate = o.baudRate ?? 115200;
    this.timeoutMs = o.timeoutMs ?? 1500;
    this.retries = o.retries ?? 3;
    this.reconnectMs = o.reconnectMs ?? 5000;
    this.lock = o.lock ?? true;
  }

  /** Opens the port (DeviceNotFoundError, DeviceBusyError, ... when it cannot). */
  static async open(path: string, options: TransportOptions = {}): Promise<SerialTransport> {
    const t = new SerialTransport(path, options);
    await t.openPort();
    return t;
  }

  get isOpen(): boolean {
    return !!this.port?.isOpen;
  }

  /** Sends request `type` and resolves to the reply payload (see the file comment). */
  request(type: number, payload: Uint8Array = new Uint8Array(0), opts: RequestOptions = {}): Promise<Uint8Array> {
    const run = () => this.exchange(type, payload, opts);
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Writes raw bytes on the line, outside any frame (diagnostics and tests). */
  async writeRaw(bytes: Uint8Array): Promise<void> {
    await this.ensureOpen();
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

  private async exchange(type: number, payload: Uint8Array, opts: RequestOptions): Promise<Uint8Array> {
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
      await this.ensureOpen();
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
    const port = new SerialPort({ path: this.path, baudRate: this.baudRate, autoOpen: false, lock: this.lock, hupcl: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(openError(this.path, err)) : resolve())));
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
      if (!existsSync(this.path)) this.onPortGone(port, new Error(`${this.path} no longer exists`));
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

  /** Reopens the port after it vanished, for up to reconnectMs. */
  private async ensureOpen(): Promise<void> {
    if (this.closed) throw new TransportClosedError('transport closed');
    if (this.port?.isOpen) return;
    const deadline = Date.now() + this.reconnectMs;
    for (;;) {
      try {
        await this.openPort();
        this.stats.reconnects++;
        this.emit('reconnect');
        return;
      } catch (e) {
        // Busy or no permission will not fix themselves: say so now.
        if (!(e instanceof DeviceNotFoundError) || Date.now() >= deadline) {
          if (e instanceof DeviceNotFoundError) {
            throw new DeviceGoneError(`the device at ${this.path} went away and did not come back within ${this.reconnectMs} ms`, { cause: e });
          }
          throw e;
        }
      }
      await sleep(100);
      if (this.closed) throw new TransportClosedError('transport closed');
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
