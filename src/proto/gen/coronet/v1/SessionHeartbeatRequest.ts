// Original file: proto/coronet/v1/cluster_manager.proto


export interface SessionHeartbeatRequest {
  'session_id'?: (string);
  'session_secret'?: (string);
  'tags'?: ({[key: string]: string});
}

export interface SessionHeartbeatRequest__Output {
  'session_id': (string);
  'session_secret': (string);
  'tags': ({[key: string]: string});
}
