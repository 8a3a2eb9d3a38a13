// Original file: proto/coronet/v1/cluster_manager.proto

import type { Resources as _coronet_v1_Resources, Resources__Output as _coronet_v1_Resources__Output } from '../../coronet/v1/Resources';
import type { Long } from '@grpc/proto-loader';

export interface PoolInfo {
  'name'?: (string);
  'group'?: (string);
  'weight'?: (number | string);
  'min_share'?: (_coronet_v1_Resources | null);
  'max_share'?: (_coronet_v1_Resources | null);
  'demand'?: (_coronet_v1_Resources | null);
  'granted'?: (_coronet_v1_Resources | null);
  'fair_share'?: (_coronet_v1_Resources | null);
  'starving_since_ms'?: (number | string | Long);
  'running_sessions'?: (number);
  'waiting_sessions'?: (number);
  'preemptable'?: (boolean);
  'order'?: (string);
}

export interface PoolInfo__Output {
  'name': (string);
  'group': (string);
  'weight': (number);
  'min_share': (_coronet_v1_Resources__Output | null);
  'max_share': (_coronet_v1_Resources__Output | null);
  'demand': (_coronet_v1_Resources__Output | null);
  'granted': (_coronet_v1_Resources__Output | null);
  'fair_share': (_coronet_v1_Resources__Output | null);
  'starving_since_ms': (number);
  'running_sessions': (number);
  'waiting_sessions': (number);
  'preemptable': (boolean);
  'order': (string);
}
