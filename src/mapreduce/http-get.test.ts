import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpGetError, httpGetInto, type BodySink } from './http-get.js';

/** A TCP server that answers each connection with `answer` once the request is in. */
async function rawServer(answer: (socket: Socket, request: string) => Promise<void> | void): Promise<{ url: string; server: Server; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((socket) => {
    let text = '';
    socket.on('data', (b) => {
      text += b.toString('latin1');
      if (text.includes('\r\n\r\n')) {
        requests.push(text);
        void Promise.resolve(answer(socket, text)).catch(() => socket.destroy());
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, requests };
}

function collect(): BodySink & { bytes(): Buffer } {
  const chunk = Buffer.alloc(7); // small on purpose: many reads
  const parts: Buffer[] = [];
  return { target: () => chunk, wrote: (n) => parts.push(Buffer.from(chunk.subarray(0, n))), bytes: () => Buffer.concat(parts) };
}

void test('httpGetInto: headers and body arriving in pieces; the body lands in the sink, exactly Content-Length bytes', async () => {
  const body = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz'.repeat(50));
  const { url, server, requests } = await rawServer(async (s) => {
    const all = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nX-Coronet-Crc32: ab\r\n\r\n`), body]);
    for (let i = 0; i < all.length; i += 97) {
      s.write(all.subarray(i, i + 97));
      await sleep(1);
    }
    s.end();
  });
  try {
    const sink = collect();
    const head = await httpGetInto(`${url}/mapoutput/j/m/0?x=1`, AbortSignal.timeout(5000), () => sink);
    assert.equal(head.status, 200);
    assert.equal(head.length, body.length);
    assert.equal(head.headers.get('x-coronet-crc32'), 'ab');
    assert.ok(sink.bytes().equals(body));
    assert.match(requests[0], /^GET \/mapoutput\/j\/m\/0\?x=1 HTTP\/1\.1\r\n/);
    assert.match(requests[0], /\r\nConnection: close\r\n/);
  } finally {
    server.close();
  }
});

void test('httpGetInto: an answer without Content-Length is read to the close; chunked ones, early closes and junk are errors', async () => {
  const { url, server } = await rawServer((s, req) => {
    if (req.includes('/nolength')) s.end('HTTP/1.1 503 Busy\r\n\r\ntry later');
    else if (req.includes('/chunked')) s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
    else if (req.includes('/short')) s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this');
    else s.end('SSH-2.0-OpenSSH\r\n\r\n');
  });
  try {
    const sink = collect();
    const head = await httpGetInto(`${url}/nolength`, AbortSignal.timeout(5000), () => sink);
    assert.equal(head.status, 503);
    assert.equal(sink.bytes().toString(), 'try later');
    await assert.rejects(httpGetInto(`${url}/chunked`, AbortSignal.timeout(5000), collect), (e: unknown) => e instanceof HttpGetError && /chunked/.test(e.message));
    await assert.rejects(httpGetInto(`${url}/short`, AbortSignal.timeout(5000), collect), (e: unknown) => e instanceof HttpGetError && /after 9 of 100 body bytes/.test(e.message));
    await assert.rejects(httpGetInto(`${url}/junk`, AbortSignal.timeout(5000), collect), (e: unknown) => e instanceof HttpGetError && /not an HTTP response/.test(e.message));
    await assert.rejects(httpGetInto('https://127.0.0.1:1/x', AbortSignal.timeout(5000), collect), (e: unknown) => e instanceof HttpGetError && /only http:/.test(e.message));
  } finally {
    server.close();
  }
});

void test('httpGetInto: a server that never answers is cut off by the signal; a refused connection is an HttpGetError', async () => {
  const { url, server } = await rawServer(() => undefined);
  try {
    const ac = new AbortController();
    const pending = httpGetInto(`${url}/x`, ac.signal, collect);
    setTimeout(() => ac.abort(new Error('stop')), 50);
    await assert.rejects(pending, /stop/);
  } finally {
    server.close();
  }
  await assert.rejects(httpGetInto(url, AbortSignal.timeout(5000), collect), HttpGetError);
});
