// Original file: proto/coronet/v1/cluster_manager.proto

import type { Long } from '@grpc/proto-loader';

export interface StartSessionResponse {
  'session_id'?: (string);
  'session_secret'?: (string);
  'session_expiry_ms'?: (number | string | Long);
  'heartbeat_interval_ms'?: (number | string | Long);
}

export interface StartSessionResponse__Output {
  'session_id': (string);
  'session_secret': (string);
  'session_expiry_ms': (number);
  'heartbeat_interval_ms': (number);
}
