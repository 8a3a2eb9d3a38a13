// Original file: proto/coronet/v1/common.proto

export const SessionPriority = {
  NORMAL: 'NORMAL',
  VERY_LOW: 'VERY_LOW',
  LOW: 'LOW',
  HIGH: 'HIGH',
  VERY_HIGH: 'VERY_HIGH',
} as const;

export type SessionPriority =
  | 'NORMAL'
  | 0
  | 'VERY_LOW'
  | 1
  | 'LOW'
  | 2
  | 'HIGH'
  | 3
  | 'VERY_HIGH'
  | 4

export type SessionPriority__Output = typeof SessionPriority[keyof typeof SessionPriority]
