// Original file: proto/coronet/v1/cluster_manager.proto

import type { Resources as _coronet_v1_Resources, Resources__Output as _coronet_v1_Resources__Output } from '../../coronet/v1/Resources';
import type { Long } from '@grpc/proto-loader';

export interface ClusterInfo {
  'version'?: (string);
  'started_at_ms'?: (number | string | Long);
  'nodes_alive'?: (number);
  'nodes_lost'?: (number);
  'nodes_decommissioning'?: (number);
  'capacity'?: (_coronet_v1_Resources | null);
  'allocated'?: (_coronet_v1_Resources | null);
  'sessions_running'?: (number);
  'pending_requests'?: (number);
  'http_address'?: (string);
}

export interface ClusterInfo__Output {
  'version': (string);
  'started_at_ms': (number);
  'nodes_alive': (number);
  'nodes_lost': (number);
  'nodes_decommissioning': (number);
  'capacity': (_coronet_v1_Resources__Output | null);
  'allocated': (_coronet_v1_Resources__Output | null);
  'sessions_running': (number);
  'pending_requests': (number);
  'http_address': (string);
}
