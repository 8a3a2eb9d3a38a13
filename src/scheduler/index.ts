// The scheduler module's public surface. The cluster manager and the simulator import
// only from here.

export type * from './types.js';
export { createScheduler, type SchedulerOptions, type FairScheduler } from './scheduler.js';
export {
  defaultPoolsConfig, parsePoolsConfig, loadPoolsFile,
  type PoolsConfig, type PoolConfig, type GroupConfig, type ShareSettings, type Acl, type SessionOrder, type ParseResult,
} from './config.js';
