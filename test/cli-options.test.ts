// One option parser for every local subcommand (host/cli/options.ts): the
// same answers for --help, unknown, missing, repeated and required options,
// with lightning-cli's usage exit code (3).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EXIT_USAGE, parseOptions, usageText, UsageError, type CommandSpec } from '../host/cli/options.js';

const BIN = fileURLToPath(new URL('../bin/lnsigner.js', import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000 });

const SPEC: CommandSpec = {
  name: 'thing',
  summary: 'A thing.',
  positionals: ['<file>'],
  options: {
    dir: { type: 'string', value: '<dir>', required: true, description: 'where' },
    output: { type: 'string', short: 'o', value: '<out>', description: 'out' },
    plugin: { type: 'string', multiple: true, description: 'repeatable' },
    once: { type: 'boolean', description: 'a flag' },
  },
};

describe('parseOptions', () => {
  const err = (args: string[]) => {
    try {
      parseOptions(SPEC, args);
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      return (e as Error).message;
    }
    throw new Error(`accepted ${args.join(' ')}`);
  };
  it('reads --name value, --name=value, short aliases, repeatable options and flags', () => {
    const p = parseOptions(SPEC, ['--dir', 'a', '-o', 'b', '--plugin=x', '--plugin', 'y', '--once', 'f']);
    expect(p).toEqual({ values: { dir: 'a', output: 'b', plugin: ['x', 'y'], once: true }, positionals: ['f'], help: false });
    expect(parseOptions(SPEC, ['f', '--dir=a']).values.plugin).toEqual([]);
  });
  it('refuses unknown, valueless, repeated and missing options and wrong positionals, naming them', () => {
    expect(err(['--dir', 'a', 'f', '--frob'])).toBe("unknown option '--frob'");
    expect(err(['--dir', 'a', 'f', '-x'])).toBe("unknown option '-x'");
    expect(err(['f', '--dir'])).toBe('--dir needs a value');
    expect(err(['f', '--dir='])).toBe('--dir needs a value');
    expect(err(['f', '--dir', '--once'])).toBe('--dir needs a value');
    expect(err(['f', '--dir', 'a', '--dir', 'b'])).toBe('--dir given twice');
    expect(err(['f', '--dir', 'a', '--once', '--once'])).toBe('--once given twice');
    expect(err(['f', '--dir', 'a', '--once=yes'])).toBe('--once takes no value');
    expect(err(['f'])).toBe('--dir <dir> is required');
    expect(err(['--dir', 'a'])).toBe('expected <file>, got 0 arguments');
    expect(err(['--dir', 'a', 'f', 'g'])).toBe('expected <file>, got 2 arguments');
  });
  it('--help anywhere wins, and the usage lists every option', () => {
    expect(parseOptions(SPEC, ['--frob', '-h']).help).toBe(true);
    const u = usageText(SPEC);
    expect(u).toMatch(/^usage: lnsigner thing --dir <dir> \[--output <out>\] \[--plugin <value>\]\.\.\. \[--once\] <file>/);
    for (const o of ['--dir', '-o, --output', '--plugin', '--once', '--help']) expect(u).toContain(o);
  });
});

describe('every subcommand uses it', () => {
  // [subcommand words, an option it has that takes a value]
  const subs: [string[], string][] = [
    [['daemon'], '--data-dir'],
    [['emulator'], '--state'],
    [['simnet'], '--data-dir'],
    [['demo'], '--data-dir'],
    [['flash'], '--device'],
    [['firmware', 'info'], '--trust'],
    [['firmware', 'sign'], '--key'],
    [['device', 'info'], '--device'],
    [['device', 'provision'], '--device'],
  ];
  for (const [words, valued] of subs) {
    const name = words.join(' ');
    it(`${name}: --help exits 0 with its usage; unknown, valueless and repeated options exit ${EXIT_USAGE} with it`, () => {
      const h = cli(...words, '--help');
      expect([h.status, h.stderr]).toEqual([0, '']);
      expect(h.stdout).toContain(`usage: lnsigner ${name}`);
      expect(h.stdout).toContain(valued);
      for (const [args, msg] of [
        [['--frobnicate'], "unknown option '--frobnicate'"],
        [[valued], `${valued} needs a value`],
        [[valued, 'a', valued, 'b'], `${valued} given twice`],
      ] as const) {
        const r = cli(...words, ...args);
        expect([r.status, r.stdout], `${name} ${args.join(' ')}`).toEqual([EXIT_USAGE, '']);
        expect(r.stderr).toContain(`lnsigner ${name}: ${msg}`);
        expect(r.stderr).toContain(`usage: lnsigner ${name}`);
      }
    });
  }
  it('decode, firmware and device answer --help too', () => {
    for (const words of [['decode'], ['firmware'], ['device']]) {
      const r = cli(...words, '--help');
      expect([r.status, r.stdout], words.join(' ')).toEqual([0, expect.stringContaining(`usage: lnsigner ${words[0]}`)]);
    }
  });
});
