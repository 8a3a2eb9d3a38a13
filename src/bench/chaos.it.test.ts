// The chaos suite's CI version: one trial of each fault kind on a multi-host lab of
// network namespaces (see chaos-suite.ts). Skipped when namespaces cannot be created
// here (not root). Whatever happens, the lab's namespaces and processes must be gone.

import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { labNamespacesLeft, netnsUnavailable } from '../testing/netns.js';
import { faultKinds, runChaos, type ChaosRun } from './chaos-suite.js';

const unavailable = netnsUnavailable();
describe('chaos suite (one trial per fault kind)', { skip: unavailable ? `needs network namespaces: ${unavailable}` : false }, () => {
  let run: ChaosRun;
  before(async () => {
    run = await runChaos({ trials: faultKinds.length, log: (line) => process.stderr.write(`chaos: ${line}\n`) });
  });

  test('the lab is removed: no namespaces (and so no processes) left', () => {
    assert.deepEqual(labNamespacesLeft(), []);
  });

  for (const [i, kind] of faultKinds.entries()) {
    test(`${kind}: the job succeeds with exactly the reference output, never half-committed`, () => {
      const r = run.results[i];
      assert.equal(r.fault, kind);
      assert.equal(r.outcome, 'pass', `trial ${r.trial} (${r.job}, injected at ${r.injectedAt || '-'}): ${r.detail}`);
    });
  }
});
