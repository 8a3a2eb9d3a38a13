// Original file: proto/coronet/v1/cluster_manager.proto

import type { Long } from '@grpc/proto-loader';

export interface DecommissionNodeRequest {
  'name'?: (string);
  'timeout_ms'?: (number | string | Long);
}

export interface DecommissionNodeRequest__Output {
  'name': (string);
  'timeout_ms': (number);
}
