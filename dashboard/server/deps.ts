import type { StackParts } from '../../cli/stack.js';
import type { UsageQueries } from '../../usage/queries.js';
import type { RecentReadings } from './readings.js';

/**
 * What the routes and the live hub need; handed to every plugin as its options. `gateway` is absent in a
 * dashboard-only process: live state is then empty and every device reads "unknown".
 */
export interface DashboardDeps extends Pick<StackParts, 'config' | 'log' | 'metrics' | 'clock' | 'registry' | 'usageStore' | 'directory' | 'gateway' | 'broker'> {
  readings: RecentReadings;
  /** Room-usage rollups in InfluxDB. */
  usage: UsageQueries;
}
