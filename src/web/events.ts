// Server-Sent Events for the web UI: every connected page gets a `snapshot` event each
// second, and pages that watch one job also get a `job` event with its full state.
// One timer serves every client and runs only while someone is connected; a snapshot is
// built once per tick whatever the number of clients.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from '../common/http.js';
import { errorMessage } from '../common/errors.js';
import { buildSnapshot, jobDetail, type SnapshotSources } from './snapshot.js';

export const snapshotIntervalMs = 1_000;
/** Open event streams at once; more are refused with 503. */
export const sseClientsMax = 200;
/** A client whose unsent output grows past this is too slow to follow: it is dropped. */
export const sseBufferedBytesMax = 8 << 20;
/** Job ids are as the history store allows. */
const jobIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$/;

interface Client {
  res: ServerResponse;
  jobId: string | null;
  /** The watched job reached history: its state will not change, so it is not resent. */
  jobFinal: boolean;
}

export class EventHub {
  private readonly clients = new Set<Client>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private stopped = false;

  constructor(
    private readonly src: SnapshotSources,
    private readonly log: { warn(msg: string, fields?: Record<string, unknown>): void },
    private readonly intervalMs = snapshotIntervalMs,
  ) {}

  get clientCount(): number {
    return this.clients.size;
  }

  /** Handles GET /api/v1/events[?job=ID]. */
  open(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const jobId = url.searchParams.get('job');
    if (jobId !== null && !jobIdPattern.test(jobId)) {
      sendError(res, 400, 'job must be a job id (letters, digits, "_", "." and "-")');
      return;
    }
    if (this.stopped) {
      sendError(res, 503, 'the web UI is shutting down');
      return;
    }
    if (this.clients.size >= sseClientsMax) {
      sendError(res, 503, `too many open event streams (at most ${sseClientsMax})`);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(`retry: 2000\n\n`);
    const client: Client = { res, jobId, jobFinal: false };
    this.clients.add(client);
    const drop = () => {
      this.clients.delete(client);
      if (this.clients.size === 0) this.pause();
    };
    req.on('close', drop);
    res.on('close', drop);
    res.on('error', drop);
    // The first events go out at once, not a tick later.
    this.resume();
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    this.pause();
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }

  private resume(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  private pause(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Builds one snapshot and sends it to every client; skips a tick when the last one is still being built. */
  private async tick(): Promise<void> {
    if (this.ticking || this.clients.size === 0) return;
    this.ticking = true;
    try {
      const snap = `event: snapshot\ndata: ${JSON.stringify(await buildSnapshot(this.src))}\n\n`;
      const watched = new Set<string>();
      for (const c of this.clients) if (c.jobId && !c.jobFinal) watched.add(c.jobId);
      const details = new Map<string, { text: string; live: boolean } | null>();
      await Promise.all(
        [...watched].map(async (id) => {
          const d = await jobDetail(this.src, id);
          details.set(id, d ? { text: JSON.stringify(d), live: d.live === true } : null);
        }),
      );
      for (const c of [...this.clients]) {
        if (c.res.writableLength > sseBufferedBytesMax) {
          this.log.warn('dropping a web UI event stream that does not keep up', { bufferedBytes: c.res.writableLength });
          c.res.destroy();
          this.clients.delete(c);
          continue;
        }
        c.res.write(snap);
        if (c.jobId && !c.jobFinal) {
          const d = details.get(c.jobId);
          if (d === null || d === undefined) c.res.write(`event: job\ndata: ${JSON.stringify({ jobId: c.jobId, missing: true })}\n\n`);
          else {
            c.res.write(`event: job\ndata: ${d.text}\n\n`);
            if (!d.live) c.jobFinal = true;
          }
        }
      }
    } catch (err) {
      this.log.warn('could not build a web UI snapshot', { error: errorMessage(err) });
    } finally {
      this.ticking = false;
    }
  }
}
