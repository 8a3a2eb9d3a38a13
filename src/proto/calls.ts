// Client calls: a promise-returning unary call and the error it rejects with.

import type * as Grpc from '@grpc/grpc-js';
import { grpc } from './rpc-runtime.js';

/** A failed RPC, with the gRPC status code and the address it was sent to. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly code: Grpc.status,
    readonly address: string,
    readonly method: string,
    readonly details: string,
  ) {
    super(code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED ? `cannot reach ${address.replace(/^dns:/, '')} (${method}): ${plainCause(details)}` : details);
  }
  get unavailable(): boolean {
    return this.code === grpc.status.UNAVAILABLE || this.code === grpc.status.DEADLINE_EXCEEDED;
  }
}

/** Turns grpc-js's long transport messages into a few words. */
function plainCause(details: string): string {
  if (/ECONNREFUSED/.test(details)) return 'connection refused';
  if (/EHOSTUNREACH|ENETUNREACH/.test(details)) return 'host unreachable';
  if (/ENOTFOUND|EAI_AGAIN|Name resolution failed/.test(details)) return 'host name not found';
  if (/Deadline exceeded|ETIMEDOUT/i.test(details)) return 'no answer in time';
  return details.split('. ')[0];
}

type UnaryMethod<Req, Res> = (req: Req, md: Grpc.Metadata, opts: Grpc.CallOptions, cb: Grpc.requestCallback<Res>) => Grpc.ClientUnaryCall;

/**
 * Calls a unary method and resolves with the answer; rejects with RpcError.
 * `waitForReady`: a channel that is reconnecting (its peer just restarted, say) holds the
 * call until it connects or the deadline passes, instead of failing it at once.
 */
export function unary<Req, Res>(client: Grpc.Client, method: string, req: Req, timeoutMs = 10_000, waitForReady = false): Promise<Res> {
  return new Promise((resolve, reject) => {
    const fn = (client as unknown as Record<string, UnaryMethod<Req, Res>>)[method];
    if (typeof fn !== 'function') throw new Error(`no RPC method ${method}`);
    const md = new grpc.Metadata();
    if (waitForReady) md.setOptions({ waitForReady: true });
    fn.call(client, req, md, { deadline: Date.now() + timeoutMs }, (err, res) => {
      if (err) reject(new RpcError(err.code ?? grpc.status.UNKNOWN, client.getChannel().getTarget(), method, err.details || err.message));
      else resolve(res as Res);
    });
  });
}
