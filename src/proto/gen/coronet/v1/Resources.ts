// Original file: proto/coronet/v1/common.proto

import type { Long } from '@grpc/proto-loader';

export interface Resources {
  'memory_mb'?: (number | string | Long);
  'vcores'?: (number);
  'gpus'?: (number);
  'custom'?: ({[key: string]: number | string | Long});
}

export interface Resources__Output {
  'memory_mb': (number);
  'vcores': (number);
  'gpus': (number);
  'custom': ({[key: string]: number});
}
