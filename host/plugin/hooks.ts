// The plugin's hook dispatch: a registry of handlers per hook name. lightningd
// calls a hook once per event and waits for one answer (digest §1.7); inside
// the plugin several flows may want the same hook (the merchant flow wants
// invoice_requests for our offers, the payer flow invoices for our requests),
// so each registers a handler that returns a reply only for the events it
// consumes and `undefined` for everything else. The first reply wins; when
// no handler claims an event the answer is `{"result":"continue"}`, which
// passes the event on to the next plugin in lightningd's chain (CLN's own
// `offers` plugin after us, §7).

/** A hook's `result` object (the JSON-RPC result, itself holding `result`: §8 item 1). */
export type HookReply = { result: string; [k: string]: unknown } | { [k: string]: unknown };

export const CONTINUE: HookReply = Object.freeze({ result: 'continue' });

export interface HookLog {
  debug(msg: string): void;
  error(msg: string): void;
}

/**
 * Returns the reply when this handler consumes the event, `undefined` to let
 * the next handler (and finally lightningd's next plugin) see it.
 */
export type HookHandler = (payload: Record<string, unknown>, call: { id: string; hook: string }) =>
  HookReply | undefined | Promise<HookReply | undefined>;

interface Entry {
  owner: string;
  handler: HookHandler;
}

export class HookRegistry {
  private readonly handlers = new Map<string, Entry[]>();

  constructor(
    /** Hooks the plugin registers with lightningd; handlers for others would never run. */
    readonly hooks: readonly string[],
    private readonly log?: HookLog,
  ) {}

  /** Adds `handler` for `hook` after the ones already there; returns a function that removes it. */
  register(hook: string, owner: string, handler: HookHandler): () => void {
    if (!this.hooks.includes(hook)) throw new Error(`hook ${hook} is not registered with lightningd (manifest hooks: ${this.hooks.join(', ')})`);
    const list = this.handlers.get(hook) ?? [];
    const entry = { owner, handler };
    list.push(entry);
    this.handlers.set(hook, list);
    return () => {
      const l = this.handlers.get(hook);
      const i = l?.indexOf(entry) ?? -1;
      if (l && i >= 0) l.splice(i, 1);
    };
  }

  /** Owners of the handlers of `hook`, in call order. */
  owners(hook: string): string[] {
    return (this.handlers.get(hook) ?? []).map((e) => e.owner);
  }

  /**
   * Runs the handlers of `hook` in order until one replies. Never throws: a
   * JSON-RPC error answer to a hook is fatal for lightningd (§1.7, §8 item 1),
   * so a handler that throws is logged and skipped, and the default is
   * `continue`.
   */
  async dispatch(hook: string, payload: Record<string, unknown>, id = ''): Promise<HookReply> {
    for (const { owner, handler } of this.handlers.get(hook) ?? []) {
      try {
        const reply = await handler(payload, { id, hook });
        if (reply !== undefined) {
          this.log?.debug(`hook ${hook} ${id}: ${owner} answered ${JSON.stringify((reply as { result?: unknown }).result ?? '(no result)')}`);
          return reply;
        }
      } catch (e) {
        this.log?.error(`hook ${hook} ${id}: handler ${owner} failed, passing the event on: ${(e as Error)?.stack ?? String(e)}`);
      }
    }
    return CONTINUE;
  }
}
