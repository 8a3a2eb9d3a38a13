import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { ClusterInfo as _coronet_v1_ClusterInfo, ClusterInfo__Output as _coronet_v1_ClusterInfo__Output } from './coronet/v1/ClusterInfo';
import type { ClusterManagerClient as _coronet_v1_ClusterManagerClient, ClusterManagerDefinition as _coronet_v1_ClusterManagerDefinition } from './coronet/v1/ClusterManager';
import type { ContainerEventsRequest as _coronet_v1_ContainerEventsRequest, ContainerEventsRequest__Output as _coronet_v1_ContainerEventsRequest__Output } from './coronet/v1/ContainerEventsRequest';
import type { ContainerReport as _coronet_v1_ContainerReport, ContainerReport__Output as _coronet_v1_ContainerReport__Output } from './coronet/v1/ContainerReport';
import type { ContainerSpec as _coronet_v1_ContainerSpec, ContainerSpec__Output as _coronet_v1_ContainerSpec__Output } from './coronet/v1/ContainerSpec';
import type { ContainerStatus as _coronet_v1_ContainerStatus, ContainerStatus__Output as _coronet_v1_ContainerStatus__Output } from './coronet/v1/ContainerStatus';
import type { DecommissionNodeRequest as _coronet_v1_DecommissionNodeRequest, DecommissionNodeRequest__Output as _coronet_v1_DecommissionNodeRequest__Output } from './coronet/v1/DecommissionNodeRequest';
import type { DecommissionNodeResponse as _coronet_v1_DecommissionNodeResponse, DecommissionNodeResponse__Output as _coronet_v1_DecommissionNodeResponse__Output } from './coronet/v1/DecommissionNodeResponse';
import type { EndSessionRequest as _coronet_v1_EndSessionRequest, EndSessionRequest__Output as _coronet_v1_EndSessionRequest__Output } from './coronet/v1/EndSessionRequest';
import type { EndSessionResponse as _coronet_v1_EndSessionResponse, EndSessionResponse__Output as _coronet_v1_EndSessionResponse__Output } from './coronet/v1/EndSessionResponse';
import type { GetClusterInfoRequest as _coronet_v1_GetClusterInfoRequest, GetClusterInfoRequest__Output as _coronet_v1_GetClusterInfoRequest__Output } from './coronet/v1/GetClusterInfoRequest';
import type { GetContainerStatusRequest as _coronet_v1_GetContainerStatusRequest, GetContainerStatusRequest__Output as _coronet_v1_GetContainerStatusRequest__Output } from './coronet/v1/GetContainerStatusRequest';
import type { Grant as _coronet_v1_Grant, Grant__Output as _coronet_v1_Grant__Output } from './coronet/v1/Grant';
import type { LaunchContainerRequest as _coronet_v1_LaunchContainerRequest, LaunchContainerRequest__Output as _coronet_v1_LaunchContainerRequest__Output } from './coronet/v1/LaunchContainerRequest';
import type { LaunchContainerResponse as _coronet_v1_LaunchContainerResponse, LaunchContainerResponse__Output as _coronet_v1_LaunchContainerResponse__Output } from './coronet/v1/LaunchContainerResponse';
import type { ListNodesRequest as _coronet_v1_ListNodesRequest, ListNodesRequest__Output as _coronet_v1_ListNodesRequest__Output } from './coronet/v1/ListNodesRequest';
import type { ListNodesResponse as _coronet_v1_ListNodesResponse, ListNodesResponse__Output as _coronet_v1_ListNodesResponse__Output } from './coronet/v1/ListNodesResponse';
import type { ListPoolsRequest as _coronet_v1_ListPoolsRequest, ListPoolsRequest__Output as _coronet_v1_ListPoolsRequest__Output } from './coronet/v1/ListPoolsRequest';
import type { ListPoolsResponse as _coronet_v1_ListPoolsResponse, ListPoolsResponse__Output as _coronet_v1_ListPoolsResponse__Output } from './coronet/v1/ListPoolsResponse';
import type { ListSessionsRequest as _coronet_v1_ListSessionsRequest, ListSessionsRequest__Output as _coronet_v1_ListSessionsRequest__Output } from './coronet/v1/ListSessionsRequest';
import type { ListSessionsResponse as _coronet_v1_ListSessionsResponse, ListSessionsResponse__Output as _coronet_v1_ListSessionsResponse__Output } from './coronet/v1/ListSessionsResponse';
import type { LocalResource as _coronet_v1_LocalResource, LocalResource__Output as _coronet_v1_LocalResource__Output } from './coronet/v1/LocalResource';
import type { NodeAgentClient as _coronet_v1_NodeAgentClient, NodeAgentDefinition as _coronet_v1_NodeAgentDefinition } from './coronet/v1/NodeAgent';
import type { NodeFeedback as _coronet_v1_NodeFeedback, NodeFeedback__Output as _coronet_v1_NodeFeedback__Output } from './coronet/v1/NodeFeedback';
import type { NodeHeartbeatRequest as _coronet_v1_NodeHeartbeatRequest, NodeHeartbeatRequest__Output as _coronet_v1_NodeHeartbeatRequest__Output } from './coronet/v1/NodeHeartbeatRequest';
import type { NodeHeartbeatResponse as _coronet_v1_NodeHeartbeatResponse, NodeHeartbeatResponse__Output as _coronet_v1_NodeHeartbeatResponse__Output } from './coronet/v1/NodeHeartbeatResponse';
import type { NodeInfo as _coronet_v1_NodeInfo, NodeInfo__Output as _coronet_v1_NodeInfo__Output } from './coronet/v1/NodeInfo';
import type { NodeLost as _coronet_v1_NodeLost, NodeLost__Output as _coronet_v1_NodeLost__Output } from './coronet/v1/NodeLost';
import type { PoolInfo as _coronet_v1_PoolInfo, PoolInfo__Output as _coronet_v1_PoolInfo__Output } from './coronet/v1/PoolInfo';
import type { RefreshPoolsRequest as _coronet_v1_RefreshPoolsRequest, RefreshPoolsRequest__Output as _coronet_v1_RefreshPoolsRequest__Output } from './coronet/v1/RefreshPoolsRequest';
import type { RefreshPoolsResponse as _coronet_v1_RefreshPoolsResponse, RefreshPoolsResponse__Output as _coronet_v1_RefreshPoolsResponse__Output } from './coronet/v1/RefreshPoolsResponse';
import type { RegisterNodeRequest as _coronet_v1_RegisterNodeRequest, RegisterNodeRequest__Output as _coronet_v1_RegisterNodeRequest__Output } from './coronet/v1/RegisterNodeRequest';
import type { RegisterNodeResponse as _coronet_v1_RegisterNodeResponse, RegisterNodeResponse__Output as _coronet_v1_RegisterNodeResponse__Output } from './coronet/v1/RegisterNodeResponse';
import type { ReleaseResourcesRequest as _coronet_v1_ReleaseResourcesRequest, ReleaseResourcesRequest__Output as _coronet_v1_ReleaseResourcesRequest__Output } from './coronet/v1/ReleaseResourcesRequest';
import type { ReleaseResourcesResponse as _coronet_v1_ReleaseResourcesResponse, ReleaseResourcesResponse__Output as _coronet_v1_ReleaseResourcesResponse__Output } from './coronet/v1/ReleaseResourcesResponse';
import type { RequestResourcesRequest as _coronet_v1_RequestResourcesRequest, RequestResourcesRequest__Output as _coronet_v1_RequestResourcesRequest__Output } from './coronet/v1/RequestResourcesRequest';
import type { RequestResourcesResponse as _coronet_v1_RequestResourcesResponse, RequestResourcesResponse__Output as _coronet_v1_RequestResourcesResponse__Output } from './coronet/v1/RequestResourcesResponse';
import type { ResourceRequest as _coronet_v1_ResourceRequest, ResourceRequest__Output as _coronet_v1_ResourceRequest__Output } from './coronet/v1/ResourceRequest';
import type { ResourceUsage as _coronet_v1_ResourceUsage, ResourceUsage__Output as _coronet_v1_ResourceUsage__Output } from './coronet/v1/ResourceUsage';
import type { Resources as _coronet_v1_Resources, Resources__Output as _coronet_v1_Resources__Output } from './coronet/v1/Resources';
import type { Revocation as _coronet_v1_Revocation, Revocation__Output as _coronet_v1_Revocation__Output } from './coronet/v1/Revocation';
import type { SessionEnded as _coronet_v1_SessionEnded, SessionEnded__Output as _coronet_v1_SessionEnded__Output } from './coronet/v1/SessionEnded';
import type { SessionEvent as _coronet_v1_SessionEvent, SessionEvent__Output as _coronet_v1_SessionEvent__Output } from './coronet/v1/SessionEvent';
import type { SessionEventBatch as _coronet_v1_SessionEventBatch, SessionEventBatch__Output as _coronet_v1_SessionEventBatch__Output } from './coronet/v1/SessionEventBatch';
import type { SessionEventsRequest as _coronet_v1_SessionEventsRequest, SessionEventsRequest__Output as _coronet_v1_SessionEventsRequest__Output } from './coronet/v1/SessionEventsRequest';
import type { SessionHeartbeatRequest as _coronet_v1_SessionHeartbeatRequest, SessionHeartbeatRequest__Output as _coronet_v1_SessionHeartbeatRequest__Output } from './coronet/v1/SessionHeartbeatRequest';
import type { SessionHeartbeatResponse as _coronet_v1_SessionHeartbeatResponse, SessionHeartbeatResponse__Output as _coronet_v1_SessionHeartbeatResponse__Output } from './coronet/v1/SessionHeartbeatResponse';
import type { SessionInfo as _coronet_v1_SessionInfo, SessionInfo__Output as _coronet_v1_SessionInfo__Output } from './coronet/v1/SessionInfo';
import type { SetSafeModeRequest as _coronet_v1_SetSafeModeRequest, SetSafeModeRequest__Output as _coronet_v1_SetSafeModeRequest__Output } from './coronet/v1/SetSafeModeRequest';
import type { SetSafeModeResponse as _coronet_v1_SetSafeModeResponse, SetSafeModeResponse__Output as _coronet_v1_SetSafeModeResponse__Output } from './coronet/v1/SetSafeModeResponse';
import type { StartDriverRequest as _coronet_v1_StartDriverRequest, StartDriverRequest__Output as _coronet_v1_StartDriverRequest__Output } from './coronet/v1/StartDriverRequest';
import type { StartDriverResponse as _coronet_v1_StartDriverResponse, StartDriverResponse__Output as _coronet_v1_StartDriverResponse__Output } from './coronet/v1/StartDriverResponse';
import type { StartSessionRequest as _coronet_v1_StartSessionRequest, StartSessionRequest__Output as _coronet_v1_StartSessionRequest__Output } from './coronet/v1/StartSessionRequest';
import type { StartSessionResponse as _coronet_v1_StartSessionResponse, StartSessionResponse__Output as _coronet_v1_StartSessionResponse__Output } from './coronet/v1/StartSessionResponse';
import type { StopContainerRequest as _coronet_v1_StopContainerRequest, StopContainerRequest__Output as _coronet_v1_StopContainerRequest__Output } from './coronet/v1/StopContainerRequest';
import type { StopContainerResponse as _coronet_v1_StopContainerResponse, StopContainerResponse__Output as _coronet_v1_StopContainerResponse__Output } from './coronet/v1/StopContainerResponse';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  coronet: {
    v1: {
      ClusterInfo: MessageTypeDefinition<_coronet_v1_ClusterInfo, _coronet_v1_ClusterInfo__Output>
      ClusterManager: SubtypeConstructor<typeof grpc.Client, _coronet_v1_ClusterManagerClient> & { service: _coronet_v1_ClusterManagerDefinition }
      ContainerEventsRequest: MessageTypeDefinition<_coronet_v1_ContainerEventsRequest, _coronet_v1_ContainerEventsRequest__Output>
      ContainerReport: MessageTypeDefinition<_coronet_v1_ContainerReport, _coronet_v1_ContainerReport__Output>
      ContainerSpec: MessageTypeDefinition<_coronet_v1_ContainerSpec, _coronet_v1_ContainerSpec__Output>
      ContainerState: EnumTypeDefinition
      ContainerStatus: MessageTypeDefinition<_coronet_v1_ContainerStatus, _coronet_v1_ContainerStatus__Output>
      DecommissionNodeRequest: MessageTypeDefinition<_coronet_v1_DecommissionNodeRequest, _coronet_v1_DecommissionNodeRequest__Output>
      DecommissionNodeResponse: MessageTypeDefinition<_coronet_v1_DecommissionNodeResponse, _coronet_v1_DecommissionNodeResponse__Output>
      EndSessionRequest: MessageTypeDefinition<_coronet_v1_EndSessionRequest, _coronet_v1_EndSessionRequest__Output>
      EndSessionResponse: MessageTypeDefinition<_coronet_v1_EndSessionResponse, _coronet_v1_EndSessionResponse__Output>
      GetClusterInfoRequest: MessageTypeDefinition<_coronet_v1_GetClusterInfoRequest, _coronet_v1_GetClusterInfoRequest__Output>
      GetContainerStatusRequest: MessageTypeDefinition<_coronet_v1_GetContainerStatusRequest, _coronet_v1_GetContainerStatusRequest__Output>
      Grant: MessageTypeDefinition<_coronet_v1_Grant, _coronet_v1_Grant__Output>
      LaunchContainerRequest: MessageTypeDefinition<_coronet_v1_LaunchContainerRequest, _coronet_v1_LaunchContainerRequest__Output>
      LaunchContainerResponse: MessageTypeDefinition<_coronet_v1_LaunchContainerResponse, _coronet_v1_LaunchContainerResponse__Output>
      ListNodesRequest: MessageTypeDefinition<_coronet_v1_ListNodesRequest, _coronet_v1_ListNodesRequest__Output>
      ListNodesResponse: MessageTypeDefinition<_coronet_v1_ListNodesResponse, _coronet_v1_ListNodesResponse__Output>
      ListPoolsRequest: MessageTypeDefinition<_coronet_v1_ListPoolsRequest, _coronet_v1_ListPoolsRequest__Output>
      ListPoolsResponse: MessageTypeDefinition<_coronet_v1_ListPoolsResponse, _coronet_v1_ListPoolsResponse__Output>
      ListSessionsRequest: MessageTypeDefinition<_coronet_v1_ListSessionsRequest, _coronet_v1_ListSessionsRequest__Output>
      ListSessionsResponse: MessageTypeDefinition<_coronet_v1_ListSessionsResponse, _coronet_v1_ListSessionsResponse__Output>
      LocalResource: MessageTypeDefinition<_coronet_v1_LocalResource, _coronet_v1_LocalResource__Output>
      NodeAgent: SubtypeConstructor<typeof grpc.Client, _coronet_v1_NodeAgentClient> & { service: _coronet_v1_NodeAgentDefinition }
      NodeFeedback: MessageTypeDefinition<_coronet_v1_NodeFeedback, _coronet_v1_NodeFeedback__Output>
      NodeHeartbeatRequest: MessageTypeDefinition<_coronet_v1_NodeHeartbeatRequest, _coronet_v1_NodeHeartbeatRequest__Output>
      NodeHeartbeatResponse: MessageTypeDefinition<_coronet_v1_NodeHeartbeatResponse, _coronet_v1_NodeHeartbeatResponse__Output>
      NodeInfo: MessageTypeDefinition<_coronet_v1_NodeInfo, _coronet_v1_NodeInfo__Output>
      NodeLost: MessageTypeDefinition<_coronet_v1_NodeLost, _coronet_v1_NodeLost__Output>
      PoolInfo: MessageTypeDefinition<_coronet_v1_PoolInfo, _coronet_v1_PoolInfo__Output>
      RefreshPoolsRequest: MessageTypeDefinition<_coronet_v1_RefreshPoolsRequest, _coronet_v1_RefreshPoolsRequest__Output>
      RefreshPoolsResponse: MessageTypeDefinition<_coronet_v1_RefreshPoolsResponse, _coronet_v1_RefreshPoolsResponse__Output>
      RegisterNodeRequest: MessageTypeDefinition<_coronet_v1_RegisterNodeRequest, _coronet_v1_RegisterNodeRequest__Output>
      RegisterNodeResponse: MessageTypeDefinition<_coronet_v1_RegisterNodeResponse, _coronet_v1_RegisterNodeResponse__Output>
      ReleaseResourcesRequest: MessageTypeDefinition<_coronet_v1_ReleaseResourcesRequest, _coronet_v1_ReleaseResourcesRequest__Output>
      ReleaseResourcesResponse: MessageTypeDefinition<_coronet_v1_ReleaseResourcesResponse, _coronet_v1_ReleaseResourcesResponse__Output>
      RequestResourcesRequest: MessageTypeDefinition<_coronet_v1_RequestResourcesRequest, _coronet_v1_RequestResourcesRequest__Output>
      RequestResourcesResponse: MessageTypeDefinition<_coronet_v1_RequestResourcesResponse, _coronet_v1_RequestResourcesResponse__Output>
      ResourceRequest: MessageTypeDefinition<_coronet_v1_ResourceRequest, _coronet_v1_ResourceRequest__Output>
      ResourceUsage: MessageTypeDefinition<_coronet_v1_ResourceUsage, _coronet_v1_ResourceUsage__Output>
      Resources: MessageTypeDefinition<_coronet_v1_Resources, _coronet_v1_Resources__Output>
      Revocation: MessageTypeDefinition<_coronet_v1_Revocation, _coronet_v1_Revocation__Output>
      SessionEnded: MessageTypeDefinition<_coronet_v1_SessionEnded, _coronet_v1_SessionEnded__Output>
      SessionEvent: MessageTypeDefinition<_coronet_v1_SessionEvent, _coronet_v1_SessionEvent__Output>
      SessionEventBatch: MessageTypeDefinition<_coronet_v1_SessionEventBatch, _coronet_v1_SessionEventBatch__Output>
      SessionEventsRequest: MessageTypeDefinition<_coronet_v1_SessionEventsRequest, _coronet_v1_SessionEventsRequest__Output>
      SessionHeartbeatRequest: MessageTypeDefinition<_coronet_v1_SessionHeartbeatRequest, _coronet_v1_SessionHeartbeatRequest__Output>
      SessionHeartbeatResponse: MessageTypeDefinition<_coronet_v1_SessionHeartbeatResponse, _coronet_v1_SessionHeartbeatResponse__Output>
      SessionInfo: MessageTypeDefinition<_coronet_v1_SessionInfo, _coronet_v1_SessionInfo__Output>
      SessionPriority: EnumTypeDefinition
      SessionStatus: EnumTypeDefinition
      SetSafeModeRequest: MessageTypeDefinition<_coronet_v1_SetSafeModeRequest, _coronet_v1_SetSafeModeRequest__Output>
      SetSafeModeResponse: MessageTypeDefinition<_coronet_v1_SetSafeModeResponse, _coronet_v1_SetSafeModeResponse__Output>
      StartDriverRequest: MessageTypeDefinition<_coronet_v1_StartDriverRequest, _coronet_v1_StartDriverRequest__Output>
      StartDriverResponse: MessageTypeDefinition<_coronet_v1_StartDriverResponse, _coronet_v1_StartDriverResponse__Output>
      StartSessionRequest: MessageTypeDefinition<_coronet_v1_StartSessionRequest, _coronet_v1_StartSessionRequest__Output>
      StartSessionResponse: MessageTypeDefinition<_coronet_v1_StartSessionResponse, _coronet_v1_StartSessionResponse__Output>
      StopContainerRequest: MessageTypeDefinition<_coronet_v1_StopContainerRequest, _coronet_v1_StopContainerRequest__Output>
      StopContainerResponse: MessageTypeDefinition<_coronet_v1_StopContainerResponse, _coronet_v1_StopContainerResponse__Output>
    }
  }
}

