// gRPC adapter for the node agent: LaunchContainer, StopContainer, status, and the
// ContainerEvents push stream. Every message is checked; bad ones get a status.

import type * as grpc from '@grpc/grpc-js';
import { Status, rpcFailure, type NodeAgentHandlers, type WireContainerStatusIn } from '../proto/index.js';
import * as R from '../common/resources.js';
import { resourcesFromWire } from '../common/wire.js';
import { errorMessage } from '../common/errors.js';
import { LaunchRefused, type ContainerManager, type ContainerStatus } from './containers.js';

class BadRequest extends Error {}

const argsMax = 10_000;
const envMax = 1_000;
const filesMax = 1_000;

function str(v: unknown, field: string, max = 4096): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new BadRequest(`${field} must be a string`);
  if (v.length > max) throw new BadRequest(`${field} is longer than ${max} characters`);
  return v;
}

export function statusToWire(s: ContainerStatus): WireContainerStatusIn {
  return {
    container_id: s.containerId,
    grant_id: s.grantId,
    session_id: s.sessionId,
    node_name: s.nodeName,
    state: s.state,
    exit_code: s.exitCode,
    signal: s.signal,
    diagnostics: s.diagnostics,
    started_at_ms: s.startedAtMs,
    finished_at_ms: s.finishedAtMs,
    stdout_path: s.stdoutPath,
    stderr_path: s.stderrPath,
  };
}

function toStatus(err: unknown): grpc.ServiceError {
  if (err instanceof BadRequest) return rpcFailure(Status.INVALID_ARGUMENT, err.message);
  if (err instanceof LaunchRefused) {
    const code = { unauthenticated: Status.PERMISSION_DENIED, invalid: Status.FAILED_PRECONDITION, busy: Status.ALREADY_EXISTS, 'not-ready': Status.UNAVAILABLE }[err.code];
    return rpcFailure(code, err.message);
  }
  return rpcFailure(Status.INTERNAL, `internal error: ${errorMessage(err)}`);
}

export function nodeAgentHandlers(containers: ContainerManager): NodeAgentHandlers {
  const guard = <Req, Res>(fn: (req: Req) => Res): grpc.handleUnaryCall<Req, Res> => (call, cb) => {
    try {
      cb(null, fn(call.request));
    } catch (err) {
      cb(toStatus(err), null);
    }
  };
  const owned = (containerId: string, sessionId: string, secret: string): ContainerStatus => {
    if (!containers.authorize(sessionId, secret)) throw new LaunchRefused('unauthenticated', `wrong or missing secret for session "${sessionId.slice(0, 80)}"`);
    const c = containers.get(containerId);
    if (!c || c.sessionId !== sessionId) throw new BadRequest(`unknown container "${containerId.slice(0, 120)}" for session ${sessionId}`);
    return c;
  };
  return {
    LaunchContainer: guard((req) => {
      const g = req.grant;
      if (!g) throw new BadRequest('grant is required');
      const spec = req.spec;
      if (!spec) throw new BadRequest('spec is required');
      const resources = resourcesFromWire(g.resources);
      const bad = R.invalidReason(resources, 'grant.resources');
      if (bad) throw new BadRequest(bad);
      const args = Array.isArray(spec.args) ? spec.args : [];
      if (args.length > argsMax) throw new BadRequest(`spec.args has more than ${argsMax} entries`);
      const env = spec.env ?? {};
      if (Object.keys(env).length > envMax) throw new BadRequest(`spec.env has more than ${envMax} entries`);
      const files = Array.isArray(spec.files) ? spec.files : [];
      if (files.length > filesMax) throw new BadRequest(`spec.files has more than ${filesMax} entries`);
      const status = containers.launch(
        {
          grantId: str(g.grant_id, 'grant.grant_id', 256),
          sessionId: str(g.session_id, 'grant.session_id', 256),
          user: typeof g.user === 'string' ? str(g.user, 'grant.user', 256) : '',
          node: str(g.node_name, 'grant.node_name', 256),
          resources,
          token: str(g.token, 'grant.token', 256),
          expiresAtMs: Number(g.expires_at_ms) || 0,
        },
        {
          command: str(spec.command, 'spec.command'),
          args: args.map((a, i) => str(a, `spec.args[${i}]`, 1 << 20)),
          env: Object.fromEntries(Object.entries(env).map(([k, v]) => [str(k, 'spec.env key', 256), str(v, `spec.env.${k}`, 1 << 20)])),
          files: files.map((f, i) => ({ source: str(f.source, `spec.files[${i}].source`), name: str(f.name, `spec.files[${i}].name`, 255) })),
        },
      );
      if (status.state === 'FAILED_TO_START') throw new LaunchRefused('invalid', status.diagnostics);
      return { container_id: status.containerId, work_dir: '', stdout_path: status.stdoutPath, stderr_path: status.stderrPath };
    }),
    StopContainer: guard((req) => {
      const c = owned(str(req.container_id, 'container_id'), str(req.session_id, 'session_id'), str(req.session_secret, 'session_secret'));
      containers.stopContainer(c.containerId, 'stopped by its session driver');
      return {};
    }),
    GetContainerStatus: guard((req) => statusToWire(owned(str(req.container_id, 'container_id'), str(req.session_id, 'session_id'), str(req.session_secret, 'session_secret')))),
    ContainerEvents: (call) => {
      const sessionId = typeof call.request.session_id === 'string' ? call.request.session_id : '';
      if (!containers.authorize(sessionId, String(call.request.session_secret ?? ''))) {
        call.destroy(rpcFailure(Status.PERMISSION_DENIED, `wrong or missing secret for session "${sessionId.slice(0, 80)}"`));
        return;
      }
      const send = (s: ContainerStatus) => {
        if (!call.cancelled && !call.destroyed) call.write(statusToWire(s));
      };
      const unsubscribe = containers.subscribe(sessionId, send);
      call.on('cancelled', unsubscribe);
      call.on('close', unsubscribe);
      call.on('error', unsubscribe);
      for (const s of containers.sessionContainers(sessionId)) send(s);
    },
  };
}
