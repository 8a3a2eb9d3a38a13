// Original file: proto/coronet/v1/cluster_manager.proto


export interface RefreshPoolsResponse {
  'ok'?: (boolean);
  'error'?: (string);
}

export interface RefreshPoolsResponse__Output {
  'ok': (boolean);
  'error': (string);
}
