// Original file: proto/coronet/v1/cluster_manager.proto

import type { SessionEvent as _coronet_v1_SessionEvent, SessionEvent__Output as _coronet_v1_SessionEvent__Output } from '../../coronet/v1/SessionEvent';

export interface SessionEventBatch {
  'events'?: (_coronet_v1_SessionEvent)[];
  'snapshot'?: (boolean);
}

export interface SessionEventBatch__Output {
  'events': (_coronet_v1_SessionEvent__Output)[];
  'snapshot': (boolean);
}
