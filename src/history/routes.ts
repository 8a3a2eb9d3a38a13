// REST routes of the history server, mounted on the CM's HTTP server:
//   POST /api/v1/history            a job tracker files its finished job's report
//   GET  /api/v1/history[?user=&state=&q=&limit=]   finished jobs, newest first
//   GET  /api/v1/history/<jobId>    one finished job's full report
//   GET  /api/v1/jobs               running MapReduce jobs (from the session registry)
//   GET  /api/v1/jobs/<jobId>       live state from the job's tracker, else its history
//   POST /api/v1/jobs/<jobId>/kill  asks the job's tracker to kill it

import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendError, sendJson } from '../common/http.js';
import { errorMessage } from '../common/errors.js';
import type { HistoryStore } from './store.js';

type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

export interface LiveJob {
  jobId: string;
  sessionId: string;
  name: string;
  user: string;
  pool: string;
  state: string;
  startedAtMs: number;
  trackerHttp: string;
}

const proxyTimeoutMs = 3_000;

export function historyRoutes(store: HistoryStore, liveJobs: () => LiveJob[]): Route[] {
  const live = (jobId: string) => liveJobs().find((j) => j.jobId === jobId && j.state !== 'ended');
  return [
    async (req, res, url) => {
      if (url.pathname !== '/api/v1/history') return false;
      if (req.method === 'POST') {
        let body: unknown;
        try {
          body = JSON.parse((await readBody(req, 64 << 20)).toString('utf8'));
        } catch (err) {
          sendError(res, 400, `the body is not JSON: ${errorMessage(err)}`);
          return true;
        }
        const bad = store.put(body);
        if (bad) sendError(res, 400, bad);
        else sendJson(res, 201, { ok: true });
        return true;
      }
      const limit = Number(url.searchParams.get('limit') ?? 1000);
      sendJson(res, 200, { jobs: store.list({ user: url.searchParams.get('user') ?? undefined, state: url.searchParams.get('state') ?? undefined, q: url.searchParams.get('q') ?? undefined, limit: Number.isInteger(limit) && limit > 0 ? limit : 1000 }) });
      return true;
    },
    (req, res, url) => {
      const m = url.pathname.match(/^\/api\/v1\/history\/([^/]+)$/);
      if (!m || req.method !== 'GET') return false;
      const r = store.get(decodeURIComponent(m[1]));
      if (r) sendJson(res, 200, r);
      else sendError(res, 404, `no finished job "${decodeURIComponent(m[1]).slice(0, 200)}" in history`);
      return true;
    },
    (req, res, url) => {
      if (url.pathname !== '/api/v1/jobs' || req.method !== 'GET') return false;
      sendJson(res, 200, { jobs: liveJobs().filter((j) => j.state !== 'ended') });
      return true;
    },
    async (req, res, url) => {
      const m = url.pathname.match(/^\/api\/v1\/jobs\/([^/]+)(\/kill)?$/);
      if (!m) return false;
      const jobId = decodeURIComponent(m[1]);
      const j = live(jobId);
      if (m[2]) {
        if (req.method !== 'POST') return false;
        if (!j?.trackerHttp) {
          sendError(res, 404, `no running job "${jobId.slice(0, 200)}"`);
          return true;
        }
        const r = await fetch(`http://${j.trackerHttp}/api/v1/job/kill`, { method: 'POST', signal: AbortSignal.timeout(proxyTimeoutMs) }).catch(() => null);
        if (r?.ok) sendJson(res, 200, { ok: true });
        else sendError(res, 502, `the job tracker of ${jobId} at ${j.trackerHttp} did not answer`);
        return true;
      }
      if (req.method !== 'GET') return false;
      if (j?.trackerHttp) {
        try {
          const r = await fetch(`http://${j.trackerHttp}/api/v1/job`, { signal: AbortSignal.timeout(proxyTimeoutMs) });
          if (r.ok) {
            sendJson(res, 200, { ...((await r.json()) as Record<string, unknown>), pool: j.pool, sessionId: j.sessionId, live: true });
            return true;
          }
        } catch {
          // Fall through to history or a plain answer.
        }
      }
      const h = store.get(jobId);
      if (h) sendJson(res, 200, { ...h, live: false });
      else if (j) sendJson(res, 200, { jobId, name: j.name, user: j.user, state: 'starting', live: true, pool: j.pool, sessionId: j.sessionId });
      else sendError(res, 404, `no job "${jobId.slice(0, 200)}"`);
      return true;
    },
  ];
}
