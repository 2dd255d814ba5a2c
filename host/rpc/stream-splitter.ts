// Cuts a byte stream into top-level JSON texts, the way lightningd reads its
// socket: requests are concatenated JSON objects, with or without newlines
// between them. Works on bytes (every structural character is ASCII and never
// appears inside a UTF-8 multi-byte sequence), so UTF-8 decoding happens per
// request, with a fatal decoder, after the cut.

export type SplitEvent =
  /** One complete value's bytes (leading whitespace removed). */
  | { kind: 'value'; bytes: Uint8Array }
  /**
   * The stream cannot be cut any further: a top-level value that is not an
   * object or array, a closing bracket with nothing open, or a value longer
   * than the limit. The splitter is dead afterwards.
   */
  | { kind: 'error'; reason: 'not-container' | 'unbalanced' | 'too-large'; bytes: Uint8Array };

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

export class JsonStreamSplitter {
  private buf: Uint8Array = new Uint8Array(0);
  /** Scan state, kept across pushes so long values are scanned only once. */
  private scanned = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private started = false;
  private dead = false;

  constructor(readonly maxValueBytes: number) {}

  /** Bytes received but not yet returned as a complete value. */
  get pending(): number {
    return this.buf.length;
  }

  push(chunk: Uint8Array): SplitEvent[] {
    if (this.dead) return [];
    const merged = new Uint8Array(this.buf.length + chunk.length);
    merged.set(this.buf);
    merged.set(chunk, this.buf.length);
    this.buf = merged;
    const out: SplitEvent[] = [];
    for (;;) {
      const ev = this.next();
      if (!ev) break;
      out.push(ev);
      if (ev.kind === 'error') {
        this.dead = true;
        this.buf = new Uint8Array(0);
        break;
      }
    }
    return out;
  }

  private next(): SplitEvent | undefined {
    const b = this.buf;
    if (!this.started) {
      let i = 0;
      while (i < b.length && WS.has(b[i])) i++;
      this.buf = b.subarray(i);
      this.scanned = 0;
      if (this.buf.length === 0) return undefined;
      const first = this.buf[0];
      if (first !== 0x7b && first !== 0x5b) return { kind: 'error', reason: 'not-container', bytes: this.buf };
      this.started = true;
      this.depth = 0;
      this.inString = false;
      this.escaped = false;
    }
    const buf = this.buf;
    for (let i = this.scanned; i < buf.length; i++) {
      const c = buf[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) this.inString = false;
        continue;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) this.depth++;
      else if (c === 0x7d || c === 0x5d) {
        this.depth--;
        if (this.depth < 0) return { kind: 'error', reason: 'unbalanced', bytes: buf.subarray(0, i + 1) };
        if (this.depth === 0) {
          const value = buf.slice(0, i + 1);
          this.buf = buf.subarray(i + 1);
          this.scanned = 0;
          this.started = false;
          return { kind: 'value', bytes: value };
        }
      }
      if (i + 1 > this.maxValueBytes) return { kind: 'error', reason: 'too-large', bytes: buf.subarray(0, i + 1) };
    }
    this.scanned = buf.length;
    if (buf.length > this.maxValueBytes) return { kind: 'error', reason: 'too-large', bytes: buf };
    return undefined;
  }
}
