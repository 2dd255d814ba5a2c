// `lnsigner [--data-dir <dir>] [-k|-o] [-R] <command> [params...]`: sends one
// JSON-RPC request to the daemon and prints the answer, in the manner of
// lightning-cli (cli/lightning-cli.c):
// - parameters are positional in the command's documented order, or
//   `key=value` with -k (also chosen automatically when the first parameter
//   contains '=');
// - a value that looks like a JSON literal (only digits and '.', true, false,
//   null, or wrapped in {} [] or "") is sent as is, anything else as a JSON
//   string;
// - the result (or the error object) is printed with three-space indentation,
//   tokens exactly as the daemon wrote them (-R: the raw JSON on one line);
// - exit codes: 0 result, 1 error from the daemon, 2 cannot talk to the
//   daemon, 3 usage error;
// - notifications: first `notifications {"enable":true}` on the connection
//   (as lightning-cli does unless `-N none`), then every `message`
//   notification about our request at or above the `-N` level (default info)
//   is printed as `# <message>` — on stderr (lightning-cli prints it on
//   stdout), so stdout stays the result.
import { createConnection } from 'node:net';
import { resolve } from 'node:path';
import { defaultDataDir, RPC_FILE } from '../daemon/data-dir.js';
import { JsonSyntaxError, member, parseJson, rawText, type JsonNode } from '../rpc/json-scan.js';
import { prettyJson } from '../rpc/json-print.js';
import { JsonStreamSplitter } from '../rpc/stream-splitter.js';

export const EXIT_OK = 0;
export const EXIT_RPC_ERROR = 1;
export const EXIT_TALKING = 2;
export const EXIT_USAGE = 3;

export const CLIENT_USAGE =
  'usage: lnsigner [--data-dir <dir>] [--rpc-file <path>] [-k|--keywords] [-o|--order] [-R|--raw] ' +
  '[-N|--notifications debug|info|warn|error|none] <command> [params...]';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

export interface ClientIo {
  out(s: string): void;
  err(s: string): void;
}

const stdio: ClientIo = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

interface ClientArgs {
  rpcFile: string;
  dataDir: string;
  input: 'keywords' | 'ordered' | 'auto';
  raw: boolean;
  /** Lowest notification level printed; 'none' = notifications not enabled. */
  notifications: Level | 'none';
  method: string;
  params: string[];
}

class UsageError extends Error {}

function parseArgs(argv: string[]): ClientArgs {
  let dataDir: string | undefined;
  let rpcFile: string | undefined;
  let input: ClientArgs['input'] = 'auto';
  let raw = false;
  let notifications: ClientArgs['notifications'] = 'info';
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      words.push(...argv.slice(i + 1));
      break;
    }
    const eq = a.indexOf('=');
    const key = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const value = () => {
      const v = key !== a ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${key} needs a value`);
      return v;
    };
    // Only our own options are options: a parameter such as -604800+86400 is a parameter.
    if (key === '--data-dir') dataDir = value();
    else if (key === '--rpc-file') rpcFile = value();
    else if (a === '-k' || a === '--keywords') input = 'keywords';
    else if (a === '-o' || a === '--order') input = 'ordered';
    else if (a === '-R' || a === '--raw') raw = true;
    else if (key === '-N' || key === '--notifications') {
      const v = value();
      if (v !== 'none' && !(LEVELS as readonly string[]).includes(v)) throw new UsageError(`${key}: Invalid level '${v}'`);
      notifications = v as ClientArgs['notifications'];
    } else words.push(a);
  }
  const [method, ...params] = words;
  if (!method) throw new UsageError('no command given');
  const dir = resolve(dataDir ?? defaultDataDir());
  return { dataDir: dir, rpcFile: rpcFile ? resolve(rpcFile) : resolve(dir, RPC_FILE), input, raw, notifications, method, params };
}

/** lightning-cli's is_literal: sent without quoting. */
export function isLiteral(arg: string): boolean {
  if (arg.length === 0) return false;
  const first = arg[0];
  const last = arg[arg.length - 1];
  return (
    /^[0-9.]+$/.test(arg) ||
    arg === 'true' ||
    arg === 'false' ||
    arg === 'null' ||
    (first === '{' && last === '}') ||
    (first === '[' && last === ']') ||
    (first === '"' && last === '"' && arg.length > 1)
  );
}

/**
 * A literal that is not valid JSON (`00`, `1.2.3`, `{x}`) is sent as a string
 * instead of producing a malformed request as lightning-cli would.
 */
function jsonValue(arg: string): string {
  if (isLiteral(arg)) {
    try {
      parseJson(arg);
      return arg;
    } catch {
      // not JSON after all: a string
    }
  }
  return JSON.stringify(arg);
}

/** The request text lightning-cli would send for these arguments. */
export function buildRequest(method: string, params: string[], input: ClientArgs['input'], id: string): string {
  const keywords = input === 'keywords' || (input === 'auto' && params.length > 0 && params[0].includes('='));
  let body: string;
  if (keywords) {
    const parts = params.map((p) => {
      const eq = p.indexOf('=');
      if (eq < 0) throw new UsageError(`Expected key=value in '${p}'`);
      return `${JSON.stringify(p.slice(0, eq))}: ${jsonValue(p.slice(eq + 1))}`;
    });
    body = `{ ${parts.join(', ')} }`;
  } else {
    body = `[ ${params.map(jsonValue).join(', ')} ]`;
  }
  const text = `{ "jsonrpc": "2.0", "method": ${JSON.stringify(method)}, "id": ${JSON.stringify(id)}, "params": ${body} }`;
  try {
    parseJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) {
      throw new UsageError(`Some parameters are malformed, cannot create a valid JSON-RPC request: ${text}`);
    }
    throw e;
  }
  return text;
}

class TalkError extends Error {}

/** What to do with notifications while waiting for the answer. */
interface NotifySink {
  /** The `notifications` request to send first, or undefined for none. */
  enable?: { id: string; text: string };
  /** Called for each notification (an object with method and params but no id). */
  onNotification(method: string, params: JsonNode): void;
}

/** A JSON-RPC notification: an object with method and params and no id (lightning-cli's handle_notify). */
function asNotification(node: JsonNode): { method: string; params: JsonNode } | undefined {
  if (node.type !== 'object' || member(node, 'id')) return undefined;
  const method = member(node, 'method');
  const params = member(node, 'params');
  if (!method || method.type !== 'string' || !params) return undefined;
  return { method: method.value, params };
}

/**
 * Sends `request` (after the `notifications` request, when enabled, and its
 * answer), hands notifications to `sink`, and resolves to the first other
 * complete JSON value the daemon answers.
 */
function exchange(rpcFile: string, request: string, sink: NotifySink): Promise<JsonNode> {
  return new Promise((resolvePromise, reject) => {
    const sock = createConnection(rpcFile);
    const splitter = new JsonStreamSplitter(64 << 20);
    let done = false;
    let enabling = sink.enable !== undefined;
    const finish = (f: () => void) => {
      if (done) return;
      done = true;
      sock.destroy();
      f();
    };
    sock.once('connect', () => sock.write(sink.enable ? sink.enable.text : request));
    sock.on('data', (chunk: Buffer) => {
      for (const ev of splitter.push(chunk)) {
        if (ev.kind === 'error') return finish(() => reject(new TalkError('malformed response from the daemon')));
        let node: JsonNode;
        try {
          const text = new TextDecoder('utf-8', { fatal: true }).decode(ev.bytes);
          node = parseJson(text);
        } catch (e) {
          return finish(() => reject(new TalkError(`malformed response '${(e as Error).message}'`)));
        }
        const note = asNotification(node);
        if (note) {
          sink.onNotification(note.method, note.params);
          continue;
        }
        if (enabling) {
          // The answer to `notifications` (whatever it is: an older daemon
          // may not know the command); now the request itself.
          enabling = false;
          sock.write(request);
          continue;
        }
        return finish(() => resolvePromise(node));
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      const hint =
        e.code === 'ENOENT' || e.code === 'ECONNREFUSED'
          ? `no lnsigner daemon is running there (start one with: lnsigner daemon --data-dir <dir> --device <path>)`
          : e.message;
      finish(() => reject(new TalkError(`Connecting to '${rpcFile}': ${hint}`)));
    });
    sock.on('end', () => finish(() => reject(new TalkError('reading response: socket closed'))));
  });
}

/** lightning-cli's handling: `message` at or above `min` as "# <message>"; others ignored. */
function printNotification(io: ClientIo, min: Level, method: string, params: JsonNode): void {
  if (method !== 'message' || params.type !== 'object') return;
  const level = member(params, 'level');
  const message = member(params, 'message');
  if (!level || level.type !== 'string' || !(LEVELS as readonly string[]).includes(level.value)) return;
  if (LEVELS.indexOf(level.value as Level) < LEVELS.indexOf(min)) return;
  if (!message || message.type !== 'string') return;
  io.err(`# ${message.value}\n`);
}

export async function runClient(argv: string[], io: ClientIo = stdio): Promise<number> {
  let args: ClientArgs;
  let request: string;
  try {
    args = parseArgs(argv);
    if (args.method === 'daemon') throw new UsageError("'daemon' takes its options after it: lnsigner daemon --data-dir <dir> ...");
    const reqId = /^[A-Za-z0-9_-]+$/.test(args.method)
      ? `cli:${args.method}#${process.pid}`
      : `cli:weirdmethod!#${process.pid}`;
    request = buildRequest(args.method, args.params, args.input, reqId);
    const min = args.notifications;
    const sink: NotifySink = {
      enable:
        min === 'none'
          ? undefined
          : {
              id: `cli:notifications#${process.pid}`,
              text: `{"jsonrpc":"2.0","method":"notifications","id":"cli:notifications#${process.pid}","params":{"enable":true}}`,
            },
      onNotification: (method, params) => {
        if (min !== 'none') printNotification(io, min, method, params);
      },
    };
    let resp: JsonNode;
    try {
      resp = await exchange(args.rpcFile, request, sink);
    } catch (e) {
      io.err(`lnsigner: ${(e as Error).message}\n`);
      return EXIT_TALKING;
    }
    if (resp.type !== 'object') {
      io.err(`lnsigner: Non-object response '${rawText(resp)}'\n`);
      return EXIT_TALKING;
    }
    const result = member(resp, 'result');
    const error = member(resp, 'error');
    const respId = member(resp, 'id');
    if (!result && !error) {
      io.err(`lnsigner: Either 'result' or 'error' must be returned in response '${rawText(resp)}'\n`);
      return EXIT_TALKING;
    }
    if (!respId || respId.type !== 'string' || respId.value !== reqId) {
      // A request the daemon could not read at all is answered with id null.
      if (!(error && respId?.type === 'null')) {
        io.err(`lnsigner: Incorrect 'id' in response: ${rawText(resp)}\n`);
        return EXIT_TALKING;
      }
    }
    const shown = error && error.type !== 'null' ? error : (result as JsonNode);
    io.out(`${args.raw ? rawText(shown) : prettyJson(shown)}\n`);
    return shown === error ? EXIT_RPC_ERROR : EXIT_OK;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`lnsigner: ${e.message}\n${CLIENT_USAGE}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
}
