// Original file: proto/coronet/v1/cluster_manager.proto

import type { Long } from '@grpc/proto-loader';

export interface RegisterNodeResponse {
  'token_key'?: (string);
  'heartbeat_interval_ms'?: (number | string | Long);
  'registration_id'?: (string);
}

export interface RegisterNodeResponse__Output {
  'token_key': (string);
  'heartbeat_interval_ms': (number);
  'registration_id': (string);
}
