import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { buildApp } from '../../dashboard/server/index.js';
import { RecentReadings } from '../../dashboard/server/readings.js';
import { influxClient } from '../../lib/influx/index.js';
import { UsageQueries } from '../../usage/queries.js';
import { SESSION_SECRET_FILE } from '../../dashboard/server/session-secret.js';
import { systemClock } from '../../lib/clock.js';
import { createLogger } from '../../lib/logger.js';
import { createMetrics } from '../../lib/metrics.js';
import { DeviceDirectory, openRegistryStore, type RegistryStore } from '../../registry/index.js';
import { tempDir } from '../helpers/stack.js';

const PASSWORD = 'mật-khẩu-đủ-dài';

/** Two dashboard apps on one data directory, each with its own registry connection, as two processes would have. */
describe('dashboard processes sharing a data directory', () => {
  const dir = tempDir();
  const registries: RegistryStore[] = [];
  const apps: FastifyInstance[] = [];

  const build = async (webDist: string) => {
    const config = loadConfig({ env: {}, overrides: { dataDir: dir, logLevel: 'silent' } });
    const registry = await openRegistryStore({ dataDir: dir });
    registries.push(registry);
    const app = await buildApp({
      config, log: createLogger('silent'), metrics: createMetrics(), clock: systemClock, registry,
      directory: new DeviceDirectory(registry), readings: new RecentReadings('http://127.0.0.1:9', config.influx), webDist,
      usage: new UsageQueries(influxClient('http://127.0.0.1:9', config.influx), config.influx.database), usageStore: registry.usage,
    });
    apps.push(app);
    return app;
  };

  let one: FastifyInstance;
  let two: FastifyInstance;
  const dist = path.join(dir, 'dist');

  beforeAll(async () => {
    mkdirSync(dist);
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>EduFleet</title><div id="app"></div>');
    one = await build(dist);
    two = await build(path.join(dir, 'not-built'));
    await registries[0]!.addUser({ username: 'planner', password: PASSWORD, role: 'planner' });
  });

  afterAll(async () => {
    for (const a of apps) await a.close();
    for (const r of registries) await r.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts in one process a session cookie issued by the other', async () => {
    const login = await one.inject({ method: 'POST', url: '/api/login', headers: { origin: 'http://localhost:80' }, payload: { username: 'planner', password: PASSWORD } });
    expect(login.statusCode).toBe(200);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const me = await two.inject({ method: 'GET', url: '/api/me', headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ username: 'planner', role: 'planner' });
    await two.inject({ method: 'POST', url: '/api/logout', headers: { cookie, origin: 'http://localhost:80' } });
    expect((await one.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('keeps the generated session secret in the data directory, readable by its owner only', () => {
    expect(statSync(path.join(dir, SESSION_SECRET_FILE)).mode & 0o777).toBe(0o600);
  });

  it('answers client-side routes with the app shell and unknown API paths with a JSON 404', async () => {
    const page = await one.inject({ method: 'GET', url: '/devices/tablet-01' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<div id="app">');
    const api = await one.inject({ method: 'GET', url: '/api/khong-co' });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ code: 'EDUFLEET_ERR_ROUTE_NOT_FOUND' });
  });

  it('names npm run setup when the web app is not built', async () => {
    const res = await two.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run setup');
  });
});
