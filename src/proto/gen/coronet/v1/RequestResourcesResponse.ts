// Original file: proto/coronet/v1/cluster_manager.proto


export interface RequestResourcesResponse {
}

export interface RequestResourcesResponse__Output {
}
