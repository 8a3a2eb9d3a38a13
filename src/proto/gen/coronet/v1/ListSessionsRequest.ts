// Original file: proto/coronet/v1/cluster_manager.proto


export interface ListSessionsRequest {
}

export interface ListSessionsRequest__Output {
}
