// Original file: proto/coronet/v1/cluster_manager.proto


export interface ListPoolsRequest {
}

export interface ListPoolsRequest__Output {
}
