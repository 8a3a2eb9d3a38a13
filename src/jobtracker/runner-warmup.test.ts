import { test } from 'node:test';
import assert from 'node:assert/strict';
import { syntheticText } from './runner-warmup.js';

void test('warm-up text: deterministic, the size asked for, many distinct words in a Zipfian spread, lines of varied length', () => {
  const bytes = 192 << 10;
  const text = syntheticText(bytes);
  assert.equal(text, syntheticText(bytes), 'the same text every time');
  assert.ok(text.length >= bytes && text.length < bytes + 64, `length ${text.length}`);
  assert.match(text, /^[a-z \n]+$/);

  const counts = new Map<string, number>();
  for (const w of text.split(/[ \n]/)) if (w) counts.set(w, (counts.get(w) ?? 0) + 1);
  // Real text's table, sort and reduce meet thousands of distinct keys, not a few dozen.
  assert.ok(counts.size > 5_000, `distinct words ${counts.size}`);
  const byFrequency = [...counts.values()].sort((a, b) => b - a);
  const tokens = byFrequency.reduce((s, n) => s + n, 0);
  // Zipf: the most frequent words are a big share, and most distinct words are rare.
  assert.ok(byFrequency[0] > tokens / 100, `top word ${byFrequency[0]} of ${tokens}`);
  assert.ok(byFrequency.filter((n) => n === 1).length > counts.size / 4, 'a long tail of words seen once');
  assert.ok([...counts.keys()].some((w) => w.length >= 30), 'a few long tokens');

  const lines = text.split('\n').slice(0, -1).map((l) => l.length);
  assert.ok(Math.min(...lines) < 40 && Math.max(...lines) > 120, `line lengths ${Math.min(...lines)}..${Math.max(...lines)}`);
});
