// The web UI's HTTP routes on the CM's server:
//   GET /                          the single page (index.html); pages are #/ routes in it
//   GET /static/<file>             its ES modules and CSS
//   GET /api/v1/events[?job=ID]    Server-Sent Events: `snapshot` every second, `job` for one job
//   GET /api/v1/pools/history[?after=SEQ]   the pool-usage ring buffer (last ~15 minutes)

import type { ClusterManager } from '../cluster-manager/cluster-manager.js';
import type { Route } from '../cluster-manager/http-api.js';
import type { HistoryStore, LiveJob } from '../history/index.js';
import { sendJson } from '../common/http.js';
import { EventHub } from './events.js';
import { PoolHistory, type PoolHistoryOptions } from './pool-history.js';
import { serveStaticFile, staticRoot } from './static-files.js';
import { JobProgressCache } from './snapshot.js';

export interface WebUi {
  routes: Route[];
  poolHistory: PoolHistory;
  events: EventHub;
  /** Stops the sampler and closes every open event stream. */
  stop(): void;
}

export interface WebUiOptions {
  /** Where index.html, the modules and the CSS are; dist/web/static by default. */
  staticDir?: string;
  poolHistory?: Partial<Omit<PoolHistoryOptions, 'pools'>>;
  snapshotIntervalMs?: number;
}

export function createWebUi(cm: ClusterManager, history: HistoryStore, liveJobs: () => LiveJob[], o: WebUiOptions = {}): WebUi {
  const root = o.staticDir ?? staticRoot();
  const poolHistory = new PoolHistory({ ...o.poolHistory, pools: () => cm.poolViews() });
  const events = new EventHub({ cm, history, liveJobs, latestPoolSample: () => poolHistory.latest(), progress: new JobProgressCache() }, cm.log, o.snapshotIntervalMs);
  poolHistory.start();

  const routes: Route[] = [
    async (req, res, url) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      if (url.pathname === '/' || url.pathname === '/index.html') {
        await serveStaticFile(req, res, root, '/index.html');
        return true;
      }
      if (url.pathname.startsWith('/static/')) {
        await serveStaticFile(req, res, root, url.pathname.slice('/static'.length));
        return true;
      }
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return true;
      }
      return false;
    },
    (req, res, url) => {
      if (req.method !== 'GET') return false;
      if (url.pathname === '/api/v1/events') {
        events.open(req, res, url);
        return true;
      }
      if (url.pathname === '/api/v1/pools/history') {
        const after = Number(url.searchParams.get('after') ?? 0);
        sendJson(res, 200, { sampleIntervalMs: poolHistory.sampleIntervalMs, windowMs: poolHistory.windowMs, samples: poolHistory.samples(Number.isFinite(after) ? after : 0) });
        return true;
      }
      return false;
    },
  ];

  return {
    routes,
    poolHistory,
    events,
    stop: () => {
      poolHistory.stop();
      events.stop();
    },
  };
}
