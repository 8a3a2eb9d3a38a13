// The cluster manager's HTTP surface: /api/v1/* JSON and /metrics (Prometheus text).
// The web UI (served at /) mounts here too.

import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { sendError, sendJson, sendText } from '../common/http.js';
import { errorMessage } from '../common/errors.js';
import type { ClusterManager } from './cluster-manager.js';

export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

export function createCmHttpServer(cm: ClusterManager, extraRoutes: Route[] = []): Server {
  const routes: Route[] = [
    (req, res, url) => {
      if (req.method !== 'GET') return false;
      switch (url.pathname) {
        case '/api/v1/cluster':
          sendJson(res, 200, cm.clusterInfo());
          return true;
        case '/api/v1/nodes':
          sendJson(res, 200, { nodes: cm.nodeViews() });
          return true;
        case '/api/v1/sessions':
          sendJson(res, 200, { sessions: cm.sessionViews() });
          return true;
        case '/api/v1/pools':
          sendJson(res, 200, { pools: cm.poolViews() });
          return true;
        case '/metrics':
          sendText(res, 200, cm.metrics.render(), 'text/plain; version=0.0.4; charset=utf-8');
          return true;
        case '/healthz':
          sendText(res, 200, 'ok\n');
          return true;
      }
      return false;
    },
    ...extraRoutes,
  ];
  return createServer((req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://localhost');
        for (const route of routes) if (await route(req, res, url)) return;
        sendError(res, 404, `no such resource: ${req.method} ${url.pathname}`);
      } catch (err) {
        cm.log.error('HTTP handler failed', { url: req.url, error: errorMessage(err) });
        if (!res.headersSent) sendError(res, 500, `internal error: ${errorMessage(err)}`);
        else res.destroy();
      }
    })();
  });
}
