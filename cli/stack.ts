import path from 'node:path';
import { Broker } from '../broker/broker.js';
import type { Config } from '../config/index.js';
import { Gateway } from '../gateway/gateway.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { ManagedInfluxd } from '../lib/influxd.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { createMetrics, type Metrics } from '../lib/metrics.js';
import { DeviceDirectory, SqliteRegistry } from '../registry/index.js';
import { UsageStore } from '../usage/store.js';
import { UsageLoop } from '../usage/usage-loop.js';

export type Component = 'broker' | 'gateway' | 'dashboard' | 'usage';
export const ALL_COMPONENTS: Component[] = ['broker', 'gateway', 'dashboard', 'usage'];

/** A dashboard as the stack sees it: something with a lifecycle and a URL. */
export interface DashboardHandle {
  url: string;
  stop(): Promise<void>;
}

export type DashboardFactory = (deps: StackParts) => Promise<DashboardHandle>;

export interface StackParts {
  config: Readonly<Config>;
  log: Logger;
  metrics: Metrics;
  clock: Clock;
  registry: SqliteRegistry;
  /** The report store of room usage (dataDir/usage.sqlite). */
  usageStore: UsageStore;
  directory: DeviceDirectory;
  influxUrl: string;
  gateway?: Gateway;
  broker?: Broker;
  usage?: UsageLoop;
}

export interface Stack extends StackParts {
  influxd?: ManagedInfluxd;
  dashboard?: DashboardHandle;
  stop(): Promise<void>;
}

export interface StackOptions {
  config: Readonly<Config>;
  only?: Component[];
  log?: Logger;
  clock?: Clock;
  /** Builds the dashboard; passed in so that the stack does not depend on the web server's modules. */
  dashboard?: DashboardFactory;
}

/**
 * Starts the components of one EduFleet process in order (InfluxDB if managed → registry → gateway → broker →
 * dashboard) and stops them in reverse. With `only`, a process runs a subset: several broker+gateway nodes and
 * separate dashboard nodes in a larger deployment.
 */
export async function startStack(o: StackOptions): Promise<Stack> {
  const { config } = o;
  const only = new Set(o.only ?? ALL_COMPONENTS);
  const log = o.log ?? createLogger(config.logLevel);
  const metrics = createMetrics();
  const clock = o.clock ?? systemClock;
  const stoppers: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) {
      try {
        await s();
      } catch (err) {
        log.error({ err }, 'error while stopping');
      }
    }
  };
  try {
    let influxd: ManagedInfluxd | undefined;
    let influxUrl = config.influx.url;
    if (!influxUrl) {
      influxd = new ManagedInfluxd(path.join(config.dataDir, 'influxdb'), config.influx.managedBinary);
      influxUrl = await influxd.start();
      stoppers.push(() => influxd!.stop());
      log.info({ url: influxUrl }, 'managed InfluxDB started');
    }
    const registry = SqliteRegistry.inDataDir(config.dataDir);
    stoppers.push(() => registry.close());
    const usageStore = UsageStore.inDataDir(config.dataDir);
    stoppers.push(() => usageStore.close());
    const directory = new DeviceDirectory(registry, 250, log);
    directory.start();
    stoppers.push(() => directory.stop());
    const parts: StackParts = { config, log, metrics, clock, registry, usageStore, directory, influxUrl };

    if (only.has('gateway') || only.has('broker')) {
      const gateway = new Gateway({ config, influxUrl, directory, metrics, log, clock });
      await gateway.start();
      stoppers.push(() => gateway.stop(true));
      parts.gateway = gateway;
      const broker = new Broker({
        config, directory, metrics, log,
        ingest: (id, channel, payload, commandId) => gateway.ingest(id, channel, payload, commandId),
        presence: (id, state) => void gateway.presence(id, state).catch((err: Error) => log.error({ err: err.message }, 'presence not recorded')),
      });
      await broker.start();
      stoppers.push(() => broker.stop());
      parts.broker = broker;
    }
    if (only.has('usage')) {
      const usage = new UsageLoop({ config, influxUrl, registry, store: usageStore, log, clock });
      await usage.start();
      stoppers.push(() => usage.stop());
      parts.usage = usage;
    }
    const stack: Stack = { ...parts, influxd, stop };
    if (only.has('dashboard') && o.dashboard) {
      stack.dashboard = await o.dashboard(parts);
      stoppers.push(() => stack.dashboard!.stop());
    }
    return stack;
  } catch (err) {
    await stop();
    throw err;
  }
}
