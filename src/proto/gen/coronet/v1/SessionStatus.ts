// Original file: proto/coronet/v1/cluster_manager.proto

export const SessionStatus = {
  SESSION_STATUS_UNSPECIFIED: 'SESSION_STATUS_UNSPECIFIED',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  KILLED: 'KILLED',
} as const;

export type SessionStatus =
  | 'SESSION_STATUS_UNSPECIFIED'
  | 0
  | 'SUCCEEDED'
  | 1
  | 'FAILED'
  | 2
  | 'KILLED'
  | 3

export type SessionStatus__Output = typeof SessionStatus[keyof typeof SessionStatus]
