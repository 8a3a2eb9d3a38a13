// Original file: proto/coronet/v1/node_agent.proto


export interface GetContainerStatusRequest {
  'container_id'?: (string);
  'session_id'?: (string);
  'session_secret'?: (string);
}

export interface GetContainerStatusRequest__Output {
  'container_id': (string);
  'session_id': (string);
  'session_secret': (string);
}
