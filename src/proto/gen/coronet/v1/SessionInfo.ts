// Original file: proto/coronet/v1/cluster_manager.proto

import type { SessionPriority as _coronet_v1_SessionPriority, SessionPriority__Output as _coronet_v1_SessionPriority__Output } from '../../coronet/v1/SessionPriority';
import type { Resources as _coronet_v1_Resources, Resources__Output as _coronet_v1_Resources__Output } from '../../coronet/v1/Resources';
import type { Long } from '@grpc/proto-loader';

export interface SessionInfo {
  'session_id'?: (string);
  'name'?: (string);
  'user'?: (string);
  'pool'?: (string);
  'priority'?: (_coronet_v1_SessionPriority);
  'kind'?: (string);
  'state'?: (string);
  'started_at_ms'?: (number | string | Long);
  'allocated'?: (_coronet_v1_Resources | null);
  'grants'?: (number);
  'pending'?: (number);
  'tags'?: ({[key: string]: string});
  'final_status'?: (string);
  'diagnostics'?: (string);
}

export interface SessionInfo__Output {
  'session_id': (string);
  'name': (string);
  'user': (string);
  'pool': (string);
  'priority': (_coronet_v1_SessionPriority__Output);
  'kind': (string);
  'state': (string);
  'started_at_ms': (number);
  'allocated': (_coronet_v1_Resources__Output | null);
  'grants': (number);
  'pending': (number);
  'tags': ({[key: string]: string});
  'final_status': (string);
  'diagnostics': (string);
}
