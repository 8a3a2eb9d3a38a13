// Original file: proto/coronet/v1/node_agent.proto


export interface StopContainerRequest {
  'container_id'?: (string);
  'session_id'?: (string);
  'session_secret'?: (string);
}

export interface StopContainerRequest__Output {
  'container_id': (string);
  'session_id': (string);
  'session_secret': (string);
}
