/**
 * The typed route map (api/routes.ts) against the routes the dashboard really registers: a route added to the server
 * without its types, or a type left behind by a removed route, fails here.
 */
import { rmSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTE_KEYS } from '../../api/index.js';
import { loadConfig } from '../../config/index.js';
import { buildApp } from '../../dashboard/server/index.js';
import { RecentReadings } from '../../dashboard/server/readings.js';
import { systemClock } from '../../lib/clock.js';
import { influxClient } from '../../lib/influx/index.js';
import { createLogger } from '../../lib/logger.js';
import { createMetrics } from '../../lib/metrics.js';
import { DeviceDirectory, openRegistryStore, type RegistryStore } from '../../registry/index.js';
import { UsageQueries } from '../../usage/queries.js';
import { registeredRoutes } from '../helpers/registered-routes.js';
import { tempDir } from '../helpers/stack.js';

/** The web app's own routes (the built files and the single-page fallback): not part of the API. */
const WEB = /^(GET|HEAD) \/(\*|assets\/\*|index\.html)?$/;
/** The API viewer's page and files (@fastify/swagger-ui, dashboard/server/openapi.ts): it shows the document, it is not in it. */
const VIEWER = /^GET \/api\/docs(\/.*)?$/;

describe('the typed route map', () => {
  const dir = tempDir();
  let registry: RegistryStore;
  let app: FastifyInstance;

  beforeAll(async () => {
    const config = loadConfig({ env: {}, overrides: { dataDir: dir, logLevel: 'silent' } });
    registry = await openRegistryStore({ dataDir: dir });
    app = await buildApp({
      config, log: createLogger('silent'), metrics: createMetrics(), clock: systemClock, registry,
      directory: new DeviceDirectory(registry), readings: new RecentReadings('http://127.0.0.1:9', config.influx), webDist: dir,
      usage: new UsageQueries(influxClient('http://127.0.0.1:9', config.influx), config.influx.database), usageStore: registry.usage,
    });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await registry?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists exactly the routes the server registers', () => {
    const served = registeredRoutes(app).filter((r) => !WEB.test(r) && !VIEWER.test(r));
    expect(served.length).toBeGreaterThan(50);
    expect([...served].sort()).toEqual([...API_ROUTE_KEYS].sort());
  });
});
