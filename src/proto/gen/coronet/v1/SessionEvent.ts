// Original file: proto/coronet/v1/cluster_manager.proto

import type { Grant as _coronet_v1_Grant, Grant__Output as _coronet_v1_Grant__Output } from '../../coronet/v1/Grant';
import type { Revocation as _coronet_v1_Revocation, Revocation__Output as _coronet_v1_Revocation__Output } from '../../coronet/v1/Revocation';
import type { NodeLost as _coronet_v1_NodeLost, NodeLost__Output as _coronet_v1_NodeLost__Output } from '../../coronet/v1/NodeLost';
import type { SessionEnded as _coronet_v1_SessionEnded, SessionEnded__Output as _coronet_v1_SessionEnded__Output } from '../../coronet/v1/SessionEnded';

export interface SessionEvent {
  'grant'?: (_coronet_v1_Grant | null);
  'revocation'?: (_coronet_v1_Revocation | null);
  'node_lost'?: (_coronet_v1_NodeLost | null);
  'session_ended'?: (_coronet_v1_SessionEnded | null);
  'event'?: "grant"|"revocation"|"node_lost"|"session_ended";
}

export interface SessionEvent__Output {
  'grant'?: (_coronet_v1_Grant__Output | null);
  'revocation'?: (_coronet_v1_Revocation__Output | null);
  'node_lost'?: (_coronet_v1_NodeLost__Output | null);
  'session_ended'?: (_coronet_v1_SessionEnded__Output | null);
  'event'?: "grant"|"revocation"|"node_lost"|"session_ended";
}
