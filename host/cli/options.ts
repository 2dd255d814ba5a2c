// One option parser for every local subcommand (daemon, emulator, simnet,
// demo, flash, firmware, device, decode), on Node's util.parseArgs, so each
// gets the same behaviour:
// - `--name value` and `--name=value`; short aliases (`-o value`);
// - an unknown option, a valued option without its value (end of the line,
//   an empty `--name=`, or the next word being another `--option`), a
//   repeated option that is not declared `multiple`, a required option left
//   out, or the wrong number of positional arguments is a usage error:
//   `lnsigner <cmd>: <what was wrong>` then the usage, on stderr, exit 3;
// - `--help` / `-h` anywhere prints the usage on stdout and exits 0.
//
// Exit codes are lightning-cli's (cli/lightning-cli.c: NO_ERROR 0,
// ERROR_FROM_LIGHTNINGD 1, ERROR_TALKING_TO_LIGHTNINGD 2, ERROR_USAGE 3). Local
// subcommands use 1 for "refused / failed" (the device or the image said no:
// the answer was an error) and 2 when the device or daemon could not be
// reached at all.
import { parseArgs } from 'node:util';

export const EXIT_OK = 0;
/** An error answer (lightning-cli ERROR_FROM_LIGHTNINGD). */
export const EXIT_ERROR = 1;
/** Could not talk to the daemon / device (lightning-cli ERROR_TALKING_TO_LIGHTNINGD). */
export const EXIT_TALKING = 2;
/** Bad command line (lightning-cli ERROR_USAGE). */
export const EXIT_USAGE = 3;

export interface OptionSpec {
  /** A flag (`--once`) or an option with a value (`--data-dir <dir>`). */
  readonly type: 'boolean' | 'string';
  readonly short?: string;
  /** May be given more than once (values collected in order). */
  readonly multiple?: boolean;
  readonly required?: boolean;
  /** Placeholder shown in the usage: `<dir>`. */
  readonly value?: string;
  /** Shown in the usage. */
  readonly default?: string;
  readonly description: string;
}

export interface CommandSpec {
  /** `daemon`, `device provision`, ... */
  readonly name: string;
  readonly summary: string;
  /** Positional arguments, as shown (`<image>`); their count is checked. */
  readonly positionals?: readonly string[];
  /** Extra positionals allowed after those (default: none). */
  readonly restPositionals?: boolean;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Extra lines after the option list (notes, examples). */
  readonly notes?: readonly string[];
}

export class UsageError extends Error {}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface Parsed {
  values: OptionValues;
  positionals: string[];
  help: boolean;
}

function synopsis(spec: CommandSpec): string {
  const parts = [`lnsigner ${spec.name}`];
  for (const [name, o] of Object.entries(spec.options)) {
    const flag = `--${name}${o.type === 'string' ? ` ${o.value ?? '<value>'}` : ''}`;
    parts.push(o.required ? flag : `[${flag}]${o.multiple ? '...' : ''}`);
  }
  for (const p of spec.positionals ?? []) parts.push(p);
  if (spec.restPositionals) parts.push('...');
  return parts.join(' ');
}

/** The usage text of one command: synopsis, summary, one line per option. */
export function usageText(spec: CommandSpec): string {
  const lines = [`usage: ${synopsis(spec)}`, '', spec.summary];
  const opts = Object.entries(spec.options);
  if (opts.length) {
    lines.push('', 'options:');
    for (const [name, o] of opts) {
      const head = `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.value ?? '<value>'}` : ''}`;
      const tail = [o.description, o.required ? '(required)' : '', o.default !== undefined ? `(default ${o.default})` : '', o.multiple ? '(repeatable)' : '']
        .filter(Boolean)
        .join(' ');
      lines.push(`  ${head.padEnd(30)} ${tail}`);
    }
  }
  lines.push(`  ${'-h, --help'.padEnd(30)} this text`);
  if (spec.notes?.length) lines.push('', ...spec.notes);
  return lines.join('\n');
}

/** Parses `argv` against `spec`; throws UsageError. `help` is true when --help / -h was given. */
export function parseOptions(spec: CommandSpec, argv: readonly string[]): Parsed {
  if (argv.includes('--help') || argv.includes('-h')) return { values: {}, positionals: [], help: true };
  const options: Record<string, { type: 'boolean' | 'string'; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries(spec.options)) {
    options[name] = o.short ? { type: o.type, short: o.short, multiple: true } : { type: o.type, multiple: true };
  }
  let tokens;
  try {
    tokens = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true }).tokens;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const values: OptionValues = {};
  const positionals: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') {
      positionals.push(t.value);
      continue;
    }
    if (t.kind !== 'option') continue;
    const o = spec.options[t.name];
    if (!o || (t.rawName.startsWith('--') ? false : o.short === undefined)) throw new UsageError(`unknown option '${t.rawName}'`);
    if (o.type === 'boolean') {
      if (t.inlineValue) throw new UsageError(`${t.rawName} takes no value`);
      if (values[t.name] !== undefined && !o.multiple) throw new UsageError(`${t.rawName} given twice`);
      values[t.name] = true;
      continue;
    }
    // strict:false hands us the next word whatever it is: another --option is not a value.
    const v = t.value;
    if (v === undefined || v === '' || (!t.inlineValue && v.startsWith('--'))) throw new UsageError(`${t.rawName} needs a value`);
    if (o.multiple) {
      values[t.name] = [...((values[t.name] as string[] | undefined) ?? []), v];
    } else {
      if (values[t.name] !== undefined) throw new UsageError(`${t.rawName} given twice`);
      values[t.name] = v;
    }
  }
  for (const [name, o] of Object.entries(spec.options)) {
    if (o.required && values[name] === undefined) throw new UsageError(`--${name} ${o.value ?? '<value>'} is required`);
    if (o.multiple && values[name] === undefined && o.type === 'string') values[name] = [];
  }
  const want = spec.positionals ?? [];
  if (positionals.length < want.length || (!spec.restPositionals && positionals.length > want.length)) {
    throw new UsageError(
      want.length === 0
        ? `unexpected argument '${positionals[0]}'`
        : `expected ${want.join(' ')}${spec.restPositionals ? ' ...' : ''}, got ${positionals.length} argument${positionals.length === 1 ? '' : 's'}`,
    );
  }
  return { values, positionals, help: false };
}

/**
 * Parses, and on --help prints the usage (stdout, returns EXIT_OK) or on a
 * usage error prints what was wrong and the usage (stderr, returns
 * EXIT_USAGE); otherwise returns the parsed options.
 */
export function parseOrExit(
  spec: CommandSpec,
  argv: readonly string[],
  io: { out(s: string): void; err(s: string): void } = defaultIo,
): Parsed | number {
  let p: Parsed;
  try {
    p = parseOptions(spec, argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`lnsigner ${spec.name}: ${e.message}\n${usageText(spec)}\n`);
    return EXIT_USAGE;
  }
  if (p.help) {
    io.out(`${usageText(spec)}\n`);
    return EXIT_OK;
  }
  return p;
}

/** Reports a check that failed after parsing (a bad value) like a parse error. */
export function usageFailure(spec: CommandSpec, message: string, io = defaultIo): number {
  io.err(`lnsigner ${spec.name}: ${message}\n${usageText(spec)}\n`);
  return EXIT_USAGE;
}

const defaultIo = {
  out: (s: string) => void process.stdout.write(s),
  err: (s: string) => void process.stderr.write(s),
};

export const str = (v: OptionValues, k: string): string | undefined => v[k] as string | undefined;
export const flag = (v: OptionValues, k: string): boolean => v[k] === true;
export const list = (v: OptionValues, k: string): string[] => (v[k] as string[] | undefined) ?? [];
