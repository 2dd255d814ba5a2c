// What the simulated lightningd checks in a plugin's getmanifest reply
// (cln-offers-flow-digest §1.4), and how it turns `--plugin-option` values
// into the typed values of `init.options` (§1.5).
import type { PluginMessage } from '../plugin/framing.js';
import { KNOWN_HOOKS, OPTION_NAME, OPTION_TYPES, type Manifest, type ManifestOption } from '../plugin/protocol.js';

/** §1.4 checks of a getmanifest reply; returns the manifest or why the plugin is killed. */
export function checkManifest(reply: PluginMessage, methods: Map<string, unknown>, takenOptions: Iterable<string>): Manifest | string {
  if (reply.error !== undefined) return `getmanifest returned an error: ${JSON.stringify(reply.error)}`;
  const m = reply.result as Manifest | undefined;
  if (!m || typeof m !== 'object') return 'getmanifest result is not an object';
  if (m.disable !== undefined) return { ...m, options: [], rpcmethods: [] };
  if (!Array.isArray(m.options)) return '"options" missing from getmanifest result';
  if (!Array.isArray(m.rpcmethods)) return '"rpcmethods" missing from getmanifest result';
  const taken = new Set<string>(takenOptions);
  for (const o of m.options) {
    if (typeof o?.name !== 'string' || !OPTION_NAME.test(o.name)) return `option name ${JSON.stringify(o?.name)} is not valid`;
    if (!(OPTION_TYPES as readonly string[]).includes(o.type)) return `option ${o.name}: unknown type ${JSON.stringify(o.type)}`;
    if (typeof o.description !== 'string') return `option ${o.name}: "description" not provided`;
    if (o.multi && (o.type === 'bool' || o.type === 'flag')) return `option ${o.name}: ${o.type} options cannot be multi`;
    if (o.type === 'flag' && o.default !== undefined && o.default !== false) return `option ${o.name}: flag default must be false`;
    if (taken.has(o.name)) return `option ${o.name} already registered`;
    taken.add(o.name);
  }
  for (const r of m.rpcmethods) {
    if (typeof r?.name !== 'string') return 'rpcmethod without a name';
    if (typeof r.usage !== 'string') return '"usage" not provided by plugin';
    if (methods.has(r.name)) return `method ${r.name} already registered`;
  }
  const hooks = new Set<string>();
  for (const h of m.hooks ?? []) {
    const name = typeof h === 'string' ? h : h?.name;
    if (!(KNOWN_HOOKS as readonly string[]).includes(name)) return `Unknown hook ${JSON.stringify(name)}`;
    if (hooks.has(name)) return `hook ${name} registered twice`;
    if (typeof h === 'object' && 'filters' in h && name.startsWith('onion_message_recv')) return `hook ${name} does not allow filters`;
    hooks.add(name);
  }
  if (m.nonnumericids !== undefined && m.nonnumericids !== true) return 'nonnumericids must be true if present';
  return m;
}

export function convertOption(opt: ManifestOption, value: string | undefined): unknown {
  const bad = (why: string) => new Error(`--plugin-option ${opt.name}: ${why}`);
  switch (opt.type) {
    case 'flag':
      if (value !== undefined) throw bad('is a flag and takes no value');
      return true;
    case 'bool':
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      throw bad(`expects a boolean, not ${JSON.stringify(value)}`);
    case 'int':
      if (value === undefined || !/^-?\d+$/.test(value)) throw bad(`expects an integer, not ${JSON.stringify(value)}`);
      return Number(value);
    default:
      if (value === undefined) throw bad('needs a value (name=value)');
      return value;
  }
}
