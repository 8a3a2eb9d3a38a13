// Original file: proto/coronet/v1/node_agent.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ContainerEventsRequest as _coronet_v1_ContainerEventsRequest, ContainerEventsRequest__Output as _coronet_v1_ContainerEventsRequest__Output } from '../../coronet/v1/ContainerEventsRequest';
import type { ContainerStatus as _coronet_v1_ContainerStatus, ContainerStatus__Output as _coronet_v1_ContainerStatus__Output } from '../../coronet/v1/ContainerStatus';
import type { GetContainerStatusRequest as _coronet_v1_GetContainerStatusRequest, GetContainerStatusRequest__Output as _coronet_v1_GetContainerStatusRequest__Output } from '../../coronet/v1/GetContainerStatusRequest';
import type { LaunchContainerRequest as _coronet_v1_LaunchContainerRequest, LaunchContainerRequest__Output as _coronet_v1_LaunchContainerRequest__Output } from '../../coronet/v1/LaunchContainerRequest';
import type { LaunchContainerResponse as _coronet_v1_LaunchContainerResponse, LaunchContainerResponse__Output as _coronet_v1_LaunchContainerResponse__Output } from '../../coronet/v1/LaunchContainerResponse';
import type { StopContainerRequest as _coronet_v1_StopContainerRequest, StopContainerRequest__Output as _coronet_v1_StopContainerRequest__Output } from '../../coronet/v1/StopContainerRequest';
import type { StopContainerResponse as _coronet_v1_StopContainerResponse, StopContainerResponse__Output as _coronet_v1_StopContainerResponse__Output } from '../../coronet/v1/StopContainerResponse';

export interface NodeAgentClient extends grpc.Client {
  ContainerEvents(argument: _coronet_v1_ContainerEventsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_coronet_v1_ContainerStatus__Output>;
  ContainerEvents(argument: _coronet_v1_ContainerEventsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_coronet_v1_ContainerStatus__Output>;
  containerEvents(argument: _coronet_v1_ContainerEventsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_coronet_v1_ContainerStatus__Output>;
  containerEvents(argument: _coronet_v1_ContainerEventsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_coronet_v1_ContainerStatus__Output>;
  
  GetContainerStatus(argument: _coronet_v1_GetContainerStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ContainerStatus__Output>): grpc.ClientUnaryCall;
  GetContainerStatus(argument: _coronet_v1_GetContainerStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_ContainerStatus__Output>): grpc.ClientUnaryCall;
  GetContainerStatus(argument: _coronet_v1_GetContainerStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ContainerStatus__Output>): grpc.ClientUnaryCall;
  GetContainerStatus(argument: _coronet_v1_GetContainerStatusRequest, callback: grpc.requestCallback<_coronet_v1_ContainerStatus__Output>): grpc.ClientUnaryCall;
  getContainerStatus(argument: _coronet_v1_GetContainerStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ContainerStatus__Output>): grpc.ClientUnaryCall;
  getContainerStatus(argument: _coronet_v1_GetContainerStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_ContainerStatus__Output>): grpc.ClientUnaryCall;
  getContainerStatus(argument: _coronet_v1_GetContainerStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_ContainerStatus__Output>): grpc.ClientUnaryCall;
  getContainerStatus(argument: _coronet_v1_GetContainerStatusRequest, callback: grpc.requestCallback<_coronet_v1_ContainerStatus__Output>): grpc.ClientUnaryCall;
  
  LaunchContainer(argument: _coronet_v1_LaunchContainerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_LaunchContainerResponse__Output>): grpc.ClientUnaryCall;
  LaunchContainer(argument: _coronet_v1_LaunchContainerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_LaunchContainerResponse__Output>): grpc.ClientUnaryCall;
  LaunchContainer(argument: _coronet_v1_LaunchContainerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_LaunchContainerResponse__Output>): grpc.ClientUnaryCall;
  LaunchContainer(argument: _coronet_v1_LaunchContainerRequest, callback: grpc.requestCallback<_coronet_v1_LaunchContainerResponse__Output>): grpc.ClientUnaryCall;
  launchContainer(argument: _coronet_v1_LaunchContainerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_LaunchContainerResponse__Output>): grpc.ClientUnaryCall;
  launchContainer(argument: _coronet_v1_LaunchContainerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_LaunchContainerResponse__Output>): grpc.ClientUnaryCall;
  launchContainer(argument: _coronet_v1_LaunchContainerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_LaunchContainerResponse__Output>): grpc.ClientUnaryCall;
  launchContainer(argument: _coronet_v1_LaunchContainerRequest, callback: grpc.requestCallback<_coronet_v1_LaunchContainerResponse__Output>): grpc.ClientUnaryCall;
  
  StopContainer(argument: _coronet_v1_StopContainerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_StopContainerResponse__Output>): grpc.ClientUnaryCall;
  StopContainer(argument: _coronet_v1_StopContainerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_StopContainerResponse__Output>): grpc.ClientUnaryCall;
  StopContainer(argument: _coronet_v1_StopContainerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_StopContainerResponse__Output>): grpc.ClientUnaryCall;
  StopContainer(argument: _coronet_v1_StopContainerRequest, callback: grpc.requestCallback<_coronet_v1_StopContainerResponse__Output>): grpc.ClientUnaryCall;
  stopContainer(argument: _coronet_v1_StopContainerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_StopContainerResponse__Output>): grpc.ClientUnaryCall;
  stopContainer(argument: _coronet_v1_StopContainerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_coronet_v1_StopContainerResponse__Output>): grpc.ClientUnaryCall;
  stopContainer(argument: _coronet_v1_StopContainerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_coronet_v1_StopContainerResponse__Output>): grpc.ClientUnaryCall;
  stopContainer(argument: _coronet_v1_StopContainerRequest, callback: grpc.requestCallback<_coronet_v1_StopContainerResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface NodeAgentHandlers extends grpc.UntypedServiceImplementation {
  ContainerEvents: grpc.handleServerStreamingCall<_coronet_v1_ContainerEventsRequest__Output, _coronet_v1_ContainerStatus>;
  
  GetContainerStatus: grpc.handleUnaryCall<_coronet_v1_GetContainerStatusRequest__Output, _coronet_v1_ContainerStatus>;
  
  LaunchContainer: grpc.handleUnaryCall<_coronet_v1_LaunchContainerRequest__Output, _coronet_v1_LaunchContainerResponse>;
  
  StopContainer: grpc.handleUnaryCall<_coronet_v1_StopContainerRequest__Output, _coronet_v1_StopContainerResponse>;
  
}

export interface NodeAgentDefinition extends grpc.ServiceDefinition {
  ContainerEvents: MethodDefinition<_coronet_v1_ContainerEventsRequest, _coronet_v1_ContainerStatus, _coronet_v1_ContainerEventsRequest__Output, _coronet_v1_ContainerStatus__Output>
  GetContainerStatus: MethodDefinition<_coronet_v1_GetContainerStatusRequest, _coronet_v1_ContainerStatus, _coronet_v1_GetContainerStatusRequest__Output, _coronet_v1_ContainerStatus__Output>
  LaunchContainer: MethodDefinition<_coronet_v1_LaunchContainerRequest, _coronet_v1_LaunchContainerResponse, _coronet_v1_LaunchContainerRequest__Output, _coronet_v1_LaunchContainerResponse__Output>
  StopContainer: MethodDefinition<_coronet_v1_StopContainerRequest, _coronet_v1_StopContainerResponse, _coronet_v1_StopContainerRequest__Output, _coronet_v1_StopContainerResponse__Output>
}
