// A minimal HTTP/1.1 GET for the shuffle: the response body is read by the kernel straight
// into memory the caller chooses (net.Socket's `onread`), with no chunk objects, no
// stream machinery and no copy in JavaScript. node:http costs several times more CPU per
// byte than the copying itself (a 64 KiB chunk, an event and a buffer copy at a time).
//
// Enough HTTP for the node agent's shuffle server: `Connection: close`, a status line,
// headers, a body of `Content-Length` bytes (or, for error answers only, up to the close).
// Chunked bodies are refused.

import { connect, type Socket } from 'node:net';

/** Largest status line + headers accepted. */
const headerBytesMax = 64 << 10;

export interface HttpHead {
  readonly status: number;
  /** Header values by lower-case name. */
  readonly headers: ReadonlyMap<string, string>;
  /** Content-Length, or -1 when absent. */
  readonly length: number;
}

/** Where a response body goes, a piece at a time. */
export interface BodySink {
  /** Room for the next bytes (not empty while the body has bytes to come). */
  target(): Uint8Array;
  /** `n` bytes were put at the start of the last target. */
  wrote(n: number): void;
}

export class HttpGetError extends Error {}

/** GETs `url` (http only). `onHead` gets the status and headers and returns the sink for the
 *  body; resolves with the head once `length` body bytes (or, without a length, every byte
 *  up to the close) are in the sink. Rejects with HttpGetError for transport and protocol
 *  failures, or with the signal's reason. */
export function httpGetInto(url: string, signal: AbortSignal, onHead: (head: HttpHead) => BodySink): Promise<HttpHead> {
  const u = new URL(url);
  if (u.protocol !== 'http:') return Promise.reject(new HttpGetError(`GET ${url}: only http: URLs are supported`));
  return new Promise((resolve, reject) => {
    const headBuf = Buffer.allocUnsafe(headerBytesMax);
    let headLen = 0;
    let head: HttpHead | null = null;
    let sink: BodySink | null = null;
    let received = 0;
    let settled = false;
    let socket: Socket | null = null;
    const finish = (err: unknown): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      socket?.destroy();
      if (err === null && head !== null) resolve(head);
      else reject(err);
    };
    const onAbort = () => finish(signal.reason);
    if (signal.aborted) return finish(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    /** Body bytes in hand (after the headers in the first reads) go to the sink. */
    const feed = (bytes: Uint8Array): void => {
      let at = 0;
      while (at < bytes.length && !bodyDone()) {
        const t = (sink as BodySink).target();
        const n = Math.min(t.length, bytes.length - at, room());
        t.set(bytes.subarray(at, at + n));
        (sink as BodySink).wrote(n);
        received += n;
        at += n;
      }
    };
    const room = () => (head !== null && head.length >= 0 ? head.length - received : Number.MAX_SAFE_INTEGER);
    const bodyDone = () => head !== null && head.length >= 0 && received >= head.length;
    const onHeadBytes = (): void => {
      const end = headBuf.indexOf('\r\n\r\n', 0, 'latin1');
      if (end < 0) {
        if (headLen === headBuf.length) finish(new HttpGetError(`GET ${url}: response headers over ${headerBytesMax} bytes`));
        return;
      }
      const lines = headBuf.toString('latin1', 0, end).split('\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
      if (m === null) return finish(new HttpGetError(`GET ${url}: not an HTTP response: ${JSON.stringify(lines[0].slice(0, 80))}`));
      const headers = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      if ((headers.get('transfer-encoding') ?? 'identity').toLowerCase() !== 'identity') return finish(new HttpGetError(`GET ${url}: chunked responses are not supported`));
      const lengthText = headers.get('content-length');
      const length = lengthText === undefined ? -1 : Number(lengthText);
      if (!(Number.isSafeInteger(length) && length >= -1)) return finish(new HttpGetError(`GET ${url}: bad content-length ${JSON.stringify(lengthText)}`));
      head = { status: Number(m[1]), headers, length };
      try {
        sink = onHead(head);
        feed(headBuf.subarray(end + 4, headLen));
      } catch (e) {
        return finish(e);
      }
      if (bodyDone()) finish(null);
    };
    socket = connect({
      host: u.hostname,
      port: Number(u.port || 80),
      onread: {
        // Until the headers are in, into the header buffer; then straight into the sink.
        buffer: () => (sink === null ? headBuf.subarray(headLen) : sink.target().subarray(0, room())),
        callback: (n) => {
          if (settled) return false;
          try {
            if (sink === null) {
              headLen += n;
              onHeadBytes();
            } else {
              sink.wrote(n);
              received += n;
              // (the offered target never holds more than the bytes still announced)
              if (bodyDone()) finish(null);
            }
          } catch (e) {
            finish(e);
          }
          return !settled;
        },
      },
    });
    socket.once('connect', () => {
      (socket as Socket).write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\n\r\n`);
    });
    socket.once('error', (e) => finish(new HttpGetError(`GET ${url}: ${e.message}`)));
    socket.once('close', () => {
      if (head !== null && head.length < 0) return finish(null); // delimited by the close
      if (head === null) return finish(new HttpGetError(`GET ${url}: connection closed before the response headers`));
      finish(new HttpGetError(`GET ${url}: connection closed after ${received} of ${head.length} body bytes`));
    });
  });
}
