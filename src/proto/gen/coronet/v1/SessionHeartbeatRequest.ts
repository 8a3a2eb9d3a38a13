// Original file: proto/coronet/v1/cluster_manager.proto

import type { NodeFeedback as _coronet_v1_NodeFeedback, NodeFeedback__Output as _coronet_v1_NodeFeedback__Output } from '../../coronet/v1/NodeFeedback';

export interface SessionHeartbeatRequest {
  'session_id'?: (string);
  'session_secret'?: (string);
  'tags'?: ({[key: string]: string});
  'node_feedback'?: (_coronet_v1_NodeFeedback)[];
}

export interface SessionHeartbeatRequest__Output {
  'session_id': (string);
  'session_secret': (string);
  'tags': ({[key: string]: string});
  'node_feedback': (_coronet_v1_NodeFeedback__Output)[];
}
