// Original file: proto/coronet/v1/common.proto

export const ContainerState = {
  CONTAINER_STATE_UNSPECIFIED: 'CONTAINER_STATE_UNSPECIFIED',
  RUNNING: 'RUNNING',
  EXITED: 'EXITED',
  KILLED: 'KILLED',
  FAILED_TO_START: 'FAILED_TO_START',
  OVER_LIMIT: 'OVER_LIMIT',
  LOST: 'LOST',
} as const;

export type ContainerState =
  | 'CONTAINER_STATE_UNSPECIFIED'
  | 0
  | 'RUNNING'
  | 1
  | 'EXITED'
  | 2
  | 'KILLED'
  | 3
  | 'FAILED_TO_START'
  | 4
  | 'OVER_LIMIT'
  | 5
  | 'LOST'
  | 6

export type ContainerState__Output = typeof ContainerState[keyof typeof ContainerState]
