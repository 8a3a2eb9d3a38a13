// Original file: proto/coronet/v1/cluster_manager.proto


export interface ReleaseResourcesRequest {
  'session_id'?: (string);
  'session_secret'?: (string);
  'grant_ids'?: (string)[];
  'request_ids'?: (string)[];
}

export interface ReleaseResourcesRequest__Output {
  'session_id': (string);
  'session_secret': (string);
  'grant_ids': (string)[];
  'request_ids': (string)[];
}
