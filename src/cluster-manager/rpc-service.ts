// gRPC adapter for the cluster manager: checks every message from outside, maps
// domain errors to gRPC statuses, and never lets a bad message take the daemon down.

import type * as grpc from '@grpc/grpc-js';
import { Status, rpcFailure, type ClusterManagerHandlers, type WireSessionEventBatchIn, type WireResourceRequest, type WireNodeHeartbeat, type WireNodeHeartbeatAnswer } from '../proto/index.js';
import * as R from '../common/resources.js';
import { grantToWire, resourcesFromWire, resourcesToWire } from '../common/wire.js';
import { errorMessage } from '../common/errors.js';
import type { SchedulerRequest } from '../scheduler/index.js';
import { CmError, parsePriority, type ClusterManager, type ContainerOnNode, type SessionEvent } from './cluster-manager.js';

/** Limits on what one message may carry. */
const requestsPerCallMax = 10_000;
const containersPerRequestMax = 100_000;
const hostsPerRequestMax = 10_000;
const idLengthMax = 256;
const textLengthMax = 4_096;

class BadRequest extends Error {}

function str(v: unknown, field: string, opts: { required?: boolean; max?: number } = {}): string {
  if (v === undefined || v === null) v = '';
  if (typeof v !== 'string') throw new BadRequest(`${field} must be a string`);
  if (opts.required && v.length === 0) throw new BadRequest(`${field} is required`);
  if (v.length > (opts.max ?? idLengthMax)) throw new BadRequest(`${field} is longer than ${opts.max ?? idLengthMax} characters`);
  return v;
}

function strList(v: unknown, field: string, max: number): string[] {
  if (!Array.isArray(v)) return [];
  if (v.length > max) throw new BadRequest(`${field} has more than ${max} entries`);
  return v.map((x, i) => str(x, `${field}[${i}]`, { required: true }));
}

function resourcesIn(v: unknown, field: string) {
  const r = resourcesFromWire(v as never);
  const bad = R.invalidReason(r, field);
  if (bad) throw new BadRequest(bad);
  return r;
}

function toStatus(err: unknown): grpc.ServiceError {
  if (err instanceof BadRequest) return rpcFailure(Status.INVALID_ARGUMENT, err.message);
  if (err instanceof CmError) {
    const code = { 'not-found': Status.NOT_FOUND, invalid: Status.INVALID_ARGUMENT, denied: Status.PERMISSION_DENIED, unauthenticated: Status.UNAUTHENTICATED, unsatisfiable: Status.INVALID_ARGUMENT }[err.code];
    return rpcFailure(code, err.message);
  }
  return rpcFailure(Status.INTERNAL, `internal error: ${errorMessage(err)}`);
}

/** Wraps a synchronous unary handler: validation errors become statuses, the daemon lives on. */
function unaryHandler<Req, Res>(cm: ClusterManager, method: string, fn: (req: Req) => Res): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    try {
      callback(null, fn(call.request));
    } catch (err) {
      const status = toStatus(err);
      if (status.code === Status.INTERNAL) cm.log.error('RPC handler failed', { method, error: errorMessage(err), stack: err instanceof Error ? err.stack : undefined });
      else cm.log.debug('RPC refused', { method, error: status.details });
      callback(status, null);
    }
  };
}

/** One node heartbeat, unary or streamed: checks the message, answers what the agent must do. */
function nodeHeartbeat(cm: ClusterManager, req: WireNodeHeartbeat): WireNodeHeartbeatAnswer {
  const answer = cm.nodeHeartbeat({
    name: str(req.name, 'name', { required: true }),
    registrationId: str(req.registration_id, 'registration_id'),
    capacity: resourcesIn(req.capacity, 'capacity'),
    usage: { memoryMb: Number(req.usage?.memory_mb) || 0, cpuCores: Number(req.usage?.cpu_cores) || 0 },
    containers: containersFromWire(req.containers),
    healthy: req.healthy !== false,
    healthReport: str(req.health_report, 'health_report', { max: textLengthMax }),
  });
  if (!answer) return { reregister: true, kill_grant_ids: [], ended_session_ids: [] };
  return { reregister: false, kill_grant_ids: answer.killGrantIds, ended_session_ids: answer.endedSessionIds };
}

function requestFromWire(r: WireResourceRequest, i: number): SchedulerRequest {
  const field = `requests[${i}]`;
  const requestId = str(r.request_id, `${field}.request_id`, { required: true });
  const count = Number(r.count);
  if (!Number.isInteger(count) || count < 1 || count > containersPerRequestMax) throw new BadRequest(`${field}.count must be from 1 to ${containersPerRequestMax}, got ${r.count}`);
  const resources = resourcesIn(r.resources, `${field}.resources`);
  if (R.isZero(resources)) throw new BadRequest(`${field}.resources asks for nothing (all zero)`);
  return {
    requestId,
    resources,
    count,
    hosts: strList(r.hosts, `${field}.hosts`, hostsPerRequestMax),
    racks: strList(r.racks, `${field}.racks`, hostsPerRequestMax),
    relaxLocality: Boolean(r.relax_locality),
    excludedHosts: strList(r.excluded_hosts, `${field}.excluded_hosts`, hostsPerRequestMax),
    driver: Boolean(r.driver),
  };
}

export function eventsToWire(events: SessionEvent[], snapshot: boolean): WireSessionEventBatchIn {
  return {
    snapshot,
    events: events.map((e) => {
      switch (e.type) {
        case 'grant':
          return { grant: grantToWire(e.grant) };
        case 'revocation':
          return { revocation: { grant_id: e.grantId, reason: e.reason, kill_at_ms: e.killAtMs } };
        case 'node-lost':
          return { node_lost: { node_name: e.node, grant_ids: e.grantIds } };
        case 'session-ended':
          return { session_ended: { reason: e.reason } };
      }
    }),
  };
}

function containersFromWire(list: unknown): ContainerOnNode[] {
  if (!Array.isArray(list)) return [];
  if (list.length > 100_000) throw new BadRequest('containers has more than 100000 entries');
  return list.map((c: Record<string, unknown>, i) => ({
    containerId: str(c.container_id, `containers[${i}].container_id`),
    grantId: str(c.grant_id, `containers[${i}].grant_id`),
    sessionId: str(c.session_id, `containers[${i}].session_id`),
    state: str(c.state, `containers[${i}].state`),
    rssMb: Number(c.rss_mb) || 0,
  }));
}

export function clusterManagerHandlers(cm: ClusterManager): ClusterManagerHandlers {
  return {
    StartSession: unaryHandler(cm, 'StartSession', (req) => {
      const user = str(req.user, 'user', { max: 128 }) || 'anonymous';
      const pool = str(req.pool, 'pool', { max: 256 });
      if (pool && !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?$/.test(pool)) throw new BadRequest(`pool "${pool}" is not GROUP.POOL (letters, digits, _ and -)`);
      const tags: Record<string, string> = {};
      const rawTags = req.tags ?? {};
      if (Object.keys(rawTags).length > 64) throw new BadRequest('tags has more than 64 entries');
      for (const [k, v] of Object.entries(rawTags)) tags[str(k, 'tags key')] = str(v, `tags.${k}`, { max: textLengthMax });
      const deadlineMs = Number(req.deadline_ms) || 0;
      if (deadlineMs < 0) throw new BadRequest('deadline_ms is negative');
      const { id, secret } = cm.startSession({
        name: str(req.name, 'name', { max: textLengthMax }) || 'unnamed',
        user,
        pool,
        priority: parsePriority(String(req.priority)),
        deadlineMs,
        kind: str(req.kind, 'kind', { max: 64 }),
        driverAddress: str(req.driver_address, 'driver_address'),
        tags,
      });
      return { session_id: id, session_secret: secret, session_expiry_ms: cm.config.sessionExpiryMs, heartbeat_interval_ms: cm.config.sessionHeartbeatIntervalMs };
    }),

    SessionEvents: (call) => {
      let session;
      try {
        session = cm.authSession(str(call.request.session_id, 'session_id', { required: true }), str(call.request.session_secret, 'session_secret'));
      } catch (err) {
        call.destroy(toStatus(err));
        return;
      }
      const s = session;
      const sink = {
        write: (events: SessionEvent[], snapshot: boolean) => {
          if (!call.cancelled && !call.destroyed) call.write(eventsToWire(events, snapshot));
        },
        end: () => {
          if (!call.destroyed) call.end();
        },
      };
      call.on('cancelled', () => cm.detachStream(s, sink));
      call.on('close', () => cm.detachStream(s, sink));
      call.on('error', () => cm.detachStream(s, sink));
      cm.attachStream(s, sink);
    },

    RequestResources: unaryHandler(cm, 'RequestResources', (req) => {
      const s = cm.authSession(str(req.session_id, 'session_id', { required: true }), str(req.session_secret, 'session_secret'));
      const list = req.requests ?? [];
      if (list.length > requestsPerCallMax) throw new BadRequest(`more than ${requestsPerCallMax} requests in one call`);
      const ids = new Set<string>();
      const requests = list.map((r, i) => {
        const q = requestFromWire(r, i);
        if (ids.has(q.requestId)) throw new BadRequest(`request_id "${q.requestId}" appears twice in one call`);
        ids.add(q.requestId);
        return q;
      });
      cm.requestResources(s, requests);
      return {};
    }),

    ReleaseResources: unaryHandler(cm, 'ReleaseResources', (req) => {
      const s = cm.authSession(str(req.session_id, 'session_id', { required: true }), str(req.session_secret, 'session_secret'));
      cm.releaseResources(s, strList(req.grant_ids, 'grant_ids', containersPerRequestMax), strList(req.request_ids, 'request_ids', requestsPerCallMax));
      return {};
    }),

    SessionHeartbeat: unaryHandler(cm, 'SessionHeartbeat', (req) => {
      const s = cm.authSession(str(req.session_id, 'session_id', { required: true }), str(req.session_secret, 'session_secret'));
      const tags = req.tags ?? {};
      if (Object.keys(tags).length > 64) throw new BadRequest('tags has more than 64 entries');
      const merged: Record<string, string> = {};
      for (const [k, v] of Object.entries(tags)) {
        if (Object.keys(s.tags).length >= 64 && !(k in s.tags)) throw new BadRequest('a session holds at most 64 tags');
        merged[str(k, 'tags key')] = str(v, `tags.${k}`, { max: textLengthMax });
      }
      if (Object.keys(merged).length) cm.setTags(s, merged);
      const feedback = Array.isArray(req.node_feedback) ? req.node_feedback : [];
      if (feedback.length > hostsPerRequestMax) throw new BadRequest(`node_feedback has more than ${hostsPerRequestMax} entries`);
      const reports = feedback.map((f, i) => {
        const failedTasks = Number(f.failed_tasks);
        if (!Number.isInteger(failedTasks) || failedTasks < 0) throw new BadRequest(`node_feedback[${i}].failed_tasks must be a whole number >= 0, got ${f.failed_tasks}`);
        return { node: str(f.node_name, `node_feedback[${i}].node_name`, { required: true }), failedTasks };
      });
      if (reports.length) cm.nodeFeedback(s, reports);
      return {};
    }),

    StartDriver: unaryHandler(cm, 'StartDriver', (req) => {
      const s = cm.authSession(str(req.session_id, 'session_id', { required: true }), str(req.session_secret, 'session_secret'));
      const resources = resourcesIn(req.resources, 'resources');
      if (R.isZero(resources)) throw new BadRequest('resources asks for nothing (all zero)');
      const spec = req.spec;
      if (!spec) throw new BadRequest('spec is required');
      const command = str(spec.command, 'spec.command', { required: true, max: textLengthMax });
      const args = Array.isArray(spec.args) ? spec.args : [];
      if (args.length > 1_000) throw new BadRequest('spec.args has more than 1000 entries');
      const env: Record<string, string> = {};
      const envIn = spec.env ?? {};
      if (Object.keys(envIn).length > 1_000) throw new BadRequest('spec.env has more than 1000 entries');
      for (const [k, v] of Object.entries(envIn)) env[str(k, 'spec.env key', { required: true })] = str(v, `spec.env.${k}`, { max: textLengthMax });
      const maxAttempts = Number(req.max_attempts) || 2;
      if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 100) throw new BadRequest(`max_attempts must be from 1 to 100, got ${req.max_attempts}`);
      cm.startDriver(s, { resources, command, args: args.map((a, i) => str(a, `spec.args[${i}]`, { max: textLengthMax })), env, maxAttempts });
      return {};
    }),

    EndSession: unaryHandler(cm, 'EndSession', (req) => {
      const s = cm.authSession(str(req.session_id, 'session_id', { required: true }), str(req.session_secret, 'session_secret'));
      const status = String(req.status ?? '') === 'SESSION_STATUS_UNSPECIFIED' || !req.status ? 'SUCCEEDED' : String(req.status);
      cm.endSession(s, status, str(req.diagnostics, 'diagnostics', { max: 64 * 1024 }));
      return {};
    }),

    RegisterNode: unaryHandler(cm, 'RegisterNode', (req) => {
      const name = str(req.name, 'name', { required: true, max: 253 });
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new BadRequest(`node name "${name}" has characters other than letters, digits, ".", "_" and "-"`);
      const capacity = resourcesIn(req.capacity, 'capacity');
      if (capacity.memoryMb <= 0 || capacity.vcores <= 0) throw new BadRequest('capacity must have memory_mb and vcores above 0');
      const { registrationId } = cm.registerNode({
        name,
        rack: str(req.rack, 'rack') || '/default-rack',
        rpcAddress: str(req.rpc_address, 'rpc_address', { required: true }),
        shuffleAddress: str(req.shuffle_address, 'shuffle_address'),
        capacity,
        containers: containersFromWire(req.containers),
      });
      return { token_key: cm.tokenKey, heartbeat_interval_ms: cm.config.nodeHeartbeatIntervalMs, registration_id: registrationId };
    }),

    NodeHeartbeat: unaryHandler(cm, 'NodeHeartbeat', (req) => nodeHeartbeat(cm, req)),

    NodeHeartbeats: (call) => {
      call.on('data', (req: WireNodeHeartbeat) => {
        if (call.cancelled || call.destroyed) return;
        try {
          call.write(nodeHeartbeat(cm, req));
        } catch (err) {
          const status = toStatus(err);
          if (status.code === Status.INTERNAL) cm.log.error('RPC handler failed', { method: 'NodeHeartbeats', error: errorMessage(err), stack: err instanceof Error ? err.stack : undefined });
          else cm.log.debug('RPC refused', { method: 'NodeHeartbeats', error: status.details });
          call.emit('error', status); // ends the stream with this status

        }
      });
      call.on('end', () => {
        if (!call.destroyed) call.end();
      });
      call.on('error', () => undefined); // the agent went away; it opens a new stream
    },

    GetClusterInfo: unaryHandler(cm, 'GetClusterInfo', () => {
      const c = cm.clusterInfo();
      return {
        version: c.version,
        started_at_ms: c.startedAtMs,
        nodes_alive: c.nodesAlive,
        nodes_lost: c.nodesLost,
        nodes_decommissioning: c.nodesDecommissioning,
        capacity: resourcesToWire(c.capacity),
        allocated: resourcesToWire(c.allocated),
        sessions_running: c.sessionsRunning,
        pending_requests: c.pendingRequests,
        http_address: c.httpAddress,
      };
    }),

    ListNodes: unaryHandler(cm, 'ListNodes', () => ({
      nodes: cm.nodeViews().map((n) => ({
        name: n.name,
        rack: n.rack,
        rpc_address: n.rpcAddress,
        shuffle_address: n.shuffleAddress,
        state: n.state,
        capacity: resourcesToWire(n.capacity),
        allocated: resourcesToWire(n.allocated),
        usage: { memory_mb: n.usage.memoryMb, cpu_cores: n.usage.cpuCores },
        containers: n.containerCount,
        last_heartbeat_ms: n.lastHeartbeatMs,
        healthy: n.healthy,
        health_report: n.healthReport,
        blacklisted_until_ms: n.blacklistedUntilMs,
        blacklist_reason: n.blacklistReason,
      })),
    })),

    ListSessions: unaryHandler(cm, 'ListSessions', () => ({
      sessions: cm.sessionViews().map((s) => ({
        session_id: s.id,
        name: s.name,
        user: s.user,
        pool: s.pool,
        priority: s.priority,
        kind: s.kind,
        state: s.state,
        started_at_ms: s.startedAtMs,
        allocated: resourcesToWire(s.allocated),
        grants: s.grants,
        pending: s.pending,
        tags: s.tags,
        final_status: s.finalStatus,
        diagnostics: s.diagnostics,
      })),
    })),

    ListPools: unaryHandler(cm, 'ListPools', () => ({
      pools: cm.poolViews().map((p) => ({
        name: p.name,
        group: p.group,
        weight: p.weight,
        min_share: resourcesToWire(p.minShare),
        max_share: p.maxShare ? resourcesToWire(p.maxShare) : null,
        demand: resourcesToWire(p.demand),
        granted: resourcesToWire(p.granted),
        fair_share: resourcesToWire(p.fairShare),
        starving_since_ms: p.starvingSinceMs ?? 0,
        running_sessions: p.runningSessions,
        waiting_sessions: p.waitingSessions,
        preemptable: p.preemptable,
        order: p.order,
      })),
    })),

    RefreshPools: unaryHandler(cm, 'RefreshPools', () => {
      const r = cm.reloadPoolsFile();
      return r.ok ? { ok: true, error: '' } : { ok: false, error: r.error };
    }),

    DecommissionNode: unaryHandler(cm, 'DecommissionNode', (req) => {
      const timeoutMs = Number(req.timeout_ms) || 0;
      if (timeoutMs < 0) throw new BadRequest('timeout_ms is negative');
      cm.decommission(str(req.name, 'name', { required: true }), timeoutMs || undefined);
      return {};
    }),

    SetSafeMode: unaryHandler(cm, 'SetSafeMode', (req) => {
      cm.setSafeMode(Boolean(req.on));
      return { on: cm.safeMode };
    }),
  };
}
