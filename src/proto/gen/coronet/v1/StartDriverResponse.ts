// Original file: proto/coronet/v1/cluster_manager.proto


export interface StartDriverResponse {
}

export interface StartDriverResponse__Output {
}
