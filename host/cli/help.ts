// `lnsigner help`, `lnsigner help <command>`, `lnsigner <command> --help` and
// `lnsigner --version`, with no daemon: the daemon methods' help is generated
// from the same table the daemon serves (host/commands/index.ts: parameter
// names, order, required, defaults) plus host/commands/docs.ts (types,
// descriptions, errors, example); the local subcommands' from their option
// specs (host/cli/options.ts).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RpcMethod } from '../rpc/method.js';
import { PROJECT_ROOT } from '../paths.js';
import { GRAMMARS, METHOD_DOCS, type Grammar } from '../commands/docs.js';
import { usageText, type CommandSpec } from './options.js';

/** How a table fallback is shown (undefined: none). */
function showDefault(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'bigint') return v.toString();
  return JSON.stringify(v);
}

/** The parameter names `lnsigner <method> --help` lists, in order (the test compares them with the daemon's table). */
export function helpParamNames(m: RpcMethod<any, any>): string[] {
  return Object.keys(m.params);
}

/** Full help of one daemon method. */
export function methodHelp(m: RpcMethod<any, any>): string {
  const doc = METHOD_DOCS[m.name];
  const names = helpParamNames(m);
  const usage = names.map((n) => (m.params[n].required ? n : `[${n}]`)).join(' ');
  const lines = [`usage: lnsigner ${m.name}${usage ? ` ${usage}` : ''}`, '', `${m.summary}.`];
  if (names.length) {
    lines.push('', 'parameters (in this order; or by name: lnsigner -k ' + m.name + ' name=value ...):');
    for (const n of names) {
      const spec = m.params[n];
      const d = doc?.params[n];
      const def = d?.default ?? showDefault(spec.fallback);
      const tail = [spec.required ? 'required' : def !== undefined ? `default ${def}` : 'optional', d?.description ?? ''].filter(Boolean).join('; ');
      lines.push(`  ${n.padEnd(22)} ${(d?.type ?? '').padEnd(16)} ${tail}`);
    }
  } else {
    lines.push('', 'parameters: none');
  }
  for (const g of doc?.grammars ?? ([] as Grammar[])) lines.push('', ...GRAMMARS[g]);
  if (doc?.notes?.length) lines.push('', ...doc.notes);
  const errors = doc?.errors ?? [];
  lines.push('', 'errors (code: meaning):', ...(errors.length ? errors.map((e) => `  ${e}`) : ['  none besides the general ones below']));
  lines.push('  (any command: -32601 unknown command, -5 the daemon is shutting down, -1 other)');
  if (doc?.example) lines.push('', 'example:', `  ${doc.example}`);
  lines.push('', 'exit codes: 0 result, 1 error reply, 2 cannot talk to the daemon, 3 usage (as lightning-cli)');
  return lines.join('\n');
}

/** Help of a local subcommand: one usage per action. */
export function localHelp(specs: CommandSpec | readonly CommandSpec[]): string {
  const list = Array.isArray(specs) ? specs : [specs as CommandSpec];
  return list.map((s) => usageText(s)).join('\n\n');
}

function firmwareVersion(): string {
  try {
    const src = readFileSync(join(PROJECT_ROOT, 'device', 'proto', 'version.ts'), 'utf8');
    const m = /FIRMWARE_VERSION\s*:\s*u32\s*=\s*(0x[0-9a-fA-F]+|\d+)/.exec(src);
    if (!m) return 'unknown';
    const v = Number(m[1]);
    return `${(v >> 16) & 0xff}.${(v >> 8) & 0xff}.${v & 0xff}`;
  } catch {
    return 'unknown';
  }
}

/** `lnsigner --version`: package, firmware (and the built image's hash), protocol. */
export async function versionText(): Promise<string> {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const { PROTO_VERSION } = await import('../../shared/protocol.js');
  const wasm = join(PROJECT_ROOT, 'build', 'firmware.wasm');
  const built = existsSync(wasm)
    ? `build/firmware.wasm sha256 ${createHash('sha256').update(readFileSync(wasm)).digest('hex').slice(0, 16)}...`
    : 'not built';
  return [`${pkg.name} ${pkg.version}`, `firmware ${firmwareVersion()} (${built})`, `protocol ${PROTO_VERSION}`].join('\n');
}
