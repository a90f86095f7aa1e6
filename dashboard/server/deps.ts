import type { AlertListener } from '../../alerts/events.js';
import type { Config } from '../../config/index.js';
import type { Broker } from '../../broker/broker.js';
import type { Gateway } from '../../gateway/gateway.js';
import type { Clock } from '../../lib/clock.js';
import type { Component, ComponentHealth } from '../../lib/component.js';
import type { Logger } from '../../lib/logger.js';
import type { Lookup } from '../../lib/net-guard.js';
import type { Metrics } from '../../lib/metrics.js';
import type { DeviceDirectory, RegistryStore, ReportStore } from '../../registry/index.js';
import type { UsageQueries } from '../../usage/queries.js';
import type { LiveFeed } from './live-feed.js';
import type { RecentReadings } from './readings.js';

/**
 * What a dashboard takes from the process it runs in (app/ builds it): defined here, below app/, so the web server
 * never imports the process wiring. `gateway` and `broker` are absent in a dashboard-only process.
 */
export interface DashboardParts {
  config: Readonly<Config>;
  log: Logger;
  metrics: Metrics;
  clock: Clock;
  registry: RegistryStore;
  /** The report store of room usage (`registry.usage`). */
  usageStore: ReportStore;
  directory: DeviceDirectory;
  influxUrl: string;
  gateway?: Gateway;
  broker?: Broker;
  /**
   * Publishes a device's queued commands now, wherever it is connected: through this process's broker, or (with
   * `redis.url`) through the node that holds it (broker/cluster/). Absent, or Redis away: the brokers' sweep finds them.
   */
  kickCommands?: (deviceId: string) => Promise<void>;
  /**
   * With `redis.url`: the province's live state in Redis and the Socket.IO adapter (live-feed.ts). When present, the
   * routes and the live hub read live state from it, not from `gateway.live`, whether or not this process has a gateway.
   */
  liveFeed?: LiveFeed;
  /** The health of every component of this process, for /healthz (absent: the dashboard reports its own parts). */
  health?: () => ComponentHealth[];
  /** Called inside the transaction of a person's acknowledge or resolve (the notification outbox, alerts/events.ts). */
  alertListeners?: AlertListener[];
  /** Resolves a webhook's host when it is saved (the system resolver if absent); tests decide what a name resolves to. */
  webhookLookup?: Lookup;
}

/** A dashboard as the process sees it: a component with a URL. */
export interface DashboardHandle extends Component {
  url: string;
  /**
   * Serves new HTTPS connections with the certificate files as they are now (SIGHUP under `start`): true when
   * reloaded, false when they are unusable (logged, the old certificate kept), undefined over plain HTTP.
   */
  reloadTls?(): boolean | undefined;
}

export type DashboardFactory = (parts: DashboardParts) => Promise<DashboardHandle>;

/**
 * What the routes and the live hub need; handed to every plugin as its options. `gateway` is absent in a
 * dashboard-only process: live state is then empty and every device reads "unknown".
 */
export interface DashboardDeps extends Omit<DashboardParts, 'influxUrl'> {
  readings: RecentReadings;
  /** Room-usage rollups in InfluxDB. */
  usage: UsageQueries;
}
