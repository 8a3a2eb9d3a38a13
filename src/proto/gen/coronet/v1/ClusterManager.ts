// Original file: proto/coronet/v1/cluster_manager.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ClusterInfo as _coronet_v1_ClusterInfo, ClusterInfo__Output as _coronet_v1_ClusterInfo__Output } from '../../coronet/v1/ClusterInfo';
import type { DecommissionNodeRequest as _coronet_v1_DecommissionNodeRequest, DecommissionNodeRequest__Output as _coronet_v1_DecommissionNodeRequest__Output } from '../../coronet/v1/DecommissionNodeRequest';
import type { DecommissionNodeResponse as _coronet_v1_DecommissionNodeResponse, DecommissionNodeResponse__Output as _coronet_v1_DecommissionNodeResponse__Output } from '../../coronet/v1/DecommissionNodeResponse';
import type { EndSessionRequest as _coronet_v1_EndSessionRequest, EndSessionRequest__Output as _coronet_v1_EndSessionRequest__Output } from '../../coronet/v1/EndSessionRequest';
import type { EndSessionResponse as _coronet_v1_EndSessionResponse, EndSessionResponse__Output as _coronet_v1_EndSessionResponse__Output } from '../../coronet/v1/EndSessionResponse';
import type { GetClusterInfoRequest as _coronet_v1_GetClusterInfoRequest, GetClusterInfoRequest__Output as _coronet_v1_GetClusterInfoRequest__Output } from '../../coronet/v1/GetClusterInfoRequest';
import type { ListNodesRequest as _coronet_v1_ListNodesRequest, ListNodesRequest__Output as _coronet_v1_ListNodesRequest__Output } from '../../coronet/v1/ListNodesRequest';
import type { ListNodesResponse as _coronet_v1_ListNodesResponse, ListNodesResponse__Output as _coronet_v1_ListNodesResponse__Output } from '../../coronet/v1/ListNodesResponse';
import type { ListPoolsRequest as _coronet_v1_ListPoolsRequest, ListPoolsRequest__Output as _coronet_v1_ListPoolsRequest__Output } from '../../coronet/v1/ListPoolsRequest';
import type { ListPoolsResponse as _coronet_v1_ListPoolsResponse, ListPoolsResponse__Output as _coronet_v1_ListPoolsResponse__Output } from '../../coronet/v1/ListPoolsResponse';
import type { ListSessionsRequest as _coronet_v1_ListSessionsRequest, ListSessionsRequest__Output as _coronet_v1_ListSessionsRequest__Output } from '../../coronet/v1/ListSessionsRequest';
import type { ListSessionsResponse as _coronet_v1_ListSessionsResponse, ListSessionsResponse__Output as _coronet_v1_ListSessionsResponse__Output } from '../../coronet/v1/ListSessionsResponse';
import type { NodeHeartbeatRequest as _coronet_v1_NodeHeartbeatRequest, NodeHeartbeatRequest__Output as _coronet_v1_NodeHeartbeatRequest__Output } from '../../coronet/v1/NodeHeartbeatRequest';
import type { NodeHeartbeatResponse as _coronet_v1_NodeHeartbeatResponse, NodeHeartbeatResponse__Output as _coronet_v1_NodeHeartbeatResponse__Output } from '../../coronet/v1/NodeHeartbeatResponse';
import type { RefreshPoolsRequest as _coronet_v1_RefreshPoolsRequest, RefreshPoolsRequest__Output as _coronet_v1_RefreshPoolsRequest__Output } from '../../coronet/v1/RefreshPoolsRequest';
import type { RefreshPoolsResponse as _coronet_v1_RefreshPoolsResponse, RefreshPoolsResponse__Output as _coronet_v1_RefreshPoolsResponse__Output } from '../../coronet/v1/RefreshPoolsResponse';
import type { RegisterNodeRequest as _coronet_v1_RegisterNodeRequest, RegisterNodeRequest__Output as _coronet_v1_RegisterNodeRequest__Output } from '../../coronet/v1/RegisterNodeRequest';
import type { RegisterNodeResponse as _coronet_v1_RegisterNodeResponse, RegisterNodeResponse__Output as _coronet_v1_RegisterNodeResponse__Output } from '../../coronet/v1/RegisterNodeResponse';
import type { ReleaseResourcesRequest as _coronet_v1_ReleaseResourcesRequest, ReleaseResourcesRequest__Output as _coronet_v1_ReleaseResourcesRequest__Output } from '../../coronet/v1/ReleaseResourcesRequest';
import type { ReleaseResourcesResponse as _coronet_v1_ReleaseResourcesResponse, ReleaseResourcesResponse__Output as _coronet_v1_ReleaseResourcesResponse__Output } from '../../coronet/v1/ReleaseResourcesResponse';
import type { RequestResourcesRequest as _coronet_v1_RequestResourcesRequest, RequestResourcesRequest__Output as _coronet_v1_RequestResourcesRequest__Output } from '../../coronet/v1/RequestResourcesRequest';
import type { RequestResourcesResponse as _coronet_v1_RequestResourcesResponse, RequestResourcesResponse__Output as _coronet_v1_RequestResourcesResponse__Output } from '../../coronet/v1/RequestResourcesResponse';
import type { SessionEventBatch as _coronet_v1_SessionEventBatch, SessionEventBatch__Output as _coronet_v1_SessionEventBatch__Output } from '../../coronet/v1/SessionEventBatch';
import type { SessionEventsRequest as _coronet_v1_SessionEventsRequest, SessionEventsRequest__Output as _coronet_v1_SessionEventsRequest__Output } from '../../coronet/v1/SessionEventsRequest';
import type { SessionHeartbeatRequest as _coronet_v1_SessionHeartbeatRequest, SessionHeartbeatRequest__Output as _coronet_v1_SessionHeartbeatRequest__Output } from '../../coronet/v1/SessionHeartbeatRequest';
import type { SessionHeartbeatResponse as _coronet_v1_SessionHeartbeatResponse, SessionHeartbeatResponse__Output as _coronet_v1_SessionHeartbeatResponse__Output } from '../../coronet/v1/SessionHeartbeatResponse';
import type { SetSafeModeRequest as _coronet_v1_SetSafeModeRequest, SetSafeModeRequest__Output as _coronet_v1_SetSafeModeRequest__Output } from '../../coronet/v1/SetSafeModeRequest';
import type { SetSafeModeResponse as _coronet_v1_SetSafeModeResponse, SetSafeModeResponse__Output as _coronet_v1_SetSafeModeResponse__Output } from '../../coronet/v1/SetSafeModeResponse';
import type { StartDriverRequest as _coronet_v1_StartDriverRequest, StartDriverRequest__Output as _coronet_v1_StartDriverRequest__Output } from '../../coronet/v1/StartDriverRequest';
import type { StartDriverResponse as _coronet_v1_StartDriverResponse, StartDriverResponse__Output as _coronet_v1_StartDriverResponse__Output } from '../../coronet/v1/StartDriverResponse';
import type { StartSessionRequest as _coronet_v1_StartSessionRequest, StartSessionRequest__Output as _coronet_v1_StartSessionRequest__Output } from '../../coronet/v1/StartSessionRequest';
import type { StartSessionResponse as _coronet_v1_StartSessionResponse, StartSessionResponse__Output as _coronet_v1_StartSessionResponse__Output } from '../../coronet/v1/StartSessionResponse';

export interface ClusterManagerClient extends grpc.Client {
  DecommissionNode(argument: _coronet_v1_DecommissionNodeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_DecommissionNodeResponse__Output>): grpc.ClientUnaryCall;
  DecommissionNode(argument: _coronet_v1_DecommissionNodeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_DecommissionNodeResponse__Output>): grpc.ClientUnaryCall;
  DecommissionNode(argument: _coronet_v1_DecommissionNodeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_DecommissionNodeResponse__Output>): grpc.ClientUnaryCall;
  DecommissionNode(argument: _coronet_v1_DecommissionNodeRequest, callback: grpc.requestCallback<_coronet_v1_DecommissionNodeResponse__Output>): grpc.ClientUnaryCall;
  decommissionNode(argument: _coronet_v1_DecommissionNodeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_DecommissionNodeResponse__Output>): grpc.ClientUnaryCall;
  decommissionNode(argument: _coronet_v1_DecommissionNodeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_DecommissionNodeResponse__Output>): grpc.ClientUnaryCall;
  decommissionNode(argument: _coronet_v1_DecommissionNodeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_DecommissionNodeResponse__Output>): grpc.ClientUnaryCall;
  decommissionNode(argument: _coronet_v1_DecommissionNodeRequest, callback: grpc.requestCallback<_coronet_v1_DecommissionNodeResponse__Output>): grpc.ClientUnaryCall;
  
  EndSession(argument: _coronet_v1_EndSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_EndSessionResponse__Output>): grpc.ClientUnaryCall;
  EndSession(argument: _coronet_v1_EndSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_EndSessionResponse__Output>): grpc.ClientUnaryCall;
  EndSession(argument: _coronet_v1_EndSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_EndSessionResponse__Output>): grpc.ClientUnaryCall;
  EndSession(argument: _coronet_v1_EndSessionRequest, callback: grpc.requestCallback<_coronet_v1_EndSessionResponse__Output>): grpc.ClientUnaryCall;
  endSession(argument: _coronet_v1_EndSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_EndSessionResponse__Output>): grpc.ClientUnaryCall;
  endSession(argument: _coronet_v1_EndSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_EndSessionResponse__Output>): grpc.ClientUnaryCall;
  endSession(argument: _coronet_v1_EndSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_EndSessionResponse__Output>): grpc.ClientUnaryCall;
  endSession(argument: _coronet_v1_EndSessionRequest, callback: grpc.requestCallback<_coronet_v1_EndSessionResponse__Output>): grpc.ClientUnaryCall;
  
  GetClusterInfo(argument: _coronet_v1_GetClusterInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ClusterInfo__Output>): grpc.ClientUnaryCall;
  GetClusterInfo(argument: _coronet_v1_GetClusterInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_ClusterInfo__Output>): grpc.ClientUnaryCall;
  GetClusterInfo(argument: _coronet_v1_GetClusterInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ClusterInfo__Output>): grpc.ClientUnaryCall;
  GetClusterInfo(argument: _coronet_v1_GetClusterInfoRequest, callback: grpc.requestCallback<_coronet_v1_ClusterInfo__Output>): grpc.ClientUnaryCall;
  getClusterInfo(argument: _coronet_v1_GetClusterInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ClusterInfo__Output>): grpc.ClientUnaryCall;
  getClusterInfo(argument: _coronet_v1_GetClusterInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_ClusterInfo__Output>): grpc.ClientUnaryCall;
  getClusterInfo(argument: _coronet_v1_GetClusterInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ClusterInfo__Output>): grpc.ClientUnaryCall;
  getClusterInfo(argument: _coronet_v1_GetClusterInfoRequest, callback: grpc.requestCallback<_coronet_v1_ClusterInfo__Output>): grpc.ClientUnaryCall;
  
  ListNodes(argument: _coronet_v1_ListNodesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  ListNodes(argument: _coronet_v1_ListNodesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  ListNodes(argument: _coronet_v1_ListNodesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  ListNodes(argument: _coronet_v1_ListNodesRequest, callback: grpc.requestCallback<_coronet_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _coronet_v1_ListNodesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _coronet_v1_ListNodesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _coronet_v1_ListNodesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _coronet_v1_ListNodesRequest, callback: grpc.requestCallback<_coronet_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  
  ListPools(argument: _coronet_v1_ListPoolsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  ListPools(argument: _coronet_v1_ListPoolsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  ListPools(argument: _coronet_v1_ListPoolsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  ListPools(argument: _coronet_v1_ListPoolsRequest, callback: grpc.requestCallback<_coronet_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  listPools(argument: _coronet_v1_ListPoolsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  listPools(argument: _coronet_v1_ListPoolsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  listPools(argument: _coronet_v1_ListPoolsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  listPools(argument: _coronet_v1_ListPoolsRequest, callback: grpc.requestCallback<_coronet_v1_ListPoolsResponse__Output>): grpc.ClientUnaryCall;
  
  ListSessions(argument: _coronet_v1_ListSessionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  ListSessions(argument: _coronet_v1_ListSessionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  ListSessions(argument: _coronet_v1_ListSessionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  ListSessions(argument: _coronet_v1_ListSessionsRequest, callback: grpc.requestCallback<_coronet_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  listSessions(argument: _coronet_v1_ListSessionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  listSessions(argument: _coronet_v1_ListSessionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  listSessions(argument: _coronet_v1_ListSessionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  listSessions(argument: _coronet_v1_ListSessionsRequest, callback: grpc.requestCallback<_coronet_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  
  NodeHeartbeat(argument: _coronet_v1_NodeHeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_NodeHeartbeatResponse__Output>): grpc.ClientUnaryCall;
  NodeHeartbeat(argument: _coronet_v1_NodeHeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_NodeHeartbeatResponse__Output>): grpc.ClientUnaryCall;
  NodeHeartbeat(argument: _coronet_v1_NodeHeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_NodeHeartbeatResponse__Output>): grpc.ClientUnaryCall;
  NodeHeartbeat(argument: _coronet_v1_NodeHeartbeatRequest, callback: grpc.requestCallback<_coronet_v1_NodeHeartbeatResponse__Output>): grpc.ClientUnaryCall;
  nodeHeartbeat(argument: _coronet_v1_NodeHeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_NodeHeartbeatResponse__Output>): grpc.ClientUnaryCall;
  nodeHeartbeat(argument: _coronet_v1_NodeHeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_NodeHeartbeatResponse__Output>): grpc.ClientUnaryCall;
  nodeHeartbeat(argument: _coronet_v1_NodeHeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_NodeHeartbeatResponse__Output>): grpc.ClientUnaryCall;
  nodeHeartbeat(argument: _coronet_v1_NodeHeartbeatRequest, callback: grpc.requestCallback<_coronet_v1_NodeHeartbeatResponse__Output>): grpc.ClientUnaryCall;
  
  NodeHeartbeats(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_coronet_v1_NodeHeartbeatRequest, _coronet_v1_NodeHeartbeatResponse__Output>;
  NodeHeartbeats(options?: grpc.CallOptions): grpc.ClientDuplexStream<_coronet_v1_NodeHeartbeatRequest, _coronet_v1_NodeHeartbeatResponse__Output>;
  nodeHeartbeats(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_coronet_v1_NodeHeartbeatRequest, _coronet_v1_NodeHeartbeatResponse__Output>;
  nodeHeartbeats(options?: grpc.CallOptions): grpc.ClientDuplexStream<_coronet_v1_NodeHeartbeatRequest, _coronet_v1_NodeHeartbeatResponse__Output>;
  
  RefreshPools(argument: _coronet_v1_RefreshPoolsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_RefreshPoolsResponse__Output>): grpc.ClientUnaryCall;
  RefreshPools(argument: _coronet_v1_RefreshPoolsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_RefreshPoolsResponse__Output>): grpc.ClientUnaryCall;
  RefreshPools(argument: _coronet_v1_RefreshPoolsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_RefreshPoolsResponse__Output>): grpc.ClientUnaryCall;
  RefreshPools(argument: _coronet_v1_RefreshPoolsRequest, callback: grpc.requestCallback<_coronet_v1_RefreshPoolsResponse__Output>): grpc.ClientUnaryCall;
  refreshPools(argument: _coronet_v1_RefreshPoolsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_RefreshPoolsResponse__Output>): grpc.ClientUnaryCall;
  refreshPools(argument: _coronet_v1_RefreshPoolsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_RefreshPoolsResponse__Output>): grpc.ClientUnaryCall;
  refreshPools(argument: _coronet_v1_RefreshPoolsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_RefreshPoolsResponse__Output>): grpc.ClientUnaryCall;
  refreshPools(argument: _coronet_v1_RefreshPoolsRequest, callback: grpc.requestCallback<_coronet_v1_RefreshPoolsResponse__Output>): grpc.ClientUnaryCall;
  
  RegisterNode(argument: _coronet_v1_RegisterNodeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_RegisterNodeResponse__Output>): grpc.ClientUnaryCall;
  RegisterNode(argument: _coronet_v1_RegisterNodeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_RegisterNodeResponse__Output>): grpc.ClientUnaryCall;
  RegisterNode(argument: _coronet_v1_RegisterNodeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_RegisterNodeResponse__Output>): grpc.ClientUnaryCall;
  RegisterNode(argument: _coronet_v1_RegisterNodeRequest, callback: grpc.requestCallback<_coronet_v1_RegisterNodeResponse__Output>): grpc.ClientUnaryCall;
  registerNode(argument: _coronet_v1_RegisterNodeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_RegisterNodeResponse__Output>): grpc.ClientUnaryCall;
  registerNode(argument: _coronet_v1_RegisterNodeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_RegisterNodeResponse__Output>): grpc.ClientUnaryCall;
  registerNode(argument: _coronet_v1_RegisterNodeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_RegisterNodeResponse__Output>): grpc.ClientUnaryCall;
  registerNode(argument: _coronet_v1_RegisterNodeRequest, callback: grpc.requestCallback<_coronet_v1_RegisterNodeResponse__Output>): grpc.ClientUnaryCall;
  
  ReleaseResources(argument: _coronet_v1_ReleaseResourcesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ReleaseResourcesResponse__Output>): grpc.ClientUnaryCall;
  ReleaseResources(argument: _coronet_v1_ReleaseResourcesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_ReleaseResourcesResponse__Output>): grpc.ClientUnaryCall;
  ReleaseResources(argument: _coronet_v1_ReleaseResourcesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ReleaseResourcesResponse__Output>): grpc.ClientUnaryCall;
  ReleaseResources(argument: _coronet_v1_ReleaseResourcesRequest, callback: grpc.requestCallback<_coronet_v1_ReleaseResourcesResponse__Output>): grpc.ClientUnaryCall;
  releaseResources(argument: _coronet_v1_ReleaseResourcesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ReleaseResourcesResponse__Output>): grpc.ClientUnaryCall;
  releaseResources(argument: _coronet_v1_ReleaseResourcesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_ReleaseResourcesResponse__Output>): grpc.ClientUnaryCall;
  releaseResources(argument: _coronet_v1_ReleaseResourcesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ReleaseResourcesResponse__Output>): grpc.ClientUnaryCall;
  releaseResources(argument: _coronet_v1_ReleaseResourcesRequest, callback: grpc.requestCallback<_coronet_v1_ReleaseResourcesResponse__Output>): grpc.ClientUnaryCall;
  
  RequestResources(argument: _coronet_v1_RequestResourcesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_RequestResourcesResponse__Output>): grpc.ClientUnaryCall;
  RequestResources(argument: _coronet_v1_RequestResourcesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_RequestResourcesResponse__Output>): grpc.ClientUnaryCall;
  RequestResources(argument: _coronet_v1_RequestResourcesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_RequestResourcesResponse__Output>): grpc.ClientUnaryCall;
  RequestResources(argument: _coronet_v1_RequestResourcesRequest, callback: grpc.requestCallback<_coronet_v1_RequestResourcesResponse__Output>): grpc.ClientUnaryCall;
  requestResources(argument: _coronet_v1_RequestResourcesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_RequestResourcesResponse__Output>): grpc.ClientUnaryCall;
  requestResources(argument: _coronet_v1_RequestResourcesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_RequestResourcesResponse__Output>): grpc.ClientUnaryCall;
  requestResources(argument: _coronet_v1_RequestResourcesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_RequestResourcesResponse__Output>): grpc.ClientUnaryCall;
  requestResources(argument: _coronet_v1_RequestResourcesRequest, callback: grpc.requestCallback<_coronet_v1_RequestResourcesResponse__Output>): grpc.ClientUnaryCall;
  
  SessionEvents(argument: _coronet_v1_SessionEventsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_coronet_v1_SessionEventBatch__Output>;
  SessionEvents(argument: _coronet_v1_SessionEventsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_coronet_v1_SessionEventBatch__Output>;
  sessionEvents(argument: _coronet_v1_SessionEventsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_coronet_v1_SessionEventBatch__Output>;
  sessionEvents(argument: _coronet_v1_SessionEventsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_coronet_v1_SessionEventBatch__Output>;
  
  SessionHeartbeat(argument: _coronet_v1_SessionHeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_SessionHeartbeatResponse__Output>): grpc.ClientUnaryCall;
  SessionHeartbeat(argument: _coronet_v1_SessionHeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_SessionHeartbeatResponse__Output>): grpc.ClientUnaryCall;
  SessionHeartbeat(argument: _coronet_v1_SessionHeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_SessionHeartbeatResponse__Output>): grpc.ClientUnaryCall;
  SessionHeartbeat(argument: _coronet_v1_SessionHeartbeatRequest, callback: grpc.requestCallback<_coronet_v1_SessionHeartbeatResponse__Output>): grpc.ClientUnaryCall;
  sessionHeartbeat(argument: _coronet_v1_SessionHeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_SessionHeartbeatResponse__Output>): grpc.ClientUnaryCall;
  sessionHeartbeat(argument: _coronet_v1_SessionHeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_SessionHeartbeatResponse__Output>): grpc.ClientUnaryCall;
  sessionHeartbeat(argument: _coronet_v1_SessionHeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_SessionHeartbeatResponse__Output>): grpc.ClientUnaryCall;
  sessionHeartbeat(argument: _coronet_v1_SessionHeartbeatRequest, callback: grpc.requestCallback<_coronet_v1_SessionHeartbeatResponse__Output>): grpc.ClientUnaryCall;
  
  SetSafeMode(argument: _coronet_v1_SetSafeModeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_SetSafeModeResponse__Output>): grpc.ClientUnaryCall;
  SetSafeMode(argument: _coronet_v1_SetSafeModeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_SetSafeModeResponse__Output>): grpc.ClientUnaryCall;
  SetSafeMode(argument: _coronet_v1_SetSafeModeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_SetSafeModeResponse__Output>): grpc.ClientUnaryCall;
  SetSafeMode(argument: _coronet_v1_SetSafeModeRequest, callback: grpc.requestCallback<_coronet_v1_SetSafeModeResponse__Output>): grpc.ClientUnaryCall;
  setSafeMode(argument: _coronet_v1_SetSafeModeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_SetSafeModeResponse__Output>): grpc.ClientUnaryCall;
  setSafeMode(argument: _coronet_v1_SetSafeModeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_SetSafeModeResponse__Output>): grpc.ClientUnaryCall;
  setSafeMode(argument: _coronet_v1_SetSafeModeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_SetSafeModeResponse__Output>): grpc.ClientUnaryCall;
  setSafeMode(argument: _coronet_v1_SetSafeModeRequest, callback: grpc.requestCallback<_coronet_v1_SetSafeModeResponse__Output>): grpc.ClientUnaryCall;
  
  StartDriver(argument: _coronet_v1_StartDriverRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_StartDriverResponse__Output>): grpc.ClientUnaryCall;
  StartDriver(argument: _coronet_v1_StartDriverRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_StartDriverResponse__Output>): grpc.ClientUnaryCall;
  StartDriver(argument: _coronet_v1_StartDriverRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_StartDriverResponse__Output>): grpc.ClientUnaryCall;
  StartDriver(argument: _coronet_v1_StartDriverRequest, callback: grpc.requestCallback<_coronet_v1_StartDriverResponse__Output>): grpc.ClientUnaryCall;
  startDriver(argument: _coronet_v1_StartDriverRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_StartDriverResponse__Output>): grpc.ClientUnaryCall;
  startDriver(argument: _coronet_v1_StartDriverRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_StartDriverResponse__Output>): grpc.ClientUnaryCall;
  startDriver(argument: _coronet_v1_StartDriverRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_StartDriverResponse__Output>): grpc.ClientUnaryCall;
  startDriver(argument: _coronet_v1_StartDriverRequest, callback: grpc.requestCallback<_coronet_v1_StartDriverResponse__Output>): grpc.ClientUnaryCall;
  
  StartSession(argument: _coronet_v1_StartSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_StartSessionResponse__Output>): grpc.ClientUnaryCall;
  StartSession(argument: _coronet_v1_StartSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_StartSessionResponse__Output>): grpc.ClientUnaryCall;
  StartSession(argument: _coronet_v1_StartSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_StartSessionResponse__Output>): grpc.ClientUnaryCall;
  StartSession(argument: _coronet_v1_StartSessionRequest, callback: grpc.requestCallback<_coronet_v1_StartSessionResponse__Output>): grpc.ClientUnaryCall;
  startSession(argument: _coronet_v1_StartSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_StartSessionResponse__Output>): grpc.ClientUnaryCall;
  startSession(argument: _coronet_v1_StartSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_StartSessionResponse__Output>): grpc.ClientUnaryCall;
  startSession(argument: _coronet_v1_StartSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_StartSessionResponse__Output>): grpc.ClientUnaryCall;
  startSession(argument: _coronet_v1_StartSessionRequest, callback: grpc.requestCallback<_coronet_v1_StartSessionResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface ClusterManagerHandlers extends grpc.UntypedServiceImplementation {
  DecommissionNode: grpc.handleUnaryCall<_coronet_v1_DecommissionNodeRequest__Output, _coronet_v1_DecommissionNodeResponse>;
  
  EndSession: grpc.handleUnaryCall<_coronet_v1_EndSessionRequest__Output, _coronet_v1_EndSessionResponse>;
  
  GetClusterInfo: grpc.handleUnaryCall<_coronet_v1_GetClusterInfoRequest__Output, _coronet_v1_ClusterInfo>;
  
  ListNodes: grpc.handleUnaryCall<_coronet_v1_ListNodesRequest__Output, _coronet_v1_ListNodesResponse>;
  
  ListPools: grpc.handleUnaryCall<_coronet_v1_ListPoolsRequest__Output, _coronet_v1_ListPoolsResponse>;
  
  ListSessions: grpc.handleUnaryCall<_coronet_v1_ListSessionsRequest__Output, _coronet_v1_ListSessionsResponse>;
  
  NodeHeartbeat: grpc.handleUnaryCall<_coronet_v1_NodeHeartbeatRequest__Output, _coronet_v1_NodeHeartbeatResponse>;
  
  NodeHeartbeats: grpc.handleBidiStreamingCall<_coronet_v1_NodeHeartbeatRequest__Output, _coronet_v1_NodeHeartbeatResponse>;
  
  RefreshPools: grpc.handleUnaryCall<_coronet_v1_RefreshPoolsRequest__Output, _coronet_v1_RefreshPoolsResponse>;
  
  RegisterNode: grpc.handleUnaryCall<_coronet_v1_RegisterNodeRequest__Output, _coronet_v1_RegisterNodeResponse>;
  
  ReleaseResources: grpc.handleUnaryCall<_coronet_v1_ReleaseResourcesRequest__Output, _coronet_v1_ReleaseResourcesResponse>;
  
  RequestResources: grpc.handleUnaryCall<_coronet_v1_RequestResourcesRequest__Output, _coronet_v1_RequestResourcesResponse>;
  
  SessionEvents: grpc.handleServerStreamingCall<_coronet_v1_SessionEventsRequest__Output, _coronet_v1_SessionEventBatch>;
  
  SessionHeartbeat: grpc.handleUnaryCall<_coronet_v1_SessionHeartbeatRequest__Output, _coronet_v1_SessionHeartbeatResponse>;
  
  SetSafeMode: grpc.handleUnaryCall<_coronet_v1_SetSafeModeRequest__Output, _coronet_v1_SetSafeModeResponse>;
  
  StartDriver: grpc.handleUnaryCall<_coronet_v1_StartDriverRequest__Output, _coronet_v1_StartDriverResponse>;
  
  StartSession: grpc.handleUnaryCall<_coronet_v1_StartSessionRequest__Output, _coronet_v1_StartSessionResponse>;
  
}

export interface ClusterManagerDefinition extends grpc.ServiceDefinition {
  DecommissionNode: MethodDefinition<_coronet_v1_DecommissionNodeRequest, _coronet_v1_DecommissionNodeResponse, _coronet_v1_DecommissionNodeRequest__Output, _coronet_v1_DecommissionNodeResponse__Output>
  EndSession: MethodDefinition<_coronet_v1_EndSessionRequest, _coronet_v1_EndSessionResponse, _coronet_v1_EndSessionRequest__Output, _coronet_v1_EndSessionResponse__Output>
  GetClusterInfo: MethodDefinition<_coronet_v1_GetClusterInfoRequest, _coronet_v1_ClusterInfo, _coronet_v1_GetClusterInfoRequest__Output, _coronet_v1_ClusterInfo__Output>
  ListNodes: MethodDefinition<_coronet_v1_ListNodesRequest, _coronet_v1_ListNodesResponse, _coronet_v1_ListNodesRequest__Output, _coronet_v1_ListNodesResponse__Output>
  ListPools: MethodDefinition<_coronet_v1_ListPoolsRequest, _coronet_v1_ListPoolsResponse, _coronet_v1_ListPoolsRequest__Output, _coronet_v1_ListPoolsResponse__Output>
  ListSessions: MethodDefinition<_coronet_v1_ListSessionsRequest, _coronet_v1_ListSessionsResponse, _coronet_v1_ListSessionsRequest__Output, _coronet_v1_ListSessionsResponse__Output>
  NodeHeartbeat: MethodDefinition<_coronet_v1_NodeHeartbeatRequest, _coronet_v1_NodeHeartbeatResponse, _coronet_v1_NodeHeartbeatRequest__Output, _coronet_v1_NodeHeartbeatResponse__Output>
  NodeHeartbeats: MethodDefinition<_coronet_v1_NodeHeartbeatRequest, _coronet_v1_NodeHeartbeatResponse, _coronet_v1_NodeHeartbeatRequest__Output, _coronet_v1_NodeHeartbeatResponse__Output>
  RefreshPools: MethodDefinition<_coronet_v1_RefreshPoolsRequest, _coronet_v1_RefreshPoolsResponse, _coronet_v1_RefreshPoolsRequest__Output, _coronet_v1_RefreshPoolsResponse__Output>
  RegisterNode: MethodDefinition<_coronet_v1_RegisterNodeRequest, _coronet_v1_RegisterNodeResponse, _coronet_v1_RegisterNodeRequest__Output, _coronet_v1_RegisterNodeResponse__Output>
  ReleaseResources: MethodDefinition<_coronet_v1_ReleaseResourcesRequest, _coronet_v1_ReleaseResourcesResponse, _coronet_v1_ReleaseResourcesRequest__Output, _coronet_v1_ReleaseResourcesResponse__Output>
  RequestResources: MethodDefinition<_coronet_v1_RequestResourcesRequest, _coronet_v1_RequestResourcesResponse, _coronet_v1_RequestResourcesRequest__Output, _coronet_v1_RequestResourcesResponse__Output>
  SessionEvents: MethodDefinition<_coronet_v1_SessionEventsRequest, _coronet_v1_SessionEventBatch, _coronet_v1_SessionEventsRequest__Output, _coronet_v1_SessionEventBatch__Output>
  SessionHeartbeat: MethodDefinition<_coronet_v1_SessionHeartbeatRequest, _coronet_v1_SessionHeartbeatResponse, _coronet_v1_SessionHeartbeatRequest__Output, _coronet_v1_SessionHeartbeatResponse__Output>
  SetSafeMode: MethodDefinition<_coronet_v1_SetSafeModeRequest, _coronet_v1_SetSafeModeResponse, _coronet_v1_SetSafeModeRequest__Output, _coronet_v1_SetSafeModeResponse__Output>
  StartDriver: MethodDefinition<_coronet_v1_StartDriverRequest, _coronet_v1_StartDriverResponse, _coronet_v1_StartDriverRequest__Output, _coronet_v1_StartDriverResponse__Output>
  StartSession: MethodDefinition<_coronet_v1_StartSessionRequest, _coronet_v1_StartSessionResponse, _coronet_v1_StartSessionRequest__Output, _coronet_v1_StartSessionResponse__Output>
}
