import type { Config } from '../../config/index.js';
import type { Gateway } from '../../gateway/gateway.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { Metrics } from '../../lib/metrics.js';
import type { DeviceDirectory, SqliteRegistry } from '../../registry/index.js';
import type { RecentReadings } from './readings.js';

/** What the routes and the live hub need; handed to every plugin as its options. */
export interface DashboardDeps {
  config: Readonly<Config>;
  log: Logger;
  metrics: Metrics;
  clock: Clock;
  registry: SqliteRegistry;
  directory: DeviceDirectory;
  /** Absent in a dashboard-only process: live state is then empty and every device reads "unknown". */
  gateway?: Gateway;
  readings: RecentReadings;
}
