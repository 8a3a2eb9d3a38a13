// Original file: proto/coronet/v1/cluster_manager.proto

import type { Resources as _coronet_v1_Resources, Resources__Output as _coronet_v1_Resources__Output } from '../../coronet/v1/Resources';
import type { ContainerReport as _coronet_v1_ContainerReport, ContainerReport__Output as _coronet_v1_ContainerReport__Output } from '../../coronet/v1/ContainerReport';

export interface RegisterNodeRequest {
  'name'?: (string);
  'rack'?: (string);
  'rpc_address'?: (string);
  'shuffle_address'?: (string);
  'capacity'?: (_coronet_v1_Resources | null);
  'containers'?: (_coronet_v1_ContainerReport)[];
}

export interface RegisterNodeRequest__Output {
  'name': (string);
  'rack': (string);
  'rpc_address': (string);
  'shuffle_address': (string);
  'capacity': (_coronet_v1_Resources__Output | null);
  'containers': (_coronet_v1_ContainerReport__Output)[];
}
