import { Health } from '../../lib/component.js';
import { influxClient } from '../../lib/influx/index.js';
import { UsageQueries } from '../../usage/queries.js';
import { buildApp } from './app.js';
import type { DashboardFactory } from './deps.js';
import { RecentReadings } from './readings.js';

export { buildApp, type BuildAppOptions } from './app.js';
export type { DashboardDeps, DashboardFactory, DashboardHandle, DashboardParts } from './deps.js';

/** Builds the dashboard and listens on `dashboard.host:dashboard.port` (port 0: any free port). */
export const startDashboard: DashboardFactory = async (parts) => {
  const { config } = parts;
  const state = new Health('dashboard', parts.log);
  const app = await buildApp({
    config, log: parts.log, metrics: parts.metrics, clock: parts.clock, registry: parts.registry, usageStore: parts.usageStore, directory: parts.directory,
    gateway: parts.gateway, broker: parts.broker, readings: new RecentReadings(parts.influxUrl, config.influx),
    usage: new UsageQueries(influxClient(parts.influxUrl, config.influx), config.influx.database),
    health: parts.health ?? (() => [state.snapshot()]),
  });
  try {
    await app.listen({ host: config.dashboard.host, port: config.dashboard.port });
  } catch (err) {
    await app.close();
    throw err;
  }
  // After listen, an 'error' on the HTTP server (EMFILE on accept) has no listener and would crash the process.
  app.server.on('error', (err) => state.fail(err, 'HTTP accept'));
  state.started();
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.dashboard.port;
  const host = ['0.0.0.0', '::', ''].includes(config.dashboard.host) ? '127.0.0.1' : config.dashboard.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    name: 'dashboard',
    url,
    // Built and listening by the factory: the stack calls start() for the shape's sake.
    start: async () => undefined,
    stop: () => (closing ??= app.close().then(() => state.stopped())),
    health: () => state.snapshot(),
  };
};
