// Loads the .proto files (the public API of every daemon) and gives typed gRPC
// constructors, a promise-returning unary call helper and error mapping.
// Regenerate the types in ./gen with `npm run proto:gen` after editing proto/.

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProtoGrpcType as CmProto } from './gen/cluster_manager.js';
import type { ProtoGrpcType as NaProto } from './gen/node_agent.js';
import type { ClusterManagerClient } from './gen/coronet/v1/ClusterManager.js';
import type { NodeAgentClient } from './gen/coronet/v1/NodeAgent.js';

export type { ClusterManagerClient, ClusterManagerHandlers } from './gen/coronet/v1/ClusterManager.js';
export type { NodeAgentClient, NodeAgentHandlers } from './gen/coronet/v1/NodeAgent.js';
export type { Grant__Output as WireGrant, Grant as WireGrantIn } from './gen/coronet/v1/Grant.js';
export type { Resources__Output as WireResources, Resources as WireResourcesIn } from './gen/coronet/v1/Resources.js';
export type { SessionEvent__Output as WireSessionEvent } from './gen/coronet/v1/SessionEvent.js';
export type { SessionEventBatch__Output as WireSessionEventBatch, SessionEventBatch as WireSessionEventBatchIn } from './gen/coronet/v1/SessionEventBatch.js';
export type { ContainerStatus__Output as WireContainerStatus, ContainerStatus as WireContainerStatusIn } from './gen/coronet/v1/ContainerStatus.js';
export type { ContainerSpec as WireContainerSpecIn, ContainerSpec__Output as WireContainerSpec } from './gen/coronet/v1/ContainerSpec.js';
export type { ContainerReport as WireContainerReportIn, ContainerReport__Output as WireContainerReport } from './gen/coronet/v1/ContainerReport.js';
export type { ContainerState__Output as ContainerState } from './gen/coronet/v1/ContainerState.js';
export type { NodeInfo as WireNodeInfoIn, NodeInfo__Output as WireNodeInfo } from './gen/coronet/v1/NodeInfo.js';
export type { SessionInfo as WireSessionInfoIn, SessionInfo__Output as WireSessionInfo } from './gen/coronet/v1/SessionInfo.js';
export type { ClusterInfo as WireClusterInfoIn, ClusterInfo__Output as WireClusterInfo } from './gen/coronet/v1/ClusterInfo.js';
export type { ResourceRequest__Output as WireResourceRequest, ResourceRequest as WireResourceRequestIn } from './gen/coronet/v1/ResourceRequest.js';
export type { SessionPriority__Output as WirePriority } from './gen/coronet/v1/SessionPriority.js';
export type { SessionStatus__Output as WireSessionStatus } from './gen/coronet/v1/SessionStatus.js';
export type { NodeHeartbeatRequest as WireNodeHeartbeatIn, NodeHeartbeatRequest__Output as WireNodeHeartbeat } from './gen/coronet/v1/NodeHeartbeatRequest.js';
export type { NodeHeartbeatResponse as WireNodeHeartbeatAnswer, NodeHeartbeatResponse__Output as WireNodeHeartbeatAnswerOut } from './gen/coronet/v1/NodeHeartbeatResponse.js';
export type { RegisterNodeRequest as WireRegisterNodeIn } from './gen/coronet/v1/RegisterNodeRequest.js';
export { grpc };

const here = dirname(fileURLToPath(import.meta.url));

/** The directory holding coronet/v1/*.proto: dist/proto-files when built, proto/ in the source tree. */
export function protoDir(): string {
  for (const candidate of [join(here, '..', 'proto-files'), join(here, '..', '..', 'proto')]) {
    if (existsSync(join(candidate, 'coronet', 'v1', 'common.proto'))) return candidate;
  }
  throw new Error(`cannot find the coronet .proto files near ${here}`);
}

const loaderOptions: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

let cached: { cm: CmProto; na: NaProto } | undefined;

/** The API's package definition: from the descriptors the build wrote as JSON
 *  (scripts/post-build.mjs; parsing the .proto text costs tens of ms at every start), or
 *  from the .proto files in the source tree. Loaded once per process. */
function load(): { cm: CmProto; na: NaProto } {
  if (cached) return cached;
  const dir = protoDir();
  const json = join(dir, 'descriptors.json');
  const def = existsSync(json)
    ? protoLoader.fromJSON(JSON.parse(readFileSync(json, 'utf8')) as Parameters<typeof protoLoader.fromJSON>[0], loaderOptions)
    : protoLoader.loadSync(['coronet/v1/cluster_manager.proto', 'coronet/v1/node_agent.proto'], { ...loaderOptions, includeDirs: [dir] });
  const pkg = grpc.loadPackageDefinition(def);
  cached = { cm: pkg as unknown as CmProto, na: pkg as unknown as NaProto };
  return cached;
}

export function clusterManagerService(): grpc.ServiceDefinition {
  return load().cm.coronet.v1.ClusterManager.service;
}

export function nodeAgentService(): grpc.ServiceDefinition {
  return load().na.coronet.v1.NodeAgent.service;
}

/** Client options tuned for a LAN: fail fast when the peer is down, keep streams alive. */
const clientOptions: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2_000,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
};

export function clusterManagerClient(address: string): ClusterManagerClient {
  const Ctor = load().cm.coronet.v1.ClusterManager;
  return new Ctor(address, grpc.credentials.createInsecure(), clientOptions);
}

export function nodeAgentClient(address: string): NodeAgentClient {
  const Ctor = load().na.coronet.v1.NodeAgent;
  return new Ctor(address, grpc.credentials.createInsecure(), clientOptions);
}

/** A server-side error with a gRPC status, for handlers to pass to their callback. */
export function rpcFailure(code: grpc.status, details: string): grpc.ServiceError {
  const err = new Error(details) as grpc.ServiceError;
  err.code = code;
  err.details = details;
  err.metadata = new grpc.Metadata();
  return err;
}

export const Status = grpc.status;

/** Starts a gRPC server on host:port (port 0 = random) and resolves with the bound port. */
export function bindServer(server: grpc.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
      if (err) reject(new Error(`cannot listen on ${host}:${port}: ${err.message}`));
      else resolve(bound);
    });
  });
}

export function newServer(): grpc.Server {
  return new grpc.Server({
    'grpc.keepalive_time_ms': 10_000,
    'grpc.keepalive_timeout_ms': 5_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5_000,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  });
}

export { RpcError, unary } from './calls.js';
export { OrderedStream } from './ordered-stream.js';
