// Original file: proto/coronet/v1/cluster_manager.proto

import type { Resources as _coronet_v1_Resources, Resources__Output as _coronet_v1_Resources__Output } from '../../coronet/v1/Resources';

export interface ResourceRequest {
  'request_id'?: (string);
  'resources'?: (_coronet_v1_Resources | null);
  'count'?: (number);
  'hosts'?: (string)[];
  'racks'?: (string)[];
  'relax_locality'?: (boolean);
  'excluded_hosts'?: (string)[];
  'driver'?: (boolean);
}

export interface ResourceRequest__Output {
  'request_id': (string);
  'resources': (_coronet_v1_Resources__Output | null);
  'count': (number);
  'hosts': (string)[];
  'racks': (string)[];
  'relax_locality': (boolean);
  'excluded_hosts': (string)[];
  'driver': (boolean);
}
