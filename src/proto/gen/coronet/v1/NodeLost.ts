// Original file: proto/coronet/v1/cluster_manager.proto


export interface NodeLost {
  'node_name'?: (string);
  'grant_ids'?: (string)[];
}

export interface NodeLost__Output {
  'node_name': (string);
  'grant_ids': (string)[];
}
