// lnsigner as a Core Lightning plugin (issue 11 item 1, docs/host/plugin.md):
// lightningd starts bin/lnsigner-plugin.js with --plugin=<path>; on `init`
// the plugin starts the same daemon as `lnsigner daemon` in-process, fed by
// lightningd's configuration: the network from `configuration.network`, the
// node client on lightningd's own lightning-rpc (`rpc-file` resolved against
// `lightning-dir`), the device and data directory from our options. The
// daemon keeps its own socket (`<data-dir>/lnsigner-rpc`) serving every
// lnsigner command; its log lines also go to lightningd's log.
import { isAbsolute, join, relative, resolve } from 'node:path';
import { commandMap } from '../commands/index.js';
import type { CommandContext } from '../commands/context.js';
import { isKeyMode, startDaemon, type KeyMode, type RunningDaemon } from '../daemon/daemon.js';
import type { LogLevel } from '../daemon/log.js';
import { isNetwork, NETWORKS } from '../daemon/network.js';
import { connectSerialDevice } from '../daemon/serial-device.js';
import { LightningRpcClient } from '../node/client.js';
import { parseJson } from '../rpc/json-scan.js';
import { toJsonText } from '../rpc/json-out.js';
import { parseParams } from '../rpc/params.js';
import { MAX_SOCKET_PATH } from '../rpc/server.js';
import { PLUGIN_FLOWS, type PluginFlowEnv } from './flows.js';
import type { InitParams, ManifestHook, ManifestOption, PluginLogLevel } from './protocol.js';
import { PluginRuntime, type PluginDefinition, type PluginRpcMethod } from './runtime.js';

export const OPT_DEVICE = 'lnsigner-device';
export const OPT_DATA_DIR = 'lnsigner-data-dir';
export const OPT_KEY_MODE = 'lnsigner-key-mode';
export const OPT_CURRENCY_RATES = 'lnsigner-currency-rates';

/** Default data directory, inside lightningd's network directory. */
export const DEFAULT_DATA_SUBDIR = 'lnsigner';

export const LNSIGNER_OPTIONS: ManifestOption[] = [
  { name: OPT_DEVICE, type: 'string', description: 'Serial path of the lnsigner device (a stable path: /dev/serial/by-id/... or the emulator --link)' },
  { name: OPT_DATA_DIR, type: 'string', description: `lnsigner data directory (store, log, lnsigner-rpc socket); relative to lightning-dir; default ${DEFAULT_DATA_SUBDIR}` },
  { name: OPT_KEY_MODE, type: 'string', default: 'device', description: 'Key new offers are issued under: device (a device-derived offer key, offers with blinded paths) or node (the node id; the device holds the node\'s hsm_secret)' },
  { name: OPT_CURRENCY_RATES, type: 'string', description: 'JSON file of fixed currency rates for currency offers (as lnsigner daemon --currency-rates)' },
];

/**
 * §7: CLN's `offers` plugin answers every invoice_request for an offer it
 * does not know with "Unknown offer", so our onion-message hooks must run
 * before it and consume the messages that are ours.
 */
export const LNSIGNER_HOOKS: ManifestHook[] = [
  { name: 'onion_message_recv', before: ['offers'] },
  { name: 'onion_message_recv_secret', before: ['offers'] },
  { name: 'htlc_accepted' },
];

/** `shutdown` (§1.9) and `block_added` (invoice expiry and CLTV checks need the height). */
export const LNSIGNER_SUBSCRIPTIONS = ['shutdown', 'block_added'];

/** RPC methods added to lightningd. CLN has no method starting with `lnsigner-`, so none can clash. */
export const LNSIGNER_RPC_PREFIX = 'lnsigner-';

const LEVEL: Record<LogLevel, PluginLogLevel> = { debug: 'debug', info: 'info', warn: 'warn', error: 'error' };

export interface LnsignerPluginState {
  daemon?: RunningDaemon;
  context?: CommandContext;
  lightning?: LightningRpcClient;
  blockheight?: number;
  undo: Array<() => void | Promise<void>>;
}

/** Resolves the paths and settings of init (exported for tests). */
export function pluginSettings(p: InitParams): { error: string } | {
  network: (typeof NETWORKS)[number]; lightningDir: string; rpcFile: string; dataDir: string; device?: string; keyMode: KeyMode; currencyRates?: string;
} {
  const cfg = p.configuration ?? ({} as InitParams['configuration']);
  const opts = p.options ?? {};
  const network = cfg.network;
  if (typeof network !== 'string' || !isNetwork(network)) {
    return { error: `lightningd runs on network ${String(network)}; lnsigner supports ${NETWORKS.join(', ')}` };
  }
  const lightningDir = cfg['lightning-dir'];
  if (typeof lightningDir !== 'string' || !lightningDir) return { error: 'init without configuration.lightning-dir' };
  const rpcName = typeof cfg['rpc-file'] === 'string' && cfg['rpc-file'] ? cfg['rpc-file'] : 'lightning-rpc';
  // §1.6: rpc-file is relative to lightning-dir unless absolute; sun_path is
  // short, so a long absolute path is used relative to lightning-dir (our cwd).
  let rpcFile = resolve(lightningDir, rpcName);
  if (Buffer.byteLength(rpcFile) > MAX_SOCKET_PATH) rpcFile = relative(lightningDir, rpcFile);
  const str = (k: string) => (typeof opts[k] === 'string' && opts[k] !== '' ? (opts[k] as string) : undefined);
  const keyMode = str(OPT_KEY_MODE) ?? 'device';
  if (!isKeyMode(keyMode)) return { error: `--${OPT_KEY_MODE} must be device or node, not ${keyMode}` };
  const at = (v: string | undefined) => (v === undefined ? undefined : isAbsolute(v) ? v : resolve(lightningDir, v));
  return {
    network,
    lightningDir,
    rpcFile,
    dataDir: at(str(OPT_DATA_DIR)) ?? join(lightningDir, DEFAULT_DATA_SUBDIR),
    device: at(str(OPT_DEVICE)),
    keyMode,
    currencyRates: at(str(OPT_CURRENCY_RATES)),
  };
}

/** The plugin, for lightningd's `--developer` mode or not (argv, §1.1). */
export function lnsignerPlugin(developer: boolean, state: LnsignerPluginState = { undo: [] }): PluginDefinition {
  let rt: PluginRuntime | undefined;
  const getinfo: PluginRpcMethod = {
    name: `${LNSIGNER_RPC_PREFIX}getinfo`,
    usage: '',
    description: 'lnsigner status (device, store) and the path of its own JSON-RPC socket',
    run: async (params) => {
      if (!state.context || !state.daemon) throw new Error('daemon not running');
      const m = commandMap().get('getinfo')!;
      const args = parseParams(m.params, parseJson(toJsonText(params ?? {})));
      const info = (await m.run(args, state.context, { id: '"lnsigner-getinfo"', method: 'getinfo' })) as Record<string, unknown>;
      return { ...info, rpc_file: state.daemon.rpcFile, key_mode: state.daemon.keyMode };
    },
  };
  return {
    options: LNSIGNER_OPTIONS,
    rpcmethods: [getinfo],
    hooks: LNSIGNER_HOOKS,
    subscriptions: LNSIGNER_SUBSCRIPTIONS,
    dynamic: false,
    async init(params, runtime) {
      rt = runtime;
      const s = pluginSettings(params);
      if ('error' in s) return { disable: s.error };
      // libplugin runs in lightning-dir (§1.6); relative paths are relative to it.
      try {
        process.chdir(s.lightningDir);
      } catch (e) {
        return { disable: `cannot enter lightning-dir ${s.lightningDir}: ${(e as Error).message}` };
      }
      try {
        state.daemon = await startDaemon(
          {
            dataDir: s.dataDir, network: s.network, device: s.device, lightningRpc: s.rpcFile,
            currencyRates: s.currencyRates, developer, keyMode: s.keyMode,
          },
          {
            connectDevice: connectSerialDevice,
            onContext: (ctx) => (state.context = ctx),
            logTee: (level, msg) => runtime.log(LEVEL[level], msg),
          },
        );
      } catch (e) {
        return { disable: `could not start the lnsigner daemon: ${(e as Error).message}` };
      }
      const daemon = state.daemon;
      state.undo.push(() => daemon.stop());
      const lightning = (state.lightning = new LightningRpcClient(s.rpcFile));
      state.undo.push(() => lightning.close());
      // §1.5: lightningd's socket is up from init on. Who we run beside, and the height to start from.
      try {
        const node = await lightning.getinfo();
        state.blockheight ??= node.blockheight;
        runtime.log('info', `lightningd node ${node.id} on ${node.network}, blockheight ${node.blockheight}`);
      } catch (e) {
        runtime.log('unusual', `getinfo on lightningd's ${s.rpcFile} failed: ${(e as Error).message}`);
      }
      const env: PluginFlowEnv = {
        hooks: runtime.hooks,
        context: state.context!,
        lightning,
        configuration: params.configuration,
        keyMode: s.keyMode,
        log: (level, m) => runtime.log(level, m),
        blockheight: () => state.blockheight,
      };
      for (const flow of PLUGIN_FLOWS) {
        const undo = flow.install(env);
        if (undo) state.undo.push(undo);
        runtime.log('debug', `flow ${flow.name} installed`);
      }
      runtime.log('info', `lnsigner daemon running: JSON-RPC at ${daemon.rpcFile}, network ${s.network}, key mode ${s.keyMode}, ` +
        `device ${s.device ?? '(none)'}, lightning-rpc ${s.rpcFile}`);
    },
    onNotification(topic, params) {
      if (topic === 'block_added') {
        const h = (params.block_added as { height?: unknown } | undefined)?.height;
        if (typeof h === 'number') state.blockheight = h;
      }
    },
    async shutdown() {
      for (const f of state.undo.splice(0).reverse()) {
        try {
          await f();
        } catch (e) {
          rt?.log('broken', `while stopping: ${(e as Error).message}`);
        }
      }
    },
  };
}
