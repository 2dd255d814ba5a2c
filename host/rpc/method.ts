// What a JSON-RPC method is: a name, its parameter table (positional order =
// table order) and a handler. One module per command under host/commands/.
import { checkTable, type ParamTable, type ParsedParams } from './params.js';

/** Levels of a `message` notification (lightning-getlog's names). */
export type NotifyLevel = 'debug' | 'info' | 'warn' | 'error';

export interface CallInfo {
  /** The request id's raw JSON text. */
  readonly id: string;
  readonly method: string;
  /**
   * Sends a `message` notification about this request to its client, if the
   * client enabled notifications on its connection (Core Lightning's
   * `notifications` command); otherwise nothing is sent.
   */
  readonly notify?: (message: string, level?: NotifyLevel) => void;
}

export interface RpcMethod<P extends ParamTable = ParamTable, C = unknown> {
  readonly name: string;
  /** One line for `help`. */
  readonly summary: string;
  readonly params: P;
  /**
   * Deprecated (Core Lightning's deprecated commands, e.g. getroute in v26.06):
   * refused with -32601 `Command "NAME" is deprecated` unless the connection
   * enabled deprecated APIs with the built-in `deprecations` command.
   */
  readonly deprecated?: boolean;
  /** Passthrough (a plugin's method on the simnet): run() gets `{ raw: <params token> }`, unparsed. */
  readonly rawParams?: boolean;
  /**
   * Runs the command. Returns the `result` object; throws RpcError /
   * BadParamError for CLN-shaped errors (anything else becomes code -1).
   */
  run(args: ParsedParams<P>, ctx: C, call: CallInfo): unknown | Promise<unknown>;
}

export function defineMethod<P extends ParamTable, C>(m: RpcMethod<P, C>): RpcMethod<P, C> {
  checkTable(m.params);
  return m;
}
