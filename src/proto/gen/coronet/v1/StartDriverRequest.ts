// Original file: proto/coronet/v1/cluster_manager.proto

import type { Resources as _coronet_v1_Resources, Resources__Output as _coronet_v1_Resources__Output } from '../../coronet/v1/Resources';
import type { ContainerSpec as _coronet_v1_ContainerSpec, ContainerSpec__Output as _coronet_v1_ContainerSpec__Output } from '../../coronet/v1/ContainerSpec';

export interface StartDriverRequest {
  'session_id'?: (string);
  'session_secret'?: (string);
  'resources'?: (_coronet_v1_Resources | null);
  'spec'?: (_coronet_v1_ContainerSpec | null);
  'max_attempts'?: (number);
}

export interface StartDriverRequest__Output {
  'session_id': (string);
  'session_secret': (string);
  'resources': (_coronet_v1_Resources__Output | null);
  'spec': (_coronet_v1_ContainerSpec__Output | null);
  'max_attempts': (number);
}
