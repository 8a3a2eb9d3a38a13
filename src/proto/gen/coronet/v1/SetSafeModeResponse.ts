// Original file: proto/coronet/v1/cluster_manager.proto


export interface SetSafeModeResponse {
  'on'?: (boolean);
}

export interface SetSafeModeResponse__Output {
  'on': (boolean);
}
