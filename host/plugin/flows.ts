// Where the merchant and payer flows (issue 11) plug into the plugin: each
// flow is installed once the daemon runs, registers hook handlers that
// consume only its own messages (returning `undefined` for everything else,
// which the registry turns into `continue`: hooks.ts), and may use the
// daemon's command context and the RPC client to lightningd.
import { merchantFlow } from '../merchant/flow.js';
import { payerFlow } from '../payer/flow.js';
import type { PluginFlow } from './flow-types.js';

export type { PluginFlow, PluginFlowEnv } from './flow-types.js';

/** The flows installed at init, in this order (their handlers are tried in this order). */
export const PLUGIN_FLOWS: PluginFlow[] = [merchantFlow, payerFlow];
