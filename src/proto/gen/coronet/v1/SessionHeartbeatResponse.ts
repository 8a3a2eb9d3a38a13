// Original file: proto/coronet/v1/cluster_manager.proto


export interface SessionHeartbeatResponse {
}

export interface SessionHeartbeatResponse__Output {
}
