// npm run bench:grant-latency [-- --requests 10000] [--json]
//
// Request -> grant received by the driver, on an idle local cluster (a real CM and two
// real node agents as separate processes) over real gRPC on loopback. Baseline in the
// same run: a bare unary gRPC round trip to the same CM (GetClusterInfo), the floor
// any push design sits on.

import { startLocalCluster } from '../local/local-cluster.js';
import { SessionDriver, type DriverEvent } from '../session-driver/index.js';
import { clusterManagerClient, unary } from '../proto/index.js';
import { resources } from '../common/resources.js';
import { argValue, percentile, report } from './report.js';

const requests = argValue('--requests', 10_000);
const warmup = 1_000;

async function main(): Promise<void> {
  const cluster = await startLocalCluster({ nodes: 2, memoryMbPerNode: 8192, vcoresPerNode: 8 });
  try {
    const driver = await SessionDriver.start({ cluster: cluster.cmAddress, name: 'grant-latency' });
    const events = driver.events()[Symbol.asyncIterator]();
    const want = resources(128, 1);
    const samples: number[] = [];
    for (let i = 0; i < warmup + requests; i++) {
      const t0 = process.hrtime.bigint();
      await driver.request([{ resources: want }]);
      let ev: IteratorResult<DriverEvent>;
      do ev = await events.next();
      while (!ev.done && ev.value.type !== 'grant');
      const t1 = process.hrtime.bigint();
      if (ev.done || ev.value.type !== 'grant') throw new Error('event stream ended');
      if (i >= warmup) samples.push(Number(t1 - t0) / 1e6);
      await driver.release([ev.value.grant.grantId]);
    }
    await driver.end();

    const client = clusterManagerClient(cluster.cmAddress);
    const rtt: number[] = [];
    for (let i = 0; i < warmup + requests; i++) {
      const t0 = process.hrtime.bigint();
      await unary(client, 'GetClusterInfo', {});
      if (i >= warmup) rtt.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    client.close();

    samples.sort((a, b) => a - b);
    rtt.sort((a, b) => a - b);
    const p50 = percentile(samples, 50);
    const p99 = percentile(samples, 99);
    const b50 = percentile(rtt, 50);
    report(
      `grant latency: request -> grant pushed to the driver, ${requests} requests, idle 2-node local cluster`,
      [
        { metric: 'grant p50 (ms)', value: p50.toFixed(3), target: '<= 1 ms', ok: p50 <= 1 },
        { metric: 'grant p90 (ms)', value: percentile(samples, 90).toFixed(3) },
        { metric: 'grant p99 (ms)', value: p99.toFixed(3), target: '<= 5 ms', ok: p99 <= 5 },
        { metric: 'grant max (ms)', value: samples[samples.length - 1].toFixed(3) },
        { metric: 'baseline: bare gRPC round trip p50 (ms)', value: b50.toFixed(3) },
        { metric: 'baseline: bare gRPC round trip p99 (ms)', value: percentile(rtt, 99).toFixed(3) },
        { metric: 'grant p50 / bare RTT p50', value: (p50 / b50).toFixed(2) },
      ],
      { bench: 'grant-latency', requests, p50Ms: p50, p90Ms: percentile(samples, 90), p99Ms: p99, maxMs: samples[samples.length - 1], baselineRttP50Ms: b50, baselineRttP99Ms: percentile(rtt, 99), ratioP50: p50 / b50, targetsMet: p50 <= 1 && p99 <= 5 },
    );
  } finally {
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
