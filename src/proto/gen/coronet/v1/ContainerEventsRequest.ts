// Original file: proto/coronet/v1/node_agent.proto


export interface ContainerEventsRequest {
  'session_id'?: (string);
  'session_secret'?: (string);
}

export interface ContainerEventsRequest__Output {
  'session_id': (string);
  'session_secret': (string);
}
