// Original file: proto/coronet/v1/cluster_manager.proto


export interface NodeHeartbeatResponse {
  'reregister'?: (boolean);
  'kill_grant_ids'?: (string)[];
  'ended_session_ids'?: (string)[];
}

export interface NodeHeartbeatResponse__Output {
  'reregister': (boolean);
  'kill_grant_ids': (string)[];
  'ended_session_ids': (string)[];
}
