// The load test, small: 40 jobs at once from 4 pools with weights 1-4 on a real local
// cluster. All finish with the right output, none lost; the heaviest pool finishes its
// jobs before the lightest. (`npm run bench:load` runs 200.) The agents keep no process
// for reuse here: which of 40 tiny jobs gets a process kept hot from the one before is
// luck, and a job in one runs several times faster than in a fresh one, enough to reorder
// the pools' median completion times; what the weights decide (granted vcores) holds
// either way, and bench:load's 200 jobs run with reuse.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad } from './load.js';

void test('40 small jobs from 4 weighted pools all finish, right, in weight order', async () => {
  const r = await runLoad({ jobs: 40, nodes: 2, vcores: 3, dir: mkdtempSync(join(tmpdir(), 'coronet-load-')), agentArgs: ['--no-runner-reuse'] });
  assert.deepEqual(r.failures, []);
  assert.equal(r.succeeded, 40);
  const [w1, , , w4] = r.pools;
  assert.ok(w4.medianDoneS < w1.medianDoneS, `weight 4 median ${w4.medianDoneS} s, weight 1 median ${w1.medianDoneS} s`);
  assert.ok(w4.busyShare > w1.busyShare, `granted vcore shares: ${r.pools.map((p) => `${p.pool} ${(p.busyShare * 100).toFixed(0)}%`).join(', ')}`);
  process.stderr.write(`# load: ${r.pools.map((p) => `${p.pool} median ${p.medianDoneS.toFixed(1)} s share ${(p.busyShare * 100).toFixed(0)}%`).join('; ')}; wall ${r.wallS.toFixed(1)} s\n`);
});
