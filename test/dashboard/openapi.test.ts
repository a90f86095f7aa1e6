/**
 * The OpenAPI document (GET /api/openapi.json, generated from api/'s TypeBox schemas) against the real server: it is a
 * valid OpenAPI 3.1 document, it describes every /api/ route the server registers, every answer a route gives on a
 * seeded stack fits it, and its viewer (/api/docs) loads under the dashboard's CSP.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTE_KEYS } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { systemClock } from '../../lib/clock.js';
import type { Device } from '../../registry/index.js';
import { responseChecker, type OpenApiDoc } from '../helpers/openapi-check.js';
import { registeredRoutes } from '../helpers/registered-routes.js';
import { seedSchool, useTestStack } from '../helpers/stack.js';
import { useChromium } from './browser.js';
import { ApiClient } from './client.js';
import { RouteWalker, walkAlerts, walkCommands, walkRecords, walkUsage, WEBHOOK_TARGET } from './openapi-walk.js';
import { buildDashboard } from './security-helpers.js';

const PASSWORD = 'mật-khẩu-đủ-dài';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
/** The viewer's own page and files: a plugin's, not the API (hidden from the document). */
const VIEWER = /^\/api\/docs(\/|$)/;

type Operation = { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>; 'x-edufleet-access'?: string; security?: unknown[] };

/** Every operation of the document as `METHOD /pattern` (Fastify's `:param` spelling). */
function operations(doc: OpenApiDoc): Map<string, Operation> {
  const out = new Map<string, Operation>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) if (item[m]) out.set(`${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`, item[m] as Operation);
  }
  return out;
}

describe('the OpenAPI document', () => {
  const s = useTestStack({ dashboard: startDashboard, overrides: { alerts: { webhookAllowedTargets: [WEBHOOK_TARGET] } } });
  const chromium = useChromium();
  let doc: OpenApiDoc & Record<string, unknown>;
  let registered: string[];
  let admin: ApiClient;
  let walker: RouteWalker;
  let seeded: Awaited<ReturnType<typeof seedSchool>>;
  let sensor: Device;

  beforeAll(async () => {
    seeded = await seedSchool(s.registry);
    sensor = (await s.registry.addDevice({ kind: 'sensor', roomId: seeded.room.id, id: 'sensor-openapi', name: 'Cảm biến phòng học' })).device;
    await s.registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    await s.directory.refresh();
    const anonymous = new ApiClient(s.dashboard!.url);
    doc = await anonymous.get('/api/openapi.json');
    // The routes as buildApp registers them: a second app on the same registry, never listening.
    const app = await buildDashboard(s.registry, systemClock, { dataDir: s.dir });
    await app.ready();
    registered = registeredRoutes(app).filter((r) => r.split(' ')[1]!.startsWith('/api/') && !VIEWER.test(r.split(' ')[1]!));
    await app.close();
    admin = new ApiClient(s.dashboard!.url);
    walker = new RouteWalker(admin, responseChecker(doc));
    await walker.ok('POST /api/login', { body: { username: 'admin', password: PASSWORD } });
  });

  afterAll(async () => {
    await admin?.request('POST', '/api/logout');
  });

  it('is served to anyone and passes an OpenAPI 3.1 validator', async () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'EduFleet API', version: expect.any(String) });
    const result = await new Validator().validate(doc);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 1)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes every /api/ route the server registers, each in the route map with a 2xx answer schema', () => {
    const ops = operations(doc);
    expect(registered.length).toBeGreaterThan(100);
    expect(registered.filter((r) => !ops.has(r)), 'registered but not in the document').toEqual([]);
    expect(registered.filter((r) => !(API_ROUTE_KEYS as string[]).includes(r)), 'registered but not in api/routes.ts API_ROUTES').toEqual([]);
    const without2xx = [...ops].filter(([, op]) => !Object.entries(op.responses ?? {}).some(([status, r]) => /^2/.test(status) && r.content)).map(([k]) => k);
    expect(without2xx, 'operations without a 2xx answer schema').toEqual([]);
    // Only the API: no /healthz, /metrics, Socket.IO or web files.
    expect([...ops.keys()].filter((k) => !k.split(' ')[1]!.startsWith('/api/'))).toEqual([]);
  });

  it('says who may call each operation, as the server enforces it', () => {
    const ops = operations(doc);
    expect(ops.get('GET /api/openapi.json')).toMatchObject({ 'x-edufleet-access': 'public', security: [] });
    expect(ops.get('GET /api/devices')).toMatchObject({ 'x-edufleet-access': 'user', security: [{ session: [] }, { apiToken: [] }] });
    expect(ops.get('POST /api/tokens')).toMatchObject({ 'x-edufleet-access': 'tokens.manage', security: [{ session: [] }] });
    expect((ops.get('POST /api/alerts/:id/ack') as { description?: string }).description).toMatch(/alerts\.act \(roles: admin, technician\)/);
    expect([...ops].filter(([, op]) => !op['x-edufleet-access']).map(([k]) => k)).toEqual([]);
  });

  it('matches every answer of every route, called on a seeded stack', async () => {
    await walkRecords(walker, seeded, PASSWORD);
    await walkUsage(walker, seeded);
    await walkAlerts(walker, s.registry, seeded, sensor);
    await walkCommands(walker, seeded, sensor);
    // The others' routes of issue 22 (the wall, the monthly feed, integration accounts): called as the document has them.
    const ops = operations(doc);
    for (const key of ['GET /api/wall', 'GET /api/feed/v1/monthly', 'GET /api/feed/v1/monthly.csv', 'GET /api/integrations'].filter((k) => ops.has(k))) await walker.call(key);
    if (ops.has('POST /api/integrations')) {
      const made = await walker.call<{ account?: { name: string } }>('POST /api/integrations', { body: { name: 'ioc-openapi', readPatterns: ['ioc/#'], writePatterns: [] } });
      await walker.call('POST /api/integrations/:name/revoke', { params: { name: made.body.account?.name ?? 'ioc-openapi' } });
    }
    await walker.ok('POST /api/logout');
    const uncalled = [...ops.keys()].filter((k) => !walker.called.has(k));
    expect(uncalled, 'operations the walk never called').toEqual([]);
    expect(walker.mismatches, walker.mismatches.join('\n')).toEqual([]);
  }, 120_000);

  it('serves a viewer whose page and files load under the dashboard\'s CSP', async () => {
    const html = await fetch(`${s.dashboard!.url}/api/docs`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
    const page: Page = await chromium.page();
    const violations: string[] = [];
    page.on('console', (m) => { if (/Content[- ]Security[- ]Policy|Refused to/i.test(m.text())) violations.push(m.text()); });
    await page.goto(`${s.dashboard!.url}/api/docs`);
    // The viewer fetched the document and drew its operations.
    await page.locator('.opblock-summary-path', { hasText: '/api/devices' }).first().waitFor();
    expect(violations).toEqual([]);
  }, 60_000);
});
