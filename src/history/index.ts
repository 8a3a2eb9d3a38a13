// The history server: durable job reports and the REST routes that serve them and
// the live state of running jobs (proxied from their job trackers).
export { HistoryStore, type JobReport, type JobSummary } from './store.js';
export { historyRoutes, type LiveJob } from './routes.js';
