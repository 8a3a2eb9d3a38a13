// Original file: proto/coronet/v1/cluster_manager.proto


export interface SessionEventsRequest {
  'session_id'?: (string);
  'session_secret'?: (string);
}

export interface SessionEventsRequest__Output {
  'session_id': (string);
  'session_secret': (string);
}
