export * from './runs.js';
export { abortReason, RunWatcher, type RunWatcherOptions } from './run-watch.js';
export { Scheduler, type SchedulerOptions } from './scheduler.js';
export * from './schedule-times.js';
