// Loads the .proto files (the public API of every daemon) and gives typed gRPC
// constructors, a promise-returning unary call helper and error mapping.
// Regenerate the types in ./gen with `npm run proto:gen` after editing proto/.

import type * as Grpc from '@grpc/grpc-js';
import type Protobuf from 'protobufjs';
import { grpc, protobuf } from './rpc-runtime.js';
import { unary } from './calls.js';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
export type { Grpc };

const here = dirname(fileURLToPath(import.meta.url));

/** The directory holding coronet/v1/*.proto: dist/proto-files when built, proto/ in the source tree. */
export function protoDir(): string {
  for (const candidate of [join(here, '..', 'proto-files'), join(here, '..', '..', 'proto')]) {
    if (existsSync(join(candidate, 'coronet', 'v1', 'common.proto'))) return candidate;
  }
  throw new Error(`cannot find the coronet .proto files near ${here}`);
}

/** How messages look in JavaScript (what @grpc/proto-loader calls its options; the
 *  descriptors already keep the .proto field names): int64 as numbers, enums as their
 *  names, every field present with its default, the set member of a oneof named. */
const toObjectOptions: Protobuf.IConversionOptions = { longs: Number, enums: String, defaults: true, oneofs: true };

/** Serializes a plain object as `type` (checked and converted by fromObject). */
function serializer(type: Protobuf.Type): Grpc.serialize<object> {
  return (value: object) => {
    if (Array.isArray(value)) throw new Error(`cannot serialize an array as ${type.name}`);
    return Buffer.from(type.encode(type.fromObject(value as Record<string, unknown>)).finish());
  };
}

function deserializer(type: Protobuf.Type): Grpc.deserialize<object> {
  return (bytes: Buffer) => type.toObject(type.decode(bytes), toObjectOptions);
}

/** A gRPC service definition straight from the protobuf reflection: the same wire format
 *  and JavaScript shapes as @grpc/proto-loader, without the descriptor protos it builds
 *  for every message type up front (reflection metadata nothing here uses; it cost about
 *  as much as loading gRPC itself at every client's start-up). Each message type's codec
 *  is compiled by protobufjs the first time it is used. */
function serviceDefinition(root: Protobuf.Root, name: string): Grpc.ServiceDefinition {
  const service = root.lookupService(name);
  const def: Record<string, Grpc.MethodDefinition<object, object>> = {};
  for (const m of service.methodsArray) {
    m.resolve();
    const req = m.resolvedRequestType!;
    const res = m.resolvedResponseType!;
    def[m.name] = {
      path: `/${name}/${m.name}`,
      requestStream: Boolean(m.requestStream),
      responseStream: Boolean(m.responseStream),
      requestSerialize: serializer(req),
      requestDeserialize: deserializer(req),
      responseSerialize: serializer(res),
      responseDeserialize: deserializer(res),
    };
  }
  return def;
}

/** A message type's codec functions as scripts/post-build.mjs wrote them (codecs.cjs). */
interface PrecompiledCodec {
  fields: number;
  make(Writer: typeof Protobuf.Writer, Reader: typeof Protobuf.Reader, types: Array<Protobuf.Type | Protobuf.Enum | null>, util: typeof Protobuf.util): Pick<Protobuf.Type, 'encode' | 'decode' | 'verify' | 'fromObject' | 'toObject'>;
}

/**
 * Has every message type of `root` set itself up (on first use, as protobufjs does) with
 * the codec functions the build wrote as source, instead of generating their source and
 * compiling it with new Function(): that took ~35 ms of CPU per process for the types a
 * client uses. The functions are protobufjs's own for the same descriptors; `setup` below
 * is what protobufjs's Type#setup does with them (these types have no wrappers).
 */
function usePrecompiledCodecs(ns: Protobuf.NamespaceBase, codecs: Record<string, PrecompiledCodec>): void {
  for (const o of ns.nestedArray) {
    if (o instanceof protobuf.Type) {
      const c = codecs[o.fullName];
      if (c && c.fields === o.fieldsArray.length) {
        o.setup = function setup(this: Protobuf.Type): Protobuf.Type {
          const types = this.fieldsArray.map((f) => f.resolve().resolvedType);
          return Object.assign(this, c.make(protobuf.Writer, protobuf.Reader, types, protobuf.util));
        };
      }
    }
    if (o instanceof protobuf.Namespace) usePrecompiledCodecs(o, codecs);
  }
}

interface Services {
  root: Protobuf.Root;
  cm: Grpc.ServiceDefinition;
  na: Grpc.ServiceDefinition;
  CmClient: Grpc.ServiceClientConstructor;
  NaClient: Grpc.ServiceClientConstructor;
}

let cached: Services | undefined;

/** The API's services: from the descriptors the build wrote as JSON
 *  (scripts/post-build.mjs; parsing the .proto text costs tens of ms at every start), or
 *  from the .proto files in the source tree. Loaded once per process. */
function load(): Services {
  if (cached) return cached;
  const dir = protoDir();
  const json = join(dir, 'descriptors.json');
  let root: Protobuf.Root;
  if (existsSync(json)) {
    root = protobuf.Root.fromJSON(JSON.parse(readFileSync(json, 'utf8')) as Protobuf.INamespace);
    const codecs = join(dir, 'codecs.cjs');
    if (existsSync(codecs)) usePrecompiledCodecs(root, createRequire(import.meta.url)(codecs) as Record<string, PrecompiledCodec>);
  } else {
    root = new protobuf.Root();
    root.resolvePath = (_origin, target) => join(dir, target);
    root.loadSync(['coronet/v1/cluster_manager.proto', 'coronet/v1/node_agent.proto'], { keepCase: true });
  }
  const cm = serviceDefinition(root, 'coronet.v1.ClusterManager');
  const na = serviceDefinition(root, 'coronet.v1.NodeAgent');
  cached = { root, cm, na, CmClient: grpc.makeGenericClientConstructor(cm, 'ClusterManager'), NaClient: grpc.makeGenericClientConstructor(na, 'NodeAgent') };
  return cached;
}

/** The API's protobuf types as this process uses them (for tests). */
export function protoRoot(): Protobuf.Root {
  return load().root;
}

export function clusterManagerService(): Grpc.ServiceDefinition {
  return load().cm;
}

export function nodeAgentService(): Grpc.ServiceDefinition {
  return load().na;
}

/** Client options tuned for a LAN: fail fast when the peer is down, keep streams alive. */
const clientOptions: Grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2_000,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
};

export function clusterManagerClient(address: string): ClusterManagerClient {
  return new (load().CmClient)(address, grpc.credentials.createInsecure(), clientOptions) as unknown as ClusterManagerClient;
}

/**
 * Starts connecting to the CM at `address` now, for clients made later: clients of one
 * address and options share their connection (gRPC's subchannel pool), so one created
 * once this has connected makes its first call without connecting (a fresh process: 7 ms
 * instead of 30-60). Returns the function that lets this one go; the connection stays
 * while another client uses it.
 */
export function preconnect(address: string): () => void {
  const client = clusterManagerClient(address) as unknown as Grpc.Client;
  client.waitForReady(Date.now() + 5_000, () => undefined);
  return () => client.close();
}

/** The HTTP address (web UI, REST API, history server) the CM at `address` gives, asked on
 *  a client of its own ('' when it serves none). */
export async function cmHttpAddress(address: string): Promise<string> {
  const client = clusterManagerClient(address);
  try {
    return (await unary<object, { http_address: string }>(client, 'GetClusterInfo', {}, 5_000)).http_address;
  } finally {
    client.close();
  }
}

export function nodeAgentClient(address: string): NodeAgentClient {
  return new (load().NaClient)(address, grpc.credentials.createInsecure(), clientOptions) as unknown as NodeAgentClient;
}

/** A server-side error with a gRPC status, for handlers to pass to their callback. */
export function rpcFailure(code: Grpc.status, details: string): Grpc.ServiceError {
  const err = new Error(details) as Grpc.ServiceError;
  err.code = code;
  err.details = details;
  err.metadata = new grpc.Metadata();
  return err;
}

export const Status = grpc.status;

/** Starts a gRPC server on host:port (port 0 = random) and resolves with the bound port. */
export function bindServer(server: Grpc.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
      if (err) reject(new Error(`cannot listen on ${host}:${port}: ${err.message}`));
      else resolve(bound);
    });
  });
}

export function newServer(): Grpc.Server {
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
