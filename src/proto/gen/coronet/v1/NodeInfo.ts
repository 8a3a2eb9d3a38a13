// Original file: proto/coronet/v1/cluster_manager.proto

import type { Resources as _coronet_v1_Resources, Resources__Output as _coronet_v1_Resources__Output } from '../../coronet/v1/Resources';
import type { ResourceUsage as _coronet_v1_ResourceUsage, ResourceUsage__Output as _coronet_v1_ResourceUsage__Output } from '../../coronet/v1/ResourceUsage';
import type { Long } from '@grpc/proto-loader';

export interface NodeInfo {
  'name'?: (string);
  'rack'?: (string);
  'rpc_address'?: (string);
  'shuffle_address'?: (string);
  'state'?: (string);
  'capacity'?: (_coronet_v1_Resources | null);
  'allocated'?: (_coronet_v1_Resources | null);
  'usage'?: (_coronet_v1_ResourceUsage | null);
  'containers'?: (number);
  'last_heartbeat_ms'?: (number | string | Long);
  'healthy'?: (boolean);
  'health_report'?: (string);
  'blacklisted_until_ms'?: (number | string | Long);
  'blacklist_reason'?: (string);
}

export interface NodeInfo__Output {
  'name': (string);
  'rack': (string);
  'rpc_address': (string);
  'shuffle_address': (string);
  'state': (string);
  'capacity': (_coronet_v1_Resources__Output | null);
  'allocated': (_coronet_v1_Resources__Output | null);
  'usage': (_coronet_v1_ResourceUsage__Output | null);
  'containers': (number);
  'last_heartbeat_ms': (number);
  'healthy': (boolean);
  'health_report': (string);
  'blacklisted_until_ms': (number);
  'blacklist_reason': (string);
}
