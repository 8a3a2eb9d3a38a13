// Input and output format descriptions. They are plain JSON-able values so a job
// tracker can ship them (and the splits computed from them) to task runners.

import { FormatError } from './errors.js';

/** `text`: one record per line; key = byte offset of the line, value = the line without
 *  its `\n` (and a trailing `\r`). `decode` chooses the value type: `utf8` (default) and
 *  `latin1` strings, or `buffer`: a Buffer that is only valid during the map call. */
export interface TextInput<V = string> {
  readonly format: 'text';
  readonly decode?: 'utf8' | 'latin1' | 'buffer';
  /** Phantom field carrying the value type; never set. */
  readonly __value?: V;
}
/** `jsonl`: one JSON value per line (blank lines skipped); key = byte offset. */
export interface JsonlInput<V = unknown> {
  readonly format: 'jsonl';
  readonly __value?: V;
}
/** `fixed`: records of `recordBytes` bytes; key = first `keyBytes` bytes, value = the rest
 *  (both Buffers valid only during the map call). */
export interface FixedInput {
  readonly format: 'fixed';
  readonly recordBytes: number;
  readonly keyBytes: number;
}
/** `range`: no files; `rows` generated row numbers split into `splits` ranges (key = row). */
export interface RangeInput {
  readonly format: 'range';
  readonly rows: number;
  readonly splits: number;
}

export type InputSpec = TextInput<unknown> | JsonlInput<unknown> | FixedInput | RangeInput;

/** Key and value types a map function receives for an input spec. */
export type InputKey<I> = I extends FixedInput ? Buffer : number;
export type InputValue<I> = I extends TextInput<infer V>
  ? V
  : I extends JsonlInput<infer V>
    ? V
    : I extends FixedInput
      ? Buffer
      : I extends RangeInput
        ? null
        : never;

export function textInput(): TextInput<string>;
export function textInput(opts: { decode: 'utf8' | 'latin1' }): TextInput<string>;
export function textInput(opts: { decode: 'buffer' }): TextInput<Buffer>;
export function textInput(opts?: { decode?: 'utf8' | 'latin1' | 'buffer' }): TextInput<string> | TextInput<Buffer> {
  return { format: 'text', decode: opts?.decode ?? 'utf8' };
}
export function jsonlInput<V = unknown>(): JsonlInput<V> {
  return { format: 'jsonl' };
}
export function fixedInput(recordBytes: number, keyBytes = 0): FixedInput {
  return validateInput({ format: 'fixed', recordBytes, keyBytes }) as FixedInput;
}
export function rangeInput(rows: number, splits: number): RangeInput {
  return validateInput({ format: 'range', rows, splits }) as RangeInput;
}

/** Parses `text`, `text:latin1`, `text:buffer`, `jsonl`, `fixed:RECORD[:KEY]` or passes a spec through. */
export function parseInputSpec(spec: string | InputSpec): InputSpec {
  if (typeof spec !== 'string') return validateInput(spec);
  const [name, a, b] = spec.split(':');
  switch (name) {
    case 'text':
      if (a !== undefined && a !== 'utf8' && a !== 'latin1' && a !== 'buffer') throw new FormatError(`input format ${spec}: text decode must be utf8, latin1 or buffer`);
      return { format: 'text', decode: (a as 'utf8' | 'latin1' | 'buffer' | undefined) ?? 'utf8' };
    case 'jsonl':
      return { format: 'jsonl' };
    case 'fixed':
      return validateInput({ format: 'fixed', recordBytes: Number(a), keyBytes: b === undefined ? 0 : Number(b) });
    default:
      throw new FormatError(`unknown input format ${JSON.stringify(spec)}; known: text, jsonl, fixed:RECORD_BYTES[:KEY_BYTES]`);
  }
}

function validateInput(spec: InputSpec): InputSpec {
  if (spec.format === 'fixed') {
    if (!Number.isInteger(spec.recordBytes) || spec.recordBytes <= 0) throw new FormatError(`fixed input: recordBytes must be a positive integer, got ${spec.recordBytes}`);
    if (!Number.isInteger(spec.keyBytes) || spec.keyBytes < 0 || spec.keyBytes > spec.recordBytes) throw new FormatError(`fixed input: keyBytes must be in [0, ${spec.recordBytes}], got ${spec.keyBytes}`);
  } else if (spec.format === 'range') {
    if (!Number.isSafeInteger(spec.rows) || spec.rows < 0) throw new FormatError(`range input: rows must be a non-negative integer, got ${spec.rows}`);
    if (!Number.isInteger(spec.splits) || spec.splits <= 0) throw new FormatError(`range input: splits must be a positive integer, got ${spec.splits}`);
  } else if (spec.format !== 'text' && spec.format !== 'jsonl') {
    throw new FormatError(`unknown input format ${JSON.stringify((spec as { format: unknown }).format)}`);
  }
  return spec;
}

/** `text`: `key\tvalue\n` (a null/undefined key or value and its tab are left out).
 *  `raw`: encoded key bytes then encoded value bytes, no separators (TeraSort records).
 *  `jsonl`: one `{"key":..,"value":..}` per line. */
export type OutputFormat = 'text' | 'raw' | 'jsonl';
export interface OutputSpec {
  readonly format: OutputFormat;
}

export function parseOutputSpec(spec: OutputFormat | OutputSpec | undefined): OutputSpec {
  const format = spec === undefined ? 'text' : typeof spec === 'string' ? spec : spec.format;
  if (format !== 'text' && format !== 'raw' && format !== 'jsonl') throw new FormatError(`unknown output format ${JSON.stringify(format)}; known: text, raw, jsonl`);
  return { format };
}
