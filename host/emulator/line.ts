// One direction of a UART: bytes leave at the line rate of `baud` (10 bit
// times per byte: start, 8 data, stop) and each is handed over only once its
// stop bit is done. Without a baud rate bytes pass at once (a PTY is
// otherwise unthrottled). Timers fire at best every millisecond, so bytes are
// handed over in the groups that completed since the last tick; the schedule
// itself has no drift.
export class UartLine {
  private readonly byteMs: number;
  private queue: Uint8Array[] = [];
  private queued = 0;
  private t0 = 0; // start of the current busy period
  private sent = 0; // bytes completed in it
  private timer?: NodeJS.Timeout;

  constructor(readonly baud: number | undefined, private readonly deliver: (bytes: Uint8Array) => void) {
    this.byteMs = baud ? 10_000 / baud : 0;
  }

  send(bytes: Uint8Array): void {
    if (!bytes.length) return;
    if (!this.baud) return this.deliver(bytes);
    const now = performance.now();
    // An idle line starts a new busy period now.
    if (this.queued === 0 && now >= this.t0 + this.sent * this.byteMs) {
      this.t0 = now;
      this.sent = 0;
    }
    this.queue.push(bytes.slice());
    this.queued += bytes.length;
    this.schedule();
  }

  /** Drops what has not been transmitted yet (device reset). */
  clear(): void {
    this.queue = [];
    this.queued = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.queued === 0) return;
    const next = this.t0 + (this.sent + 1) * this.byteMs - performance.now();
    this.timer = setTimeout(() => this.tick(), Math.max(0, next));
  }

  private tick(): void {
    this.timer = undefined;
    const done = Math.floor((performance.now() - this.t0) / this.byteMs) - this.sent;
    let n = Math.min(Math.max(done, 0), this.queued);
    this.sent += n;
    this.queued -= n;
    const parts: Uint8Array[] = [];
    while (n > 0) {
      const head = this.queue[0];
      if (head.length <= n) {
        parts.push(head);
        this.queue.shift();
        n -= head.length;
      } else {
        parts.push(head.subarray(0, n));
        this.queue[0] = head.subarray(n);
        n = 0;
      }
    }
    if (parts.length) this.deliver(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    this.schedule();
  }
}
