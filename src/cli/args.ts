// A strict flag parser for the CLI: unknown flags, missing values and bad numbers are
// UsageErrors (exit 2) naming the flag.

import { UsageError } from '../common/errors.js';

export type FlagType = 'string' | 'int' | 'boolean' | 'list';

export interface FlagSpec {
  type: FlagType;
  short?: string;
  min?: number;
  max?: number;
}

export interface Parsed {
  flags: Record<string, string | number | boolean | string[] | undefined>;
  positionals: string[];
  /** Everything after `--`. */
  rest: string[];
}

export function parseArgs(command: string, argv: string[], spec: Record<string, FlagSpec>, opts: { stopAtFirstPositional?: boolean } = {}): Parsed {
  const flags: Parsed['flags'] = {};
  const positionals: string[] = [];
  let rest: string[] = [];
  const byShort = new Map(Object.entries(spec).filter(([, s]) => s.short).map(([n, s]) => [s.short!, n]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest = argv.slice(i + 1);
      break;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      inline = eq > 0 ? a.slice(eq + 1) : undefined;
    } else if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
      const short = a.slice(1, 2);
      name = byShort.get(short);
      if (!name) throw new UsageError(`unknown flag ${a} for "coronet ${command}"`);
      if (a.length > 2) inline = a.slice(2);
    } else {
      positionals.push(a);
      if (opts.stopAtFirstPositional) {
        rest = argv.slice(i + 1);
        break;
      }
      continue;
    }
    const s = spec[name];
    if (!s) throw new UsageError(`unknown flag --${name} for "coronet ${command}" (known: ${Object.keys(spec).map((k) => '--' + k).join(' ')})`);
    if (s.type === 'boolean') {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') throw new UsageError(`--${name} takes no value (or =true/=false)`);
      flags[name] = inline !== 'false';
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (s.type === 'int') {
      const n = Number(value);
      if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n)) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
      if (s.min !== undefined && n < s.min) throw new UsageError(`--${name} must be at least ${s.min}, got ${n}`);
      if (s.max !== undefined && n > s.max) throw new UsageError(`--${name} must be at most ${s.max}, got ${n}`);
      flags[name] = n;
    } else if (s.type === 'list') {
      const list = (flags[name] as string[] | undefined) ?? [];
      list.push(value);
      flags[name] = list;
    } else flags[name] = value;
  }
  return { flags, positionals, rest };
}

/** Renders rows as an aligned text table. */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}
