// Core Lightning's plugin framing (cln-offers-flow-digest §1.2), used by both
// ends: the plugin reading lightningd's stdin stream and the simulated
// lightningd reading a plugin's stdout. Incoming bytes are a stream of JSON
// objects: lightningd ends each of its messages with "\n\n" but its own
// reader does not rely on delimiters, so neither does this one (a message may
// arrive in many chunks, and one chunk may hold several messages). Outgoing
// messages are one compact JSON object followed by "\n\n", as lightningd
// writes them.
import { JsonSyntaxError, member, parseJson, rawText, toPlain, type JsonNode } from '../rpc/json-scan.js';
import { toJsonText } from '../rpc/json-out.js';
import { JsonStreamSplitter } from '../rpc/stream-splitter.js';

/** Largest single message accepted (hook payloads carry up to 64 KiB onions; RPC replies can be larger). */
export const MAX_PLUGIN_MESSAGE_BYTES = 64 << 20;

/** One JSON-RPC 2.0 message of the plugin protocol, decoded. */
export interface PluginMessage {
  /** The id's raw JSON text (echoed byte for byte in replies), absent for notifications. */
  readonly rawId?: string;
  readonly method?: string;
  /** Plain JSON (integers beyond 2^53 as bigint). */
  readonly params?: unknown;
  readonly result?: unknown;
  readonly error?: { code?: unknown; message?: unknown; data?: unknown };
  /** The whole message as parsed, for callers that need raw tokens. */
  readonly node: JsonNode;
}

export class PluginFramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PluginFramingError';
  }
}

/**
 * Cuts a byte stream into plugin-protocol messages. push() returns the
 * complete messages the chunk finished; it throws PluginFramingError (and
 * stays dead) on input lightningd itself would kill a plugin for: something
 * that is not JSON, not an object, or an object without "jsonrpc" (§1.1).
 */
export class PluginMessageReader {
  private readonly splitter: JsonStreamSplitter;
  private dead = false;

  constructor(maxMessageBytes = MAX_PLUGIN_MESSAGE_BYTES) {
    this.splitter = new JsonStreamSplitter(maxMessageBytes);
  }

  /** Bytes of an unfinished message held back. */
  get pending(): number {
    return this.splitter.pending;
  }

  push(chunk: Uint8Array): PluginMessage[] {
    if (this.dead) throw new PluginFramingError('stream already failed');
    const out: PluginMessage[] = [];
    for (const ev of this.splitter.push(chunk)) {
      if (ev.kind === 'error') {
        this.dead = true;
        throw new PluginFramingError(
          ev.reason === 'too-large' ? `message larger than ${this.splitter.maxValueBytes} bytes` : 'Failed to parse RPC JSON response',
        );
      }
      out.push(this.decode(ev.bytes));
    }
    return out;
  }

  private decode(bytes: Uint8Array): PluginMessage {
    let node: JsonNode;
    try {
      node = parseJson(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (e) {
      this.dead = true;
      throw new PluginFramingError(`Failed to parse RPC JSON response: ${e instanceof JsonSyntaxError ? e.message : String(e)}`);
    }
    if (node.type !== 'object') {
      this.dead = true;
      throw new PluginFramingError('JSON-RPC message is not an object');
    }
    // §1.1: lightningd kills a plugin whose message has no "jsonrpc" member.
    if (!member(node, 'jsonrpc')) {
      this.dead = true;
      throw new PluginFramingError('JSON-RPC message does not contain "jsonrpc" field');
    }
    const id = member(node, 'id');
    const method = member(node, 'method');
    const params = member(node, 'params');
    const result = member(node, 'result');
    const error = member(node, 'error');
    return {
      rawId: id && id.type !== 'null' ? rawText(id) : undefined,
      method: method?.type === 'string' ? method.value : undefined,
      params: params ? toPlain(params) : undefined,
      result: result ? toPlain(result) : undefined,
      error: error ? (toPlain(error) as PluginMessage['error']) : undefined,
      node,
    };
  }
}

/** A request or notification, framed as lightningd frames its own: the object then "\n\n". */
export function frameRequest(method: string, params: unknown, rawId?: string): string {
  const id = rawId === undefined ? '' : `"id":${rawId},`;
  return `{"jsonrpc":"2.0",${id}"method":${JSON.stringify(method)},"params":${toJsonText(params ?? {})}}\n\n`;
}

/** A success reply carrying the request's id text verbatim. */
export function frameResult(rawId: string, result: unknown): string {
  return `{"jsonrpc":"2.0","id":${rawId},"result":${toJsonText(result)}}\n\n`;
}

/** An error reply. */
export function frameError(rawId: string, error: { code: number; message: string; data?: unknown }): string {
  return `{"jsonrpc":"2.0","id":${rawId},"error":${toJsonText(error)}}\n\n`;
}

/** The id as a JSON string (ids of the protocol are strings since v22.11, §1.3). */
export const idText = (id: string) => JSON.stringify(id);
