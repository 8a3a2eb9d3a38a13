// Original file: proto/coronet/v1/cluster_manager.proto

import type { PoolInfo as _coronet_v1_PoolInfo, PoolInfo__Output as _coronet_v1_PoolInfo__Output } from '../../coronet/v1/PoolInfo';

export interface ListPoolsResponse {
  'pools'?: (_coronet_v1_PoolInfo)[];
}

export interface ListPoolsResponse__Output {
  'pools': (_coronet_v1_PoolInfo__Output)[];
}
