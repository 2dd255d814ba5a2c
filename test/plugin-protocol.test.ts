// The plugin protocol pieces in-process: framing (digest §1.2) as both ends
// read it, the runtime's answers to getmanifest / init / hooks / RPC methods
// (§1.4–§1.7, §8 items 1–3) and its shutdown on the `shutdown` notification
// and on EOF (§1.9), and the hook registry's "consume only your own" dispatch.
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { frameError, frameRequest, frameResult, PluginFramingError, PluginMessageReader, type PluginMessage } from '../host/plugin/framing.js';
import { HookRegistry } from '../host/plugin/hooks.js';
import { PluginRuntime, type PluginDefinition } from '../host/plugin/runtime.js';
import { LNSIGNER_HOOKS, LNSIGNER_OPTIONS, lnsignerPlugin, pluginSettings } from '../host/plugin/lnsigner.js';
import { RpcError } from '../host/rpc/errors.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('plugin framing', () => {
  it('a message split over many chunks comes out once, when complete', () => {
    const r = new PluginMessageReader();
    const text = frameRequest('getmanifest', { 'allow-deprecated-apis': false }, '"cln:getmanifest#1"');
    const bytes = enc(text);
    const got: PluginMessage[] = [];
    for (let i = 0; i < bytes.length; i++) got.push(...r.push(bytes.subarray(i, i + 1)));
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ rawId: '"cln:getmanifest#1"', method: 'getmanifest', params: { 'allow-deprecated-apis': false } });
    expect(r.pending).toBe(0);
  });

  it('several messages in one chunk, with or without the blank line between them, and a string holding braces', () => {
    const r = new PluginMessageReader();
    const chunk = frameResult('"a"', { s: '}{"x"\\' }) + '{"jsonrpc":"2.0","method":"log","params":{"message":"m"}}' +
      frameError('"b"', { code: -1, message: 'no' }) + '{"jsonrpc":"2.0","id":"c","res';
    const got = r.push(enc(chunk));
    expect(got.map((m) => m.rawId ?? m.method)).toEqual(['"a"', 'log', '"b"']);
    expect(got[0].result).toEqual({ s: '}{"x"\\' });
    expect(got[2].error).toEqual({ code: -1, message: 'no' });
    expect(r.push(enc('ult":{}}\n\n'))).toMatchObject([{ rawId: '"c"', result: {} }]);
  });

  it('large messages (8 MiB) in odd-sized chunks', () => {
    const r = new PluginMessageReader();
    const big = 'ab'.repeat(4 << 20);
    const bytes = enc(frameRequest('onion_message_recv', { onion_message: { invoice_request: big } }, '"cln:x#9"') + frameResult('"y"', {}));
    const got: PluginMessage[] = [];
    for (let i = 0; i < bytes.length; i += 65_521) got.push(...r.push(bytes.subarray(i, i + 65_521)));
    expect(got).toHaveLength(2);
    expect((got[0].params as { onion_message: { invoice_request: string } }).onion_message.invoice_request).toBe(big);
    expect(got[1].rawId).toBe('"y"');
  });

  it('kills the stream as lightningd does: not JSON, no "jsonrpc", over the size limit', () => {
    expect(() => new PluginMessageReader().push(enc('hello\n'))).toThrow(PluginFramingError);
    expect(() => new PluginMessageReader().push(enc('{"id":"1","result":{}}'))).toThrow(/does not contain "jsonrpc"/);
    const small = new PluginMessageReader(100);
    expect(() => small.push(enc(`{"jsonrpc":"2.0","x":"${'a'.repeat(200)}`))).toThrow(/larger than 100/);
  });

  it('ids are echoed as their raw JSON text and big integers stay exact', () => {
    const [m] = new PluginMessageReader().push(enc('{"jsonrpc":"2.0","id":"cln:htlc_accepted#7","method":"htlc_accepted","params":{"htlc":{"amount_msat":18446744073709551615}}}'));
    expect(m.rawId).toBe('"cln:htlc_accepted#7"');
    expect((m.params as any).htlc.amount_msat).toBe(18446744073709551615n);
    expect(frameResult(m.rawId!, { result: 'continue' })).toBe('{"jsonrpc":"2.0","id":"cln:htlc_accepted#7","result":{"result":"continue"}}\n\n');
  });
});

describe('hook registry', () => {
  it('the first handler that claims an event answers; unclaimed events continue; a throwing handler is skipped', async () => {
    const errors: string[] = [];
    const reg = new HookRegistry(['onion_message_recv'], { debug() {}, error: (m) => errors.push(m) });
    expect(await reg.dispatch('onion_message_recv', {})).toEqual({ result: 'continue' });
    reg.register('onion_message_recv', 'broken', () => { throw new Error('boom'); });
    reg.register('onion_message_recv', 'merchant', (p) => ((p as any).onion_message?.invoice_request === 'ours' ? { result: 'handled' } : undefined));
    reg.register('onion_message_recv', 'payer', async (p) => ((p as any).onion_message?.invoice ? { result: 'paid' } : undefined));
    expect(await reg.dispatch('onion_message_recv', { onion_message: { invoice_request: 'theirs' } })).toEqual({ result: 'continue' });
    expect(await reg.dispatch('onion_message_recv', { onion_message: { invoice_request: 'ours' } })).toEqual({ result: 'handled' });
    expect(await reg.dispatch('onion_message_recv', { onion_message: { invoice: '00' } })).toEqual({ result: 'paid' });
    expect(errors.length).toBe(3);
    expect(reg.owners('onion_message_recv')).toEqual(['broken', 'merchant', 'payer']);
    expect(() => reg.register('invoice_payment', 'x', () => undefined)).toThrow(/not registered with lightningd/);
  });
});

/** A runtime on in-memory pipes; `lightningd` writes to its stdin and reads what it answers. */
function harness(def: Partial<PluginDefinition> = {}) {
  const input = new PassThrough();
  const output = new PassThrough();
  const stopped: string[] = [];
  const full: PluginDefinition = {
    options: [{ name: 'x-opt', type: 'string', description: 'd' }],
    rpcmethods: [
      { name: 'x-echo', usage: '[p]', run: (p) => ({ got: p }) },
      { name: 'x-fail', usage: '', run: () => { throw new RpcError(1234, 'refused', { why: 1 }); } },
    ],
    hooks: [{ name: 'onion_message_recv', before: ['offers'] }, { name: 'htlc_accepted' }],
    subscriptions: ['block_added'],
    dynamic: false,
    init: async () => {},
    shutdown: async () => { stopped.push('stopped'); },
    ...def,
  };
  const rt = new PluginRuntime(full, { input, output, stderr: () => {} });
  const done = rt.run();
  const reader = new PluginMessageReader();
  const inbox: PluginMessage[] = [];
  const waiters: Array<() => void> = [];
  output.on('data', (c: Buffer) => {
    inbox.push(...reader.push(c));
    for (const w of waiters.splice(0)) w();
  });
  const next = async (pred: (m: PluginMessage) => boolean): Promise<PluginMessage> => {
    for (;;) {
      const i = inbox.findIndex(pred);
      if (i >= 0) return inbox.splice(i, 1)[0];
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  let n = 0;
  const call = async (method: string, params: unknown) => {
    const id = `"cln:${method}#${++n}"`;
    input.write(frameRequest(method, params, id));
    return next((m) => m.rawId === id);
  };
  return { rt, input, output, done, call, next, inbox, stopped };
}

const INIT = { options: {}, configuration: { 'lightning-dir': '/tmp', 'rpc-file': 'lightning-rpc', network: 'regtest', startup: true } };

describe('plugin runtime', () => {
  it('getmanifest, init, hooks (nested result), methods, log, then the shutdown notification', async () => {
    const h = harness();
    const man = await h.call('getmanifest', { 'allow-deprecated-apis': false });
    expect(man.result).toMatchObject({
      options: [{ name: 'x-opt' }], rpcmethods: [{ name: 'x-echo', usage: '[p]' }, { name: 'x-fail', usage: '' }],
      hooks: [{ name: 'onion_message_recv', before: ['offers'] }, { name: 'htlc_accepted' }],
      subscriptions: ['block_added', 'shutdown'], nonnumericids: true, dynamic: false,
    });
    expect((await h.call('init', INIT)).result).toEqual({});
    h.rt.hooks.register('onion_message_recv', 't', (p) => ((p as any).mine ? { result: 'consumed' } : undefined));
    expect((await h.call('onion_message_recv', { onion_message: {} })).result).toEqual({ result: 'continue' });
    expect((await h.call('onion_message_recv', { mine: true })).result).toEqual({ result: 'consumed' });
    expect((await h.call('htlc_accepted', {})).result).toEqual({ result: 'continue' });
    expect((await h.call('x-echo', ['a', 1])).result).toEqual({ got: ['a', 1] });
    expect((await h.call('x-fail', {})).error).toEqual({ code: 1234, message: 'refused', data: { why: 1 } });
    expect((await h.call('getinfo', {})).error).toMatchObject({ code: -32601 });
    h.rt.log('unusual', 'hello lightningd');
    expect((await h.next((m) => m.method === 'log' && (m.params as any).message === 'hello lightningd')).params).toEqual({ level: 'unusual', message: 'hello lightningd' });
    h.input.write(frameRequest('shutdown', { shutdown: {} }));
    expect(await h.done).toBe(0);
    expect(h.stopped).toEqual(['stopped']);
  });

  it('requests run concurrently: a slow hook does not hold up the next one', async () => {
    let release!: () => void;
    const h = harness();
    await h.call('init', INIT);
    h.rt.hooks.register('htlc_accepted', 'slow', (p) => ((p as any).slow ? new Promise((r) => (release = () => r({ result: 'resolve', payment_key: '00' })) ) : undefined));
    const slow = h.call('htlc_accepted', { slow: true });
    expect((await h.call('htlc_accepted', {})).result).toEqual({ result: 'continue' });
    release();
    expect((await slow).result).toEqual({ result: 'resolve', payment_key: '00' });
    h.input.end();
    expect(await h.done).toBe(0);
  });

  it('EOF on stdin stops it (the hooks in flight still get their answer)', async () => {
    const h = harness();
    await h.call('init', INIT);
    h.input.end();
    expect(await h.done).toBe(0);
    expect(h.stopped).toEqual(['stopped']);
  });

  it('an init that fails answers {"disable": why} and stops', async () => {
    const h = harness({ init: async () => ({ disable: 'no device' }) });
    expect((await h.call('init', INIT)).result).toEqual({ disable: 'no device' });
    expect(await h.done).toBe(0);
  });
});

describe('lnsigner plugin definition', () => {
  it('manifest: our options, hooks before offers, not dynamic, method names CLN does not have', () => {
    const h = harness(lnsignerPlugin(false));
    const m = h.rt.manifest();
    expect(m.options.map((o) => o.name)).toEqual(['lnsigner-device', 'lnsigner-data-dir', 'lnsigner-key-mode', 'lnsigner-currency-rates']);
    expect(LNSIGNER_OPTIONS.find((o) => o.name === 'lnsigner-key-mode')).toMatchObject({ type: 'string', default: 'device' });
    expect(m.hooks).toEqual(LNSIGNER_HOOKS);
    expect(m.hooks).toEqual([
      { name: 'onion_message_recv', before: ['offers'] },
      { name: 'onion_message_recv_secret', before: ['offers'] },
      { name: 'htlc_accepted' },
    ]);
    expect(m.dynamic).toBe(false);
    expect(m.subscriptions).toEqual(expect.arrayContaining(['shutdown', 'block_added']));
    for (const r of m.rpcmethods) expect(r.name.startsWith('lnsigner-')).toBe(true);
  });

  it('init settings: network from lightningd, rpc-file against lightning-dir, data dir default and relative paths', () => {
    const base = { options: {}, configuration: { 'lightning-dir': '/ln/regtest', 'rpc-file': 'lightning-rpc', network: 'regtest' } };
    expect(pluginSettings(base)).toEqual({
      network: 'regtest', lightningDir: '/ln/regtest', rpcFile: '/ln/regtest/lightning-rpc', dataDir: '/ln/regtest/lnsigner',
      device: undefined, keyMode: 'device', currencyRates: undefined,
    });
    expect(pluginSettings({ ...base, options: { 'lnsigner-data-dir': 'lns', 'lnsigner-device': '/dev/serial/by-id/x', 'lnsigner-key-mode': 'node' } }))
      .toMatchObject({ dataDir: '/ln/regtest/lns', device: '/dev/serial/by-id/x', keyMode: 'node' });
    expect(pluginSettings({ ...base, options: { 'lnsigner-key-mode': 'both' } })).toEqual({ error: '--lnsigner-key-mode must be device or node, not both' });
    expect(pluginSettings({ ...base, configuration: { ...base.configuration, network: 'testnet4' } })).toMatchObject({ error: expect.stringContaining('testnet4') });
    const long = '/' + 'd'.repeat(120);
    expect(pluginSettings({ ...base, configuration: { ...base.configuration, 'lightning-dir': long } })).toMatchObject({ rpcFile: 'lightning-rpc' });
    expect(pluginSettings({ ...base, configuration: { ...base.configuration, 'rpc-file': '/abs/rpc' } })).toMatchObject({ rpcFile: '/abs/rpc' });
  });
});
