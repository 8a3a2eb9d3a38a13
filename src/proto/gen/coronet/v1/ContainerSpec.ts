// Original file: proto/coronet/v1/node_agent.proto

import type { LocalResource as _coronet_v1_LocalResource, LocalResource__Output as _coronet_v1_LocalResource__Output } from '../../coronet/v1/LocalResource';

export interface ContainerSpec {
  'command'?: (string);
  'args'?: (string)[];
  'env'?: ({[key: string]: string});
  'files'?: (_coronet_v1_LocalResource)[];
}

export interface ContainerSpec__Output {
  'command': (string);
  'args': (string)[];
  'env': ({[key: string]: string});
  'files': (_coronet_v1_LocalResource__Output)[];
}
