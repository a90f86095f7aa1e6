import type { DashboardFactory } from '../../cli/stack.js';
import { buildApp } from './app.js';
import { influxClient } from '../../lib/influx-client.js';
import { UsageQueries } from '../../usage/queries.js';
import { RecentReadings } from './readings.js';

export { buildApp, type BuildAppOptions } from './app.js';

/** Builds the dashboard and listens on `dashboard.host:dashboard.port` (port 0: any free port). */
export const startDashboard: DashboardFactory = async (parts) => {
  const { config } = parts;
  const app = await buildApp({
    config, log: parts.log, metrics: parts.metrics, clock: parts.clock, registry: parts.registry, usageStore: parts.usageStore, directory: parts.directory,
    gateway: parts.gateway, broker: parts.broker, readings: new RecentReadings(parts.influxUrl, config.influx),
    usage: new UsageQueries(influxClient(parts.influxUrl, config.influx), config.influx.database),
  });
  try {
    await app.listen({ host: config.dashboard.host, port: config.dashboard.port });
  } catch (err) {
    await app.close();
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.dashboard.port;
  const host = ['0.0.0.0', '::', ''].includes(config.dashboard.host) ? '127.0.0.1' : config.dashboard.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { url, stop: () => app.close() };
};
