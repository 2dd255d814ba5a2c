// Fault-injection control socket of the emulator (`--control <path>`): a Unix
// socket taking one JSON command per line (FaultCommand in faults.ts) and
// answering one JSON line per command: {"ok":true,...} or {"ok":false,"error"}.
import { createConnection, createServer, type Server } from 'node:net';
import { rmSync } from 'node:fs';
import { parseFault, type FaultCommand } from './faults.js';

export function serveControl(path: string, handle: (c: FaultCommand) => Record<string, unknown>): Promise<Server> {
  rmSync(path, { force: true });
  const server = createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('error', () => undefined);
    sock.on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        let reply: Record<string, unknown>;
        try {
          reply = { ok: true, ...handle(parseFault(JSON.parse(line))) };
        } catch (e) {
          reply = { ok: false, error: e instanceof Error ? e.message : String(e) };
        }
        sock.write(JSON.stringify(reply) + '\n');
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve(server));
  });
}

/** Sends one command to an emulator's control socket; resolves to its answer. */
export function sendControl(path: string, cmd: FaultCommand): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('error', reject);
    sock.on('connect', () => sock.write(JSON.stringify(cmd) + '\n'));
    sock.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      sock.end();
      const r = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>;
      if (r.ok) resolve(r);
      else reject(new Error(`emulator control: ${r.error}`));
    });
  });
}
