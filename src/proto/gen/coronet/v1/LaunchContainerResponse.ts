// Original file: proto/coronet/v1/node_agent.proto


export interface LaunchContainerResponse {
  'container_id'?: (string);
  'work_dir'?: (string);
  'stdout_path'?: (string);
  'stderr_path'?: (string);
}

export interface LaunchContainerResponse__Output {
  'container_id': (string);
  'work_dir': (string);
  'stdout_path': (string);
  'stderr_path': (string);
}
