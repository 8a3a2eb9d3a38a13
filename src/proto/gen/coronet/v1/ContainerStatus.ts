// Original file: proto/coronet/v1/node_agent.proto

import type { ContainerState as _coronet_v1_ContainerState, ContainerState__Output as _coronet_v1_ContainerState__Output } from '../../coronet/v1/ContainerState';
import type { Long } from '@grpc/proto-loader';

export interface ContainerStatus {
  'container_id'?: (string);
  'grant_id'?: (string);
  'session_id'?: (string);
  'node_name'?: (string);
  'state'?: (_coronet_v1_ContainerState);
  'exit_code'?: (number);
  'signal'?: (string);
  'diagnostics'?: (string);
  'started_at_ms'?: (number | string | Long);
  'finished_at_ms'?: (number | string | Long);
  'stdout_path'?: (string);
  'stderr_path'?: (string);
}

export interface ContainerStatus__Output {
  'container_id': (string);
  'grant_id': (string);
  'session_id': (string);
  'node_name': (string);
  'state': (_coronet_v1_ContainerState__Output);
  'exit_code': (number);
  'signal': (string);
  'diagnostics': (string);
  'started_at_ms': (number);
  'finished_at_ms': (number);
  'stdout_path': (string);
  'stderr_path': (string);
}
