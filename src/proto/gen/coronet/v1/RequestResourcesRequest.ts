// Original file: proto/coronet/v1/cluster_manager.proto

import type { ResourceRequest as _coronet_v1_ResourceRequest, ResourceRequest__Output as _coronet_v1_ResourceRequest__Output } from '../../coronet/v1/ResourceRequest';

export interface RequestResourcesRequest {
  'session_id'?: (string);
  'session_secret'?: (string);
  'requests'?: (_coronet_v1_ResourceRequest)[];
}

export interface RequestResourcesRequest__Output {
  'session_id': (string);
  'session_secret': (string);
  'requests': (_coronet_v1_ResourceRequest__Output)[];
}
