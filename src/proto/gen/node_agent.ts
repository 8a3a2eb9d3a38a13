import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { ContainerEventsRequest as _coronet_v1_ContainerEventsRequest, ContainerEventsRequest__Output as _coronet_v1_ContainerEventsRequest__Output } from './coronet/v1/ContainerEventsRequest';
import type { ContainerSpec as _coronet_v1_ContainerSpec, ContainerSpec__Output as _coronet_v1_ContainerSpec__Output } from './coronet/v1/ContainerSpec';
import type { ContainerStatus as _coronet_v1_ContainerStatus, ContainerStatus__Output as _coronet_v1_ContainerStatus__Output } from './coronet/v1/ContainerStatus';
import type { GetContainerStatusRequest as _coronet_v1_GetContainerStatusRequest, GetContainerStatusRequest__Output as _coronet_v1_GetContainerStatusRequest__Output } from './coronet/v1/GetContainerStatusRequest';
import type { Grant as _coronet_v1_Grant, Grant__Output as _coronet_v1_Grant__Output } from './coronet/v1/Grant';
import type { LaunchContainerRequest as _coronet_v1_LaunchContainerRequest, LaunchContainerRequest__Output as _coronet_v1_LaunchContainerRequest__Output } from './coronet/v1/LaunchContainerRequest';
import type { LaunchContainerResponse as _coronet_v1_LaunchContainerResponse, LaunchContainerResponse__Output as _coronet_v1_LaunchContainerResponse__Output } from './coronet/v1/LaunchContainerResponse';
import type { LocalResource as _coronet_v1_LocalResource, LocalResource__Output as _coronet_v1_LocalResource__Output } from './coronet/v1/LocalResource';
import type { NodeAgentClient as _coronet_v1_NodeAgentClient, NodeAgentDefinition as _coronet_v1_NodeAgentDefinition } from './coronet/v1/NodeAgent';
import type { Resources as _coronet_v1_Resources, Resources__Output as _coronet_v1_Resources__Output } from './coronet/v1/Resources';
import type { StopContainerRequest as _coronet_v1_StopContainerRequest, StopContainerRequest__Output as _coronet_v1_StopContainerRequest__Output } from './coronet/v1/StopContainerRequest';
import type { StopContainerResponse as _coronet_v1_StopContainerResponse, StopContainerResponse__Output as _coronet_v1_StopContainerResponse__Output } from './coronet/v1/StopContainerResponse';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  coronet: {
    v1: {
      ContainerEventsRequest: MessageTypeDefinition<_coronet_v1_ContainerEventsRequest, _coronet_v1_ContainerEventsRequest__Output>
      ContainerSpec: MessageTypeDefinition<_coronet_v1_ContainerSpec, _coronet_v1_ContainerSpec__Output>
      ContainerState: EnumTypeDefinition
      ContainerStatus: MessageTypeDefinition<_coronet_v1_ContainerStatus, _coronet_v1_ContainerStatus__Output>
      GetContainerStatusRequest: MessageTypeDefinition<_coronet_v1_GetContainerStatusRequest, _coronet_v1_GetContainerStatusRequest__Output>
      Grant: MessageTypeDefinition<_coronet_v1_Grant, _coronet_v1_Grant__Output>
      LaunchContainerRequest: MessageTypeDefinition<_coronet_v1_LaunchContainerRequest, _coronet_v1_LaunchContainerRequest__Output>
      LaunchContainerResponse: MessageTypeDefinition<_coronet_v1_LaunchContainerResponse, _coronet_v1_LaunchContainerResponse__Output>
      LocalResource: MessageTypeDefinition<_coronet_v1_LocalResource, _coronet_v1_LocalResource__Output>
      NodeAgent: SubtypeConstructor<typeof grpc.Client, _coronet_v1_NodeAgentClient> & { service: _coronet_v1_NodeAgentDefinition }
      Resources: MessageTypeDefinition<_coronet_v1_Resources, _coronet_v1_Resources__Output>
      SessionPriority: EnumTypeDefinition
      StopContainerRequest: MessageTypeDefinition<_coronet_v1_StopContainerRequest, _coronet_v1_StopContainerRequest__Output>
      StopContainerResponse: MessageTypeDefinition<_coronet_v1_StopContainerResponse, _coronet_v1_StopContainerResponse__Output>
    }
  }
}

