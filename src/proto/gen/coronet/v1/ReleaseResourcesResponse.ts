// Original file: proto/coronet/v1/cluster_manager.proto


export interface ReleaseResourcesResponse {
}

export interface ReleaseResourcesResponse__Output {
}
