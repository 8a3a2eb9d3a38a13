// Original file: proto/coronet/v1/cluster_manager.proto


export interface SetSafeModeRequest {
  'on'?: (boolean);
}

export interface SetSafeModeRequest__Output {
  'on': (boolean);
}
