import type https from 'node:https';
import type { AddressInfo } from 'node:net';
import { countResourceError } from '../../lib/limits.js';
import { Health } from '../../lib/component.js';
import { influxClient } from '../../lib/influx/index.js';
import { UsageQueries } from '../../usage/queries.js';
import { buildApp } from './app.js';
import { httpsOptions } from './security/index.js';
import type { DashboardFactory, DashboardHandle } from './deps.js';
import { RecentReadings } from './readings.js';

export { buildApp, type BuildAppOptions } from './app.js';
export type { DashboardDeps, DashboardFactory, DashboardHandle, DashboardParts } from './deps.js';

/**
 * Builds the dashboard; its `start()` listens on `dashboard.host:dashboard.port` (port 0: any free port) and sets
 * `url`, so that the stack starts it in its turn like every other component.
 */
export const startDashboard: DashboardFactory = async (parts) => {
  const { config } = parts;
  // An accept error (EMFILE) is logged once and shown here, and counted on /metrics like every resource error.
  const state = new Health('dashboard', parts.log, (err, context) => countResourceError(parts.metrics, err, context));
  const app = await buildApp({
    config, log: parts.log, metrics: parts.metrics, clock: parts.clock, registry: parts.registry, usageStore: parts.usageStore, directory: parts.directory,
    gateway: parts.gateway, broker: parts.broker, kickCommands: parts.kickCommands ?? ((id) => parts.broker?.commands?.kick(id) ?? Promise.resolve()),
    ...(parts.liveFeed ? { liveFeed: parts.liveFeed } : {}), readings: new RecentReadings(parts.influxUrl, config.influx),
    usage: new UsageQueries(influxClient(parts.influxUrl, config.influx), config.influx.database),
    health: parts.health ?? (() => [state.snapshot()]),
    ...(parts.alertListeners ? { alertListeners: parts.alertListeners } : {}),
    ...(parts.webhookLookup ? { webhookLookup: parts.webhookLookup } : {}),
  });
  let closing: Promise<void> | undefined;
  const stop = () => (closing ??= app.close().then(() => state.stopped()));
  const handle: DashboardHandle = {
    name: 'dashboard',
    url: '',
    start: async () => {
      try {
        await app.listen({ host: config.dashboard.host, port: config.dashboard.port });
      } catch (err) {
        // The stack registers a component's stop only once it started: close what buildApp opened here.
        await stop();
        throw err;
      }
      // After listen, an 'error' on the HTTP server (EMFILE on accept) has no listener and would crash the process.
      app.server.on('error', (err) => state.fail(err, 'HTTP accept'));
      state.started();
      handle.url = listeningUrl(app.server.address(), config.dashboard.host, config.dashboard.port, config.dashboard.tlsCertFile ? 'https' : 'http');
    },
    stop,
    health: () => state.snapshot(),
    reloadTls: () => {
      const { tlsCertFile } = config.dashboard;
      if (!tlsCertFile) return undefined;
      try {
        // setSecureContext builds the new context before it replaces the old: a key that does not fit throws here.
        (app.server as https.Server).setSecureContext(httpsOptions(config)!);
        parts.log.info({ certFile: tlsCertFile }, 'dashboard TLS certificate reloaded');
        return true;
      } catch (err) {
        parts.log.error({ err }, 'dashboard TLS certificate not reloaded: the old one stays in use');
        return false;
      }
    },
  };
  return handle;
};

/** The URL to print and to test against: a wildcard host is reached on loopback. */
function listeningUrl(addr: string | AddressInfo | null, host: string, configuredPort: number, scheme: 'http' | 'https'): string {
  const port = typeof addr === 'object' && addr ? addr.port : configuredPort;
  const h = ['0.0.0.0', '::', ''].includes(host) ? '127.0.0.1' : host;
  return `${scheme}://${h.includes(':') ? `[${h}]` : h}:${port}`;
}
