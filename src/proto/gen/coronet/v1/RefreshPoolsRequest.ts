// Original file: proto/coronet/v1/cluster_manager.proto


export interface RefreshPoolsRequest {
}

export interface RefreshPoolsRequest__Output {
}
