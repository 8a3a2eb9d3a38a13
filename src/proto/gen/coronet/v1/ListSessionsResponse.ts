// Original file: proto/coronet/v1/cluster_manager.proto

import type { SessionInfo as _coronet_v1_SessionInfo, SessionInfo__Output as _coronet_v1_SessionInfo__Output } from '../../coronet/v1/SessionInfo';

export interface ListSessionsResponse {
  'sessions'?: (_coronet_v1_SessionInfo)[];
}

export interface ListSessionsResponse__Output {
  'sessions': (_coronet_v1_SessionInfo__Output)[];
}
