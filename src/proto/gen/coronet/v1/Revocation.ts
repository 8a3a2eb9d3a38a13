// Original file: proto/coronet/v1/cluster_manager.proto

import type { Long } from '@grpc/proto-loader';

export interface Revocation {
  'grant_id'?: (string);
  'reason'?: (string);
  'kill_at_ms'?: (number | string | Long);
}

export interface Revocation__Output {
  'grant_id': (string);
  'reason': (string);
  'kill_at_ms': (number);
}
