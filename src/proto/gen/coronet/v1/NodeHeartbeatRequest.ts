// Original file: proto/coronet/v1/cluster_manager.proto

import type { Resources as _coronet_v1_Resources, Resources__Output as _coronet_v1_Resources__Output } from '../../coronet/v1/Resources';
import type { ResourceUsage as _coronet_v1_ResourceUsage, ResourceUsage__Output as _coronet_v1_ResourceUsage__Output } from '../../coronet/v1/ResourceUsage';
import type { ContainerReport as _coronet_v1_ContainerReport, ContainerReport__Output as _coronet_v1_ContainerReport__Output } from '../../coronet/v1/ContainerReport';

export interface NodeHeartbeatRequest {
  'name'?: (string);
  'registration_id'?: (string);
  'capacity'?: (_coronet_v1_Resources | null);
  'usage'?: (_coronet_v1_ResourceUsage | null);
  'containers'?: (_coronet_v1_ContainerReport)[];
  'healthy'?: (boolean);
  'health_report'?: (string);
}

export interface NodeHeartbeatRequest__Output {
  'name': (string);
  'registration_id': (string);
  'capacity': (_coronet_v1_Resources__Output | null);
  'usage': (_coronet_v1_ResourceUsage__Output | null);
  'containers': (_coronet_v1_ContainerReport__Output)[];
  'healthy': (boolean);
  'health_report': (string);
}
