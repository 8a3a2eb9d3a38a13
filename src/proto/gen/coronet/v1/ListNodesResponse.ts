// Original file: proto/coronet/v1/cluster_manager.proto

import type { NodeInfo as _coronet_v1_NodeInfo, NodeInfo__Output as _coronet_v1_NodeInfo__Output } from '../../coronet/v1/NodeInfo';

export interface ListNodesResponse {
  'nodes'?: (_coronet_v1_NodeInfo)[];
}

export interface ListNodesResponse__Output {
  'nodes': (_coronet_v1_NodeInfo__Output)[];
}
