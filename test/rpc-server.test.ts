// The JSON-RPC server over a real unix socket, spoken to byte by byte: framing
// as lightningd frames it, request validation with lightningd's messages, and
// the commands with Core Lightning's results and errors (cln-rpc-examples.json
// offers #1-#2, listoffers, disableoffer, enableoffer).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hexToBytes } from '@noble/hashes/utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type RunningDaemon } from '../host/daemon/daemon.js';
import type { DeviceSigner } from '../host/daemon/device-signer.js';
import { FixedRateConverter } from '../host/grammar/currency-converter.js';
import { RpcConn } from './helpers/rpc-conn.js';

const EXAMPLES = JSON.parse(readFileSync(join(__dirname, 'vectors/cln-rpc-examples.json'), 'utf8')) as Array<{
  command: string;
  request: { id: string; method: string; params: unknown };
  response: Record<string, unknown>;
}>;
const example = (id: string) => EXAMPLES.find((e) => e.request.id === id)!;

/** The node of the CLN examples ("lightning-2"). */
const EXAMPLE_NODE_ID = '033845802d25b4e074ccfd7cd8b339a41dc75bf9978a034800444b51d42b07799a';

/**
 * Test double for the signing device: reports the example node id. (The
 * serial client of host/device-client/ replaces it; offers need no signature.)
 */
function fakeDevice(): DeviceSigner {
  return {
    getInfo: async () => ({ nodeId: hexToBytes(EXAMPLE_NODE_ID), firmwareVersion: 'test-double', imageHash: '00'.repeat(32) }),
    signBolt12: async () => {
      throw new Error('the test double does not sign');
    },
    close: async () => undefined,
  };
}

let dir: string;
let daemon: RunningDaemon;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lns-rpc-'));
  daemon = await startDaemon(
    { dataDir: dir, network: 'regtest', device: '/dev/test-double' },
    { connectDevice: async () => fakeDevice(), currency: new FixedRateConverter(new Map([['EUR', 2_700_000n]])) },
  );
});
afterAll(async () => {
  await daemon.stop();
  rmSync(dir, { recursive: true, force: true });
});

let nextId = 0;
async function call(method: string, params: unknown): Promise<any> {
  return callRaw(method, JSON.stringify(params));
}
/** `params` as raw JSON text (to send escapes JSON.stringify would not write). */
async function callRaw(method: string, params: string): Promise<any> {
  const c = await RpcConn.open(daemon.rpcFile);
  const id = `t${nextId++}`;
  c.write(`{"jsonrpc":"2.0","id":"${id}","method":"${method}","params":${params}}`);
  const [r] = await c.read();
  c.close();
  expect(r.id).toBe(id);
  return r;
}

describe('framing', () => {
  it('answers concatenated requests with no separator, each followed by a blank line', async () => {
    const c = await RpcConn.open(daemon.rpcFile);
    c.write('{"jsonrpc":"2.0","id":1,"method":"listoffers","params":{}}{"jsonrpc":"2.0","id":"two","method":"getinfo","params":[]}');
    const rs = await c.read(2);
    expect(rs.map((r) => r.id).sort()).toEqual([1, 'two']);
    c.close();
  });

  it('reassembles a request written one byte at a time, with whitespace around', async () => {
    const c = await RpcConn.open(daemon.rpcFile);
    const text = ' \n{"jsonrpc":"2.0","id":"slow","method":"listoffers","params":{"active_only":false}}\n';
    for (const ch of Buffer.from(text)) c.write(Buffer.from([ch]));
    const [r] = await c.read();
    expect(r).toEqual({ jsonrpc: '2.0', id: 'slow', result: { offers: [] } });
    c.close();
  });

  it('echoes the id exactly as sent (numbers, strings with escapes)', async () => {
    const c = await RpcConn.open(daemon.rpcFile);
    c.write('{"jsonrpc":"2.0","id":18446744073709551615,"method":"listoffers","params":[]}\n');
    c.write('{"jsonrpc":"2.0","id":"a\\"b","method":"listoffers","params":[]}\n');
    const rs = await c.read(2);
    expect(rs.map((r) => r.id)).toEqual([18446744073709551615n, 'a"b']);
    c.close();
  });

  it('malformed JSON: -32600 and the connection is closed', async () => {
    const c = await RpcConn.open(daemon.rpcFile);
    c.write('{"jsonrpc":"2.0","id":1,"method":"listoffers","params":{]}');
    const [r] = await c.read();
    expect(r.id).toBeNull();
    expect(r.error.code).toBe(-32600);
    expect(r.error.message).toMatch(/^Invalid token in json input/);
    await c.waitClosed();
  });

  it('bytes that are not UTF-8: -32600, and the connection stays usable', async () => {
    const c = await RpcConn.open(daemon.rpcFile);
    const bad = Buffer.concat([
      Buffer.from('{"jsonrpc":"2.0","id":1,"method":"offer","params":["1000", "caf'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"]}'),
    ]);
    c.write(bad);
    const [r] = await c.read();
    expect(r).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid UTF-8 in json input' } });
    c.write('{"jsonrpc":"2.0","id":2,"method":"listoffers","params":[]}');
    const [r2] = await c.read();
    expect(r2.id).toBe(2);
    c.close();
  });

  it('a request larger than the limit is refused and the connection closed', async () => {
    const c = await RpcConn.open(daemon.rpcFile);
    c.write(`{"jsonrpc":"2.0","id":1,"method":"offer","params":["${'1'.repeat(1 << 20)}"]}`);
    const [r] = await c.read();
    expect(r.error.code).toBe(-32600);
    expect(r.error.message).toMatch(/^Request too large/);
    await c.waitClosed();
  });
});

describe('request checks (lightningd parse_request)', () => {
  const cases: Array<[string, string, unknown, number, string]> = [
    ['not an object', '[1,2]', null, -32600, 'Expected {} for json command'],
    ['no id', '{"jsonrpc":"2.0","method":"getinfo","params":[]}', null, -32600, 'No id'],
    ['object id', '{"jsonrpc":"2.0","id":{},"method":"getinfo","params":[]}', null, -32600, 'Expected string/primitive for id'],
    ['no jsonrpc', '{"id":1,"method":"getinfo","params":[]}', null, -32600, 'jsonrpc: "2.0" must be specified in the request'],
    ['wrong jsonrpc', '{"jsonrpc":"1.0","id":1,"method":"getinfo","params":[]}', null, -32600, 'jsonrpc: "2.0" must be specified in the request'],
    ['duplicate key', '{"jsonrpc":"2.0","id":1,"id":2,"method":"getinfo","params":[]}', null, -32600, 'duplicate json names: id'],
    ['no method', '{"jsonrpc":"2.0","id":1,"params":[]}', 1, -32600, 'No method'],
    ['no params', '{"jsonrpc":"2.0","id":1,"method":"getinfo"}', 1, -32600, 'No params'],
    ['method not a string', '{"jsonrpc":"2.0","id":1,"method":5,"params":[]}', 1, -32600, 'Expected string for method'],
    ['unknown command', '{"jsonrpc":"2.0","id":1,"method":"frobnicate","params":[]}', 1, -32601, "Unknown command 'frobnicate'"],
    ['params a string', '{"jsonrpc":"2.0","id":1,"method":"listoffers","params":"x"}', 1, -32602, 'Expected array or object for params'],
  ];
  it.each(cases)('%s', async (_name, text, id, code, message) => {
    const c = await RpcConn.open(daemon.rpcFile);
    c.write(text);
    const [r] = await c.read();
    expect(r).toEqual({ jsonrpc: '2.0', id, error: { code, message } });
    c.close();
  });
});

describe('offer, listoffers, disableoffer, enableoffer (CLN examples)', () => {
  it('offer #1 and #2 reproduce the examples byte for byte', async () => {
    for (const ex of [example('example:offer#1'), example('example:offer#2')]) {
      const r = await call('offer', ex.request.params);
      expect(r.result).toEqual(ex.response);
    }
  });

  it('the same offer again returns the stored one with created:false and the stored label', async () => {
    const first = await call('offer', { amount: '2000sat', description: 'Offer to Disable', label: 'first label' });
    expect(first.result).toMatchObject({ offer_id: 'f26c3b52dc94122dbbff0051ea6bf9a3f99cf127781ea6fc8923ef8428b5fe99', created: true, label: 'first label' });
    const again = await call('offer', ['2000000msat', 'Offer to Disable', null, 'other label', null, null, null, null, null, null, true]);
    expect(again.result).toMatchObject({ offer_id: first.result.offer_id, created: false, label: 'first label', single_use: false });
  });

  it('listoffers #1 and #2 (active_only; by id), ordered by offer_id', async () => {
    for (const id of ['example:listoffers#1', 'example:listoffers#2']) {
      const ex = example(id);
      const r = await call('listoffers', ex.request.params);
      // The examples carry no label; ours has one on the third offer.
      for (const o of r.result.offers) delete o.label;
      expect(r.result).toEqual(ex.response);
    }
  });

  it('disableoffer #1, then its errors; enableoffer #1, then its errors', async () => {
    const off = 'f26c3b52dc94122dbbff0051ea6bf9a3f99cf127781ea6fc8923ef8428b5fe99';
    const d = await call('disableoffer', example('example:disableoffer#1').request.params);
    expect({ ...d.result, label: undefined }).toEqual({ ...example('example:disableoffer#1').response, label: undefined });
    expect((await call('disableoffer', [off])).error).toEqual({ code: 1001, message: 'offer is not active' });
    // An inactive existing offer cannot be re-created: 1000.
    expect((await call('offer', ['2000sat', 'Offer to Disable'])).error).toEqual({ code: 1000, message: "Already exists, but isn't active" });
    const e = await call('enableoffer', example('example:enableoffer#1').request.params);
    expect({ ...e.result, label: undefined }).toEqual({ ...example('example:enableoffer#1').response, label: undefined });
    expect((await call('enableoffer', [off])).error).toEqual({ code: 1006, message: 'offer already active' });
    const unknown = '00'.repeat(32);
    expect((await call('disableoffer', [unknown])).error).toEqual({ code: -1, message: 'Unknown offer' });
    expect((await call('enableoffer', { offer_id: unknown })).error).toEqual({ code: -1, message: 'Unknown offer' });
    expect((await call('listoffers', [unknown])).result).toEqual({ offers: [] });
  });

  it('parameter errors change nothing', async () => {
    const before = (await call('listoffers', [])).result.offers.length;
    const errs: Array<[unknown, string | unknown]> = [
      [['10usd', 'x'], 'amount: Unknown currency suffix usd: invalid token (see logs for details)'],
      [['1.1EUR', 'x'], 'amount: Currency EUR requires 2 minor units: invalid token (see logs for details)'],
      [['0', 'x'], 'amount: Offer contains a zero amount: invalid token (see logs for details)'],
      [{ amount: 1000 }, 'missing required parameter: description'],
      [{ amount: 1000, description: 'x', recurrence_limit: 5 }, 'recurrence_limit: needs recurrence: invalid token (see logs for details)'],
      [{ amount: 1000, description: 'x', recurrence_base: '@1' }, 'recurrence_base: needs recurrence: invalid token (see logs for details)'],
      [{ amount: 1000, description: 'x', recurrence: '1month', recurrence_paywindow: '-10+10%' }, 'recurrence_paywindow: proportional amount (%) needs recurrence_base: invalid token (see logs for details)'],
      [{ amount: 1000, description: 'x', recurrence: '0days' }, 'recurrence: Offer contains invalid recurrence period 0: invalid token (see logs for details)'],
      [{ amount: 1000, description: 'x', recurrence: 'fortnightly' }, 'recurrence: not a valid time: invalid token (see logs for details)'],
      [{ amount: 1000, description: 'x', quantity_max: -1 }, 'quantity_max: should be an unsigned 64 bit integer: invalid token (see logs for details)'],
      [{ amount: 1000, description: 'x', single_use: 'yes' }, "single_use: should be 'true' or 'false': invalid token (see logs for details)"],
      [{ amount: 1000, description: 'x'.repeat(1025) }, 'description: should be at most 1024 bytes of UTF-8: invalid token (see logs for details)'],
      [{ amount: 1000, description: 'x', colour: 'red' }, expect.stringMatching(/^unknown parameter: colour, /)],
    ];
    for (const [params, message] of errs) {
      const r = await call('offer', params);
      expect(r.error).toEqual({ code: -32602, message });
    }
    // A \u escape in the raw JSON text of an escaped-string parameter.
    for (const raw of ['["1000", "caf\\u00e9"]', '{"amount":"1000","description":"x","label":"\\u0041"}']) {
      const r = await callRaw('offer', raw);
      expect(r.error.code).toBe(-32602);
      expect(r.error.message).toMatch(/^(description|label): should be a string \(without \\u\): invalid token/);
    }
    const dup = await RpcConn.open(daemon.rpcFile);
    dup.write('{"jsonrpc":"2.0","id":"d","method":"offer","params":{"amount":"1sat","description":"a","description":"b"}}');
    expect((await dup.read())[0].error).toEqual({ code: -32602, message: 'duplicate json names: description' });
    dup.close();
    expect((await call('listoffers', [])).result.offers.length).toBe(before);
  });

  it('currency offers need a provider that prices the currency; without one nothing is stored', async () => {
    const before = (await call('listoffers', [])).result.offers.length;
    const usd = await call('offer', ['10.00USD', 'priced in dollars']);
    expect(usd.error.code).toBe(-1);
    expect(usd.error.message).toMatch(/cannot price USD/);
    expect((await call('listoffers', [])).result.offers.length).toBe(before);
    const eur = await call('offer', ['10.00EUR', 'priced in euros']);
    expect(eur.result).toMatchObject({ created: true, active: true });
    expect((await call('listoffers', [eur.result.offer_id])).result.offers[0].description).toBe('priced in euros');
  });

  it('recurrence parameters are accepted and encoded; `@` is kept for the issuer', async () => {
    const r = await call('offer', {
      amount: '1000sat',
      description: 'monthly',
      recurrence: '1year',
      recurrence_base: '@1609459200',
      recurrence_paywindow: '-604800+86400%',
      recurrence_limit: 12,
    });
    expect(r.result).toMatchObject({ created: true });
  });

  it('getinfo reports the device and the counts', async () => {
    const r = await call('getinfo', []);
    expect(r.result).toMatchObject({ id: EXAMPLE_NODE_ID, network: 'regtest', firmware_version: 'test-double', num_offers: 5 });
    expect(r.result.num_active_offers).toBe(5);
  });
});
