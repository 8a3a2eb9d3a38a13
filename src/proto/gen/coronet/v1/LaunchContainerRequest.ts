// Original file: proto/coronet/v1/node_agent.proto

import type { Grant as _coronet_v1_Grant, Grant__Output as _coronet_v1_Grant__Output } from '../../coronet/v1/Grant';
import type { ContainerSpec as _coronet_v1_ContainerSpec, ContainerSpec__Output as _coronet_v1_ContainerSpec__Output } from '../../coronet/v1/ContainerSpec';

export interface LaunchContainerRequest {
  'grant'?: (_coronet_v1_Grant | null);
  'spec'?: (_coronet_v1_ContainerSpec | null);
  'session_secret'?: (string);
}

export interface LaunchContainerRequest__Output {
  'grant': (_coronet_v1_Grant__Output | null);
  'spec': (_coronet_v1_ContainerSpec__Output | null);
  'session_secret': (string);
}
