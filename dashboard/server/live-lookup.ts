import type { LiveLookup } from '../../gateway/live-store.js';
import type { DashboardDeps } from './deps.js';

/**
 * Where a route reads the live state of some devices: the shared hash in Redis when the deployment has one (every
 * node's devices, one HMGET for all the ids), else this process's gateway (memory), else nothing: a dashboard-only
 * process without Redis shows every device "unknown" (undefined).
 */
export async function liveLookup(deps: Pick<DashboardDeps, 'liveFeed' | 'gateway'>, ids: readonly string[]): Promise<LiveLookup | undefined> {
  if (deps.liveFeed) return deps.liveFeed.snapshot(ids);
  return deps.gateway?.live;
}
