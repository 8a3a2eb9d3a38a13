// The web UI served by the cluster manager at `/`: static pages (plain ES modules and
// CSS, no build step), a Server-Sent Events feed of cluster snapshots, and the pools'
// recent usage for the live charts.
export { createWebUi, type WebUi, type WebUiOptions } from './routes.js';
export { PoolHistory, type PoolSample, type PoolSampleEntry } from './pool-history.js';
export { staticPath } from './static-files.js';
export type { Snapshot, JobRow } from './snapshot.js';
