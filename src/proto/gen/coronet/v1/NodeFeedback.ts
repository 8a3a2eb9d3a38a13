// Original file: proto/coronet/v1/cluster_manager.proto


export interface NodeFeedback {
  'node_name'?: (string);
  'failed_tasks'?: (number);
}

export interface NodeFeedback__Output {
  'node_name': (string);
  'failed_tasks': (number);
}
