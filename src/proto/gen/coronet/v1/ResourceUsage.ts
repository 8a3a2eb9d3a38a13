// Original file: proto/coronet/v1/cluster_manager.proto

import type { Long } from '@grpc/proto-loader';

export interface ResourceUsage {
  'memory_mb'?: (number | string | Long);
  'cpu_cores'?: (number | string);
}

export interface ResourceUsage__Output {
  'memory_mb': (number);
  'cpu_cores': (number);
}
