// Original file: proto/coronet/v1/node_agent.proto


export interface LocalResource {
  'source'?: (string);
  'name'?: (string);
}

export interface LocalResource__Output {
  'source': (string);
  'name': (string);
}
