// Original file: proto/coronet/v1/cluster_manager.proto

import type { SessionPriority as _coronet_v1_SessionPriority, SessionPriority__Output as _coronet_v1_SessionPriority__Output } from '../../coronet/v1/SessionPriority';
import type { Long } from '@grpc/proto-loader';

export interface StartSessionRequest {
  'name'?: (string);
  'user'?: (string);
  'pool'?: (string);
  'priority'?: (_coronet_v1_SessionPriority);
  'deadline_ms'?: (number | string | Long);
  'driver_address'?: (string);
  'kind'?: (string);
  'tags'?: ({[key: string]: string});
}

export interface StartSessionRequest__Output {
  'name': (string);
  'user': (string);
  'pool': (string);
  'priority': (_coronet_v1_SessionPriority__Output);
  'deadline_ms': (number);
  'driver_address': (string);
  'kind': (string);
  'tags': ({[key: string]: string});
}
