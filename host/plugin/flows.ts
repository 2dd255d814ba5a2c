// Where the merchant and payer flows (issue 11) plug into the plugin: each
// flow is installed once the daemon runs, registers hook handlers that
// consume only its own messages (returning `undefined` for everything else,
// which the registry turns into `continue`: hooks.ts), and may use the
// daemon's command context and the RPC client to lightningd.
import type { CommandContext } from '../commands/context.js';
import type { KeyMode } from '../daemon/daemon.js';
import type { LightningRpcClient } from '../node/client.js';
import type { HookRegistry } from './hooks.js';
import type { InitConfiguration, PluginLogLevel } from './protocol.js';
import { merchantFlow } from '../merchant/flow.js';

export interface PluginFlowEnv {
  hooks: HookRegistry;
  /** The running daemon's context: store, device, payments … (host/commands/context.ts). */
  context: CommandContext;
  /** lightningd's JSON-RPC (its lightning-rpc socket). */
  lightning: LightningRpcClient;
  configuration: InitConfiguration;
  keyMode: KeyMode;
  log(level: PluginLogLevel, message: string): void;
  /** Latest `block_added` height seen (undefined until the first one). */
  blockheight(): number | undefined;
}

export interface PluginFlow {
  /** Shown in logs (e.g. `merchant`). */
  readonly name: string;
  /** Registers its handlers; returns what to undo at shutdown. */
  install(env: PluginFlowEnv): void | (() => void | Promise<void>);
}

/** The flows installed at init, in this order (their handlers are tried in this order). */
export const PLUGIN_FLOWS: PluginFlow[] = [merchantFlow];
