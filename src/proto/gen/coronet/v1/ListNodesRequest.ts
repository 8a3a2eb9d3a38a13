// Original file: proto/coronet/v1/cluster_manager.proto


export interface ListNodesRequest {
}

export interface ListNodesRequest__Output {
}
