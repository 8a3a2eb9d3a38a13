// Original file: proto/coronet/v1/common.proto

import type { Resources as _coronet_v1_Resources, Resources__Output as _coronet_v1_Resources__Output } from '../../coronet/v1/Resources';
import type { Long } from '@grpc/proto-loader';

export interface Grant {
  'grant_id'?: (string);
  'session_id'?: (string);
  'request_id'?: (string);
  'node_name'?: (string);
  'node_address'?: (string);
  'shuffle_address'?: (string);
  'resources'?: (_coronet_v1_Resources | null);
  'token'?: (string);
  'expires_at_ms'?: (number | string | Long);
  'driver'?: (boolean);
  'user'?: (string);
}

export interface Grant__Output {
  'grant_id': (string);
  'session_id': (string);
  'request_id': (string);
  'node_name': (string);
  'node_address': (string);
  'shuffle_address': (string);
  'resources': (_coronet_v1_Resources__Output | null);
  'token': (string);
  'expires_at_ms': (number);
  'driver': (boolean);
  'user': (string);
}
