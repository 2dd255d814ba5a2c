// The simulated lightningd's plugin rules that need no process: hook chain
// order (digest §1.7), manifest checks (§1.4) and option conversion (§1.5).
import { describe, expect, it } from 'vitest';
import { orderChain } from '../host/simnet/hook-chain.js';
import { checkManifest, convertOption } from '../host/simnet/plugin-manifest.js';
import type { PluginMessage } from '../host/plugin/framing.js';

const reg = (plugin: string, loadOrder: number, before: string[] = [], after: string[] = []) => ({ plugin, loadOrder, before, after });
const names = (l: { plugin: string }[] | undefined) => l?.map((r) => r.plugin);

describe('hook chain order', () => {
  it('load order when nobody says otherwise', () => {
    expect(names(orderChain([reg('b', 2), reg('offers', -1), reg('a', 1)]))).toEqual(['offers', 'a', 'b']);
  });
  it('before: moves a later plugin in front of the named one, and only as far as needed', () => {
    expect(names(orderChain([reg('offers', -1), reg('lnsigner-plugin.js', 0, ['offers']), reg('other', 1)]))).toEqual(['lnsigner-plugin.js', 'offers', 'other']);
    expect(names(orderChain([reg('offers', -1), reg('x', 0), reg('y', 1, ['x'])]))).toEqual(['offers', 'y', 'x']);
  });
  it('after: and unknown names are ignored', () => {
    expect(names(orderChain([reg('a', 0, [], ['b']), reg('b', 1, ['nobody'])]))).toEqual(['b', 'a']);
  });
  it('a cycle is refused', () => {
    expect(orderChain([reg('a', 0, ['b']), reg('b', 1, ['a'])])).toBeUndefined();
    expect(orderChain([reg('a', 0, [], ['b']), reg('b', 1, [], ['a'])])).toBeUndefined();
  });
});

const reply = (result: unknown) => ({ result, node: undefined as never }) as unknown as PluginMessage;
const good = { options: [{ name: 'x-y_1', type: 'string', description: 'd' }], rpcmethods: [{ name: 'x-m', usage: '' }], hooks: ['htlc_accepted', { name: 'onion_message_recv', before: ['offers'] }] };

describe('manifest checks', () => {
  it('accepts a good manifest', () => {
    expect(checkManifest(reply(good), new Map(), [])).toMatchObject(good);
  });
  it.each([
    [{ ...good, options: undefined }, '"options" missing'],
    [{ ...good, rpcmethods: undefined }, '"rpcmethods" missing'],
    [{ ...good, options: [{ name: 'Bad', type: 'string', description: '' }] }, 'is not valid'],
    [{ ...good, options: [{ name: 'x', type: 'float', description: '' }] }, 'unknown type'],
    [{ ...good, options: [{ name: 'x', type: 'string' }] }, '"description" not provided'],
    [{ ...good, options: [{ name: 'x', type: 'flag', description: '', multi: true }] }, 'cannot be multi'],
    [{ ...good, options: [{ name: 'x', type: 'flag', description: '', default: true }] }, 'flag default must be false'],
    [{ ...good, rpcmethods: [{ name: 'x' }] }, '"usage" not provided by plugin'],
    [{ ...good, rpcmethods: [{ name: 'getinfo', usage: '' }] }, 'method getinfo already registered'],
    [{ ...good, hooks: ['no_such_hook'] }, 'Unknown hook'],
    [{ ...good, hooks: ['htlc_accepted', { name: 'htlc_accepted' }] }, 'registered twice'],
    [{ ...good, hooks: [{ name: 'onion_message_recv', filters: [] }] }, 'does not allow filters'],
    [{ ...good, nonnumericids: false }, 'nonnumericids must be true'],
  ])('refuses %#: %s', (m, why) => {
    expect(checkManifest(reply(m), new Map([['getinfo', {}]]), [])).toEqual(expect.stringContaining(why as string));
  });
  it('an option another plugin registered is refused', () => {
    expect(checkManifest(reply(good), new Map(), ['x-y_1'])).toBe('option x-y_1 already registered');
  });
  it('an error reply is refused', () => {
    expect(checkManifest({ error: { code: -1, message: 'no' } } as unknown as PluginMessage, new Map(), [])).toMatch(/returned an error/);
  });
});

describe('--plugin-option conversion', () => {
  const o = (type: string) => ({ name: 'n', type, description: '' }) as never;
  it('converts to the option type', () => {
    expect(convertOption(o('int'), '-42')).toBe(-42);
    expect(convertOption(o('bool'), 'false')).toBe(false);
    expect(convertOption(o('flag'), undefined)).toBe(true);
    expect(convertOption(o('string'), '')).toBe('');
    expect(convertOption(o('string-conceal'), 's3cret')).toBe('s3cret');
  });
  it('refuses values of the wrong type', () => {
    expect(() => convertOption(o('int'), '1.5')).toThrow(/expects an integer/);
    expect(() => convertOption(o('bool'), 'yes')).toThrow(/expects a boolean/);
    expect(() => convertOption(o('flag'), 'x')).toThrow(/takes no value/);
    expect(() => convertOption(o('string'), undefined)).toThrow(/needs a value/);
  });
});
