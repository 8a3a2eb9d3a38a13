// Original file: proto/coronet/v1/cluster_manager.proto


export interface SessionEnded {
  'reason'?: (string);
}

export interface SessionEnded__Output {
  'reason': (string);
}
