// Original file: proto/coronet/v1/node_agent.proto


export interface StopContainerResponse {
}

export interface StopContainerResponse__Output {
}
