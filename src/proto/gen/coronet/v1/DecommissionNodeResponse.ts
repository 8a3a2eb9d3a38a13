// Original file: proto/coronet/v1/cluster_manager.proto


export interface DecommissionNodeResponse {
}

export interface DecommissionNodeResponse__Output {
}
