// Original file: proto/coronet/v1/cluster_manager.proto

import type { ContainerState as _coronet_v1_ContainerState, ContainerState__Output as _coronet_v1_ContainerState__Output } from '../../coronet/v1/ContainerState';
import type { Long } from '@grpc/proto-loader';

export interface ContainerReport {
  'container_id'?: (string);
  'grant_id'?: (string);
  'session_id'?: (string);
  'state'?: (_coronet_v1_ContainerState);
  'rss_mb'?: (number | string | Long);
}

export interface ContainerReport__Output {
  'container_id': (string);
  'grant_id': (string);
  'session_id': (string);
  'state': (_coronet_v1_ContainerState__Output);
  'rss_mb': (number);
}
