// Request/answer calls carried over one long-lived bidi stream: every request gets
// exactly one answer, in order. For frequent small calls (node heartbeats) this saves the
// HTTP/2 stream set-up, headers and trailers a unary call pays each time, several times
// the cost of the message itself. When the peer does not know the stream method (an
// older server) the calls go unary from then on.

import type * as Grpc from '@grpc/grpc-js';
import { grpc } from './rpc-runtime.js';
import { RpcError, unary } from './calls.js';

interface Waiter<Req, Res> {
  req: Req;
  timeoutMs: number;
  resolve: (res: Res) => void;
  reject: (err: RpcError) => void;
  timer: NodeJS.Timeout;
}

type DuplexMethod<Req, Res> = (md: Grpc.Metadata, opts: Grpc.CallOptions) => Grpc.ClientDuplexStream<Req, Res>;

export class OrderedStream<Req, Res> {
  private call: Grpc.ClientDuplexStream<Req, Res> | null = null;
  private readonly waiting: Waiter<Req, Res>[] = [];
  private unaryOnly = false;
  private closed = false;

  /** `streamMethod`: the bidi method; `unaryMethod`: the same call, unary (the fallback). */
  constructor(
    private readonly client: Grpc.Client,
    private readonly streamMethod: string,
    private readonly unaryMethod: string,
  ) {}

  /** Sends one request; resolves with its answer, rejects (RpcError) if none comes within `timeoutMs`. */
  call1(req: Req, timeoutMs: number): Promise<Res> {
    if (this.closed) return Promise.reject(new RpcError(grpc.status.CANCELLED, this.target(), this.streamMethod, 'closed'));
    if (this.unaryOnly) return unary<Req, Res>(this.client, this.unaryMethod, req, timeoutMs);
    const call = this.call ?? this.open();
    return new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => this.reset(new RpcError(grpc.status.DEADLINE_EXCEEDED, this.target(), this.streamMethod, 'Deadline exceeded')), timeoutMs);
      this.waiting.push({ req, timeoutMs, resolve, reject, timer });
      call.write(req);
    });
  }

  /** Ends the stream; pending calls are rejected. */
  close(): void {
    this.closed = true;
    this.reset(new RpcError(grpc.status.CANCELLED, this.target(), this.streamMethod, 'closed'));
  }

  private open(): Grpc.ClientDuplexStream<Req, Res> {
    const fn = (this.client as unknown as Record<string, DuplexMethod<Req, Res>>)[this.streamMethod];
    if (typeof fn !== 'function') throw new Error(`no RPC method ${this.streamMethod}`);
    const call = fn.call(this.client, new grpc.Metadata(), {});
    this.call = call;
    call.on('data', (res: Res) => {
      if (this.call !== call) return;
      const w = this.waiting.shift();
      if (!w) return;
      clearTimeout(w.timer);
      w.resolve(res);
    });
    call.on('error', (err: Grpc.ServiceError) => {
      if (this.call !== call) return;
      if (err.code === grpc.status.UNIMPLEMENTED) {
        // An older server: these calls and all later ones go unary.
        this.unaryOnly = true;
        this.call = null;
        for (const w of this.waiting.splice(0)) {
          clearTimeout(w.timer);
          unary<Req, Res>(this.client, this.unaryMethod, w.req, w.timeoutMs).then(w.resolve, w.reject);
        }
        return;
      }
      this.reset(new RpcError(err.code ?? grpc.status.UNKNOWN, this.target(), this.streamMethod, err.details || err.message));
    });
    call.on('end', () => {
      if (this.call === call) this.reset(new RpcError(grpc.status.UNAVAILABLE, this.target(), this.streamMethod, 'the server ended the stream'));
    });
    return call;
  }

  private reset(err: RpcError): void {
    const call = this.call;
    this.call = null;
    call?.cancel();
    for (const w of this.waiting.splice(0)) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }

  private target(): string {
    return this.client.getChannel().getTarget();
  }
}
