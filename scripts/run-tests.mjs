// Runs the compiled tests with node's test runner.
//   node scripts/run-tests.mjs            all tests
//   node scripts/run-tests.mjs unit       only unit tests (not *.it.test.js)
//   node scripts/run-tests.mjs FILTER     test files whose path contains FILTER
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const filter = process.argv[2];
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.test.js')) files.push(p);
  }
})('dist');
const selected = files.filter((f) => {
  if (filter === 'unit') return !f.endsWith('.it.test.js');
  if (filter === 'it') return f.endsWith('.it.test.js');
  return filter ? f.includes(filter) : true;
}).sort();
if (selected.length === 0) {
  console.error(`no test files match ${filter ?? '(all)'}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-reporter=spec', ...selected], { stdio: 'inherit' });
process.exit(r.status ?? 1);
