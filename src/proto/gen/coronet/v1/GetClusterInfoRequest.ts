// Original file: proto/coronet/v1/cluster_manager.proto


export interface GetClusterInfoRequest {
}

export interface GetClusterInfoRequest__Output {
}
