// The session-driver library: the public, typed API any framework uses.
export { SessionDriver, defaultOutageToleranceMs } from './driver.js';
export type { Grant, ContainerStatus, DriverEvent, RequestSpec, ContainerSpec, DriverOptions, Priority, SessionFinalStatus } from './driver.js';
