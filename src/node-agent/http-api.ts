// The node agent's HTTP server: container logs (followable), /metrics, and extra
// routes (the MapReduce shuffle serves map output here).

import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { open, stat } from 'node:fs/promises';
import { sendError, sendText } from '../common/http.js';
import { errorMessage } from '../common/errors.js';
import type { MetricsRegistry } from '../common/metrics.js';
import type { ContainerManager } from './containers.js';

export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

const logPollMs = 100;
const logChunkBytes = 256 * 1024;

/**
 * GET /containers/<id>/<stdout|stderr>?offset=N&follow=1 — the log from byte N; with
 * follow, keeps streaming until the container has ended and the file is drained.
 */
async function serveLog(containers: ContainerManager, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const m = url.pathname.match(/^\/containers\/([A-Za-z0-9._-]+)\/(stdout|stderr)$/);
  if (!m || req.method !== 'GET') return false;
  const path = containers.logPath(m[1], m[2] as 'stdout' | 'stderr');
  if (!path) {
    sendError(res, 404, `no log for container ${m[1]}`);
    return true;
  }
  let offset = Number(url.searchParams.get('offset') ?? 0);
  if (!Number.isInteger(offset) || offset < 0) {
    sendError(res, 400, 'offset must be a whole number >= 0');
    return true;
  }
  const follow = url.searchParams.get('follow') === '1';
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const fh = await open(path, 'r');
  let closed = false;
  res.on('close', () => (closed = true));
  try {
    const buf = Buffer.allocUnsafe(logChunkBytes);
    for (;;) {
      if (closed) break;
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      if (bytesRead > 0) {
        offset += bytesRead;
        if (!res.write(Buffer.from(buf.subarray(0, bytesRead)))) await new Promise((r) => res.once('drain', r));
        continue;
      }
      const running = containers.get(m[1])?.state === 'RUNNING';
      if (!follow || !running) {
        // One more look: the process may have written its last bytes as it exited.
        const size = (await stat(path)).size;
        if (size > offset) continue;
        break;
      }
      await new Promise((r) => setTimeout(r, logPollMs));
    }
  } finally {
    await fh.close();
    res.end();
  }
  return true;
}

export function createAgentHttpServer(containers: ContainerManager, metrics: MetricsRegistry, extraRoutes: Route[], log: { error(m: string, f?: Record<string, unknown>): void }): Server {
  const routes: Route[] = [
    (req, res, url) => {
      if (url.pathname === '/metrics' && req.method === 'GET') {
        sendText(res, 200, metrics.render(), 'text/plain; version=0.0.4; charset=utf-8');
        return true;
      }
      if (url.pathname === '/healthz') {
        sendText(res, 200, 'ok\n');
        return true;
      }
      return false;
    },
    (req, res, url) => serveLog(containers, req, res, url),
    ...extraRoutes,
  ];
  return createServer((req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://localhost');
        for (const r of routes) if (await r(req, res, url)) return;
        sendError(res, 404, `no such resource: ${req.method} ${url.pathname}`);
      } catch (err) {
        log.error('HTTP handler failed', { url: req.url, error: errorMessage(err) });
        if (!res.headersSent) sendError(res, 500, errorMessage(err));
        else res.destroy();
      }
    })();
  });
}
