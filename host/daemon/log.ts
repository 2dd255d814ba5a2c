// The daemon's log file: one line per event, `<ISO time> <LEVEL> <message>`,
// appended with a synchronous write so a crash loses no line already logged.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { RpcLog } from '../rpc/server.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const isLogLevel = (s: string): s is LogLevel => (LOG_LEVELS as readonly string[]).includes(s);

export class FileLogger implements RpcLog {
  private fd: number | undefined;
  private readonly min: number;

  constructor(
    readonly path: string,
    level: LogLevel = 'info',
    /** Also gets every line written (plugin mode: forwarded to lightningd's log). */
    private readonly tee?: (level: LogLevel, msg: string) => void,
  ) {
    this.fd = openSync(path, 'a', 0o600);
    this.min = LOG_LEVELS.indexOf(level);
  }

  private line(level: LogLevel, msg: string): void {
    if (this.fd === undefined || LOG_LEVELS.indexOf(level) < this.min) return;
    writeSync(this.fd, `${new Date().toISOString()} ${level.toUpperCase()} ${msg.replace(/\n/g, '\n    ')}\n`);
    this.tee?.(level, msg);
  }

  debug(msg: string) { this.line('debug', msg); }
  info(msg: string) { this.line('info', msg); }
  warn(msg: string) { this.line('warn', msg); }
  error(msg: string) { this.line('error', msg); }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
