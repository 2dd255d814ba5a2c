// Shapes of Core Lightning's plugin protocol (cln-offers-flow-digest §1.4,
// §1.5, §1.8): the manifest a plugin returns to `getmanifest`, the `init`
// request, log levels. Shared by the plugin runtime (runtime.ts) and the
// simulated lightningd that hosts plugins (host/simnet/plugin-host.ts).

/** §1.4 option types. */
export const OPTION_TYPES = ['string', 'string-conceal', 'int', 'bool', 'flag'] as const;
export type OptionType = (typeof OPTION_TYPES)[number];

export interface ManifestOption {
  /** Only [0-9a-z_-] (§1.4). */
  name: string;
  type: OptionType;
  description: string;
  default?: string | number | boolean;
  multi?: boolean;
  dynamic?: boolean;
}

export interface ManifestRpcMethod {
  name: string;
  /** Required by lightningd ("\"usage\" not provided by plugin"). */
  usage: string;
  description?: string;
}

export interface ManifestHook {
  name: string;
  /** Plugin names (executable basenames, e.g. `offers`) this hook must run before. */
  before?: string[];
  after?: string[];
}

export interface Manifest {
  options: ManifestOption[];
  rpcmethods: ManifestRpcMethod[];
  hooks?: Array<ManifestHook | string>;
  subscriptions?: string[];
  notifications?: Array<{ method: string }>;
  featurebits?: Record<string, string>;
  nonnumericids?: boolean;
  dynamic?: boolean;
  disable?: string;
}

/** §1.5 `init` params.configuration. */
export interface InitConfiguration {
  'lightning-dir': string;
  'rpc-file': string;
  startup?: boolean;
  network: string;
  feature_set?: Record<string, string>;
  [k: string]: unknown;
}

export interface InitParams {
  options: Record<string, unknown>;
  configuration: InitConfiguration;
}

/** §1.8: levels lightningd accepts in a plugin's `log` notification (case-insensitive). */
export const PLUGIN_LOG_LEVELS = ['trace', 'debug', 'info', 'unusual', 'warn', 'broken', 'error'] as const;
export type PluginLogLevel = (typeof PLUGIN_LOG_LEVELS)[number];

/** §1.4: option names lightningd accepts. */
export const OPTION_NAME = /^[0-9a-z_-]+$/;

/** Hooks lightningd knows (lightningd/plugin_hook.c at the digest's HEAD); any other name kills the plugin. */
export const KNOWN_HOOKS = [
  'peer_connected', 'recover', 'commitment_revocation', 'db_write', 'invoice_payment', 'openchannel', 'openchannel2',
  'openchannel2_changed', 'openchannel2_sign', 'rbf_channel', 'htlc_accepted', 'rpc_command', 'custommsg',
  'onion_message_recv', 'onion_message_recv_secret',
] as const;
