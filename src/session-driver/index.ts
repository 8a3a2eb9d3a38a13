// The session-driver library: the public, typed API any framework uses.
export { SessionDriver, defaultOutageToleranceMs } from './driver.js';
/** What driver calls reject with when an RPC fails (`unavailable`: the peer could not be reached). */
export { RpcError } from '../proto/index.js';
export type { Grant, ContainerStatus, DriverEvent, RequestSpec, ContainerSpec, DriverOptions, Priority, SessionFinalStatus } from './driver.js';
