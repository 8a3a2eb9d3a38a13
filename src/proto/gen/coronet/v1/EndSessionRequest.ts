// Original file: proto/coronet/v1/cluster_manager.proto

import type { SessionStatus as _coronet_v1_SessionStatus, SessionStatus__Output as _coronet_v1_SessionStatus__Output } from '../../coronet/v1/SessionStatus';

export interface EndSessionRequest {
  'session_id'?: (string);
  'session_secret'?: (string);
  'status'?: (_coronet_v1_SessionStatus);
  'diagnostics'?: (string);
}

export interface EndSessionRequest__Output {
  'session_id': (string);
  'session_secret': (string);
  'status': (_coronet_v1_SessionStatus__Output);
  'diagnostics': (string);
}
