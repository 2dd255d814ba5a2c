// A raw connection to the daemon's JSON-RPC unix socket, spoken to byte by
// byte as lightningd's clients do; shared by rpc-server and rpc-notifications.
import { createConnection, type Socket } from 'node:net';
import { parseJson, toPlain } from '../../host/rpc/json-scan.js';

/** Writes bytes or requests; reads the "\n\n"-terminated objects the daemon sends, in order. */
export class RpcConn {
  private buf = '';
  private waiters: Array<() => void> = [];
  closed = false;
  constructor(readonly sock: Socket) {
    sock.on('data', (d) => {
      this.buf += d.toString('utf8');
      this.wake();
    });
    sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }
  static open(socketPath: string): Promise<RpcConn> {
    return new Promise((resolve, reject) => {
      const s = createConnection(socketPath);
      s.once('connect', () => resolve(new RpcConn(s)));
      s.once('error', reject);
    });
  }
  private wake() {
    this.waiters.splice(0).forEach((w) => w());
  }
  private next(): Promise<void> {
    return new Promise<void>((r) => this.waiters.push(r));
  }
  write(data: string | Uint8Array) {
    this.sock.write(data);
  }
  /** One JSON-RPC 2.0 request object. */
  send(id: string, method: string, params: unknown) {
    this.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
  }
  /** The next `n` objects, in arrival order; each must end with "\n\n". */
  async read(n = 1): Promise<any[]> {
    for (;;) {
      const parts = this.buf.split('\n\n');
      if (parts.length - 1 >= n) {
        this.buf = parts.slice(n).join('\n\n');
        return parts.slice(0, n).map((p) => toPlain(parseJson(p)));
      }
      if (this.closed) throw new Error(`connection closed after ${parts.length - 1} responses: ${this.buf}`);
      await this.next();
    }
  }
  /** Objects (notifications among them) up to and including the response with this id. */
  async until(id: string): Promise<any[]> {
    const got: any[] = [];
    for (;;) {
      const parts = this.buf.split('\n\n');
      while (parts.length > 1) {
        const o = toPlain(parseJson(parts.shift()!)) as any;
        this.buf = parts.join('\n\n');
        got.push(o);
        if (o.id === id) return got;
      }
      await this.next();
    }
  }
  async waitClosed() {
    while (!this.closed) await this.next();
  }
  close() {
    this.sock.destroy();
  }
}
