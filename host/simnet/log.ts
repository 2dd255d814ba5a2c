// The simulated lightningd's log, `<data-dir>/simnet.log`: one line per
// event in lightningd's layout, `<ISO time> <LEVEL> <subsystem>: <message>`,
// with lightningd's level names (TRACE, DEBUG, INFO, UNUSUAL, BROKEN). Plugin
// log notifications land here as `plugin-<name>` lines, as in lightningd.
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const SIMNET_LOG_FILE = 'simnet.log';

export type LdLogLevel = 'trace' | 'debug' | 'info' | 'unusual' | 'broken';

/** §1.8: a plugin's level names (case-insensitive) → lightningd's; undefined = invalid (lightningd kills the plugin). */
export function pluginLevel(level: unknown): LdLogLevel | undefined {
  if (level === undefined) return 'info';
  if (typeof level !== 'string') return undefined;
  switch (level.toLowerCase()) {
    case 'trace': return 'trace';
    case 'debug': return 'debug';
    case 'info': return 'info';
    case 'unusual': case 'warn': return 'unusual';
    case 'broken': case 'error': return 'broken';
    default: return undefined;
  }
}

export class SimnetLog {
  private fd: number | undefined;

  constructor(dir: string, private readonly echo?: (line: string) => void) {
    this.fd = openSync(join(dir, SIMNET_LOG_FILE), 'a', 0o600);
  }

  line(level: LdLogLevel, subsystem: string, message: string): void {
    // lightningd writes one line per embedded newline.
    for (const part of message.split('\n')) {
      const text = `${new Date().toISOString()} ${level.toUpperCase().padEnd(7)} ${subsystem}: ${part}`;
      if (this.fd !== undefined) writeSync(this.fd, `${text}\n`);
      if (level === 'broken' || level === 'unusual') this.echo?.(text);
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
