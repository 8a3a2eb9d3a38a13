// Original file: proto/coronet/v1/cluster_manager.proto


export interface EndSessionResponse {
}

export interface EndSessionResponse__Output {
}
