// What a flow (merchant, payer) gets from the plugin and gives back: the
// interface between host/plugin/ and the flows, kept apart from the registry
// (flows.ts) so that a flow's module depends on it without depending on the
// registry that imports the flow.
import type { CommandContext } from '../commands/context.js';
import type { KeyMode } from '../daemon/daemon.js';
import type { LightningRpcClient } from '../node/client.js';
import type { HookRegistry } from './hooks.js';
import type { InitConfiguration, PluginLogLevel } from './protocol.js';

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

