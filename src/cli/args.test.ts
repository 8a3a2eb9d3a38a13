import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, table } from './args.js';
import { UsageError } from '../common/errors.js';

const spec = { n: { type: 'int' as const, short: 'n', min: 1 }, name: { type: 'string' as const }, json: { type: 'boolean' as const }, input: { type: 'list' as const } };

test('flags, short flags, lists and the rest after --', () => {
  const p = parseArgs('x', ['-n', '3', '--name=a', '--json', '--input', 'a', '--input', 'b', 'pos', '--', 'cmd', '--flag'], spec);
  assert.deepEqual(p.flags, { n: 3, name: 'a', json: true, input: ['a', 'b'] });
  assert.deepEqual(p.positionals, ['pos']);
  assert.deepEqual(p.rest, ['cmd', '--flag']);
  assert.equal(parseArgs('x', ['-n5'], spec).flags.n, 5);
});

test('bad flags are usage errors naming the flag', () => {
  assert.throws(() => parseArgs('x', ['--nope'], spec), (e: unknown) => e instanceof UsageError && /unknown flag --nope/.test(e.message));
  assert.throws(() => parseArgs('x', ['-n', 'many'], spec), /-n must be a whole number, got "many"/);
  assert.throws(() => parseArgs('x', ['-n', '0'], spec), /at least 1/);
  assert.throws(() => parseArgs('x', ['--name'], spec), /--name needs a value/);
});

test('tables align columns', () => {
  assert.equal(table(['A', 'BB'], [['xxx', 1]]), 'A    BB\nxxx  1');
});
