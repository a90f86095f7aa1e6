/**
 * No webhook reaches into the server's own network, on a real stack (its managed InfluxDB, registry and dashboard):
 * loopback (IPv4 and IPv6), the metadata address, a private address, names that resolve to loopback (the system
 * resolver's `localhost`, and a name a resolver the test controls points there) and the stack's own InfluxDB with a
 * DROP DATABASE in its URL are refused when saved; recipients saved before (or while a name resolved elsewhere) are
 * refused when sent, logged as "refused: private address" and nothing more; a receiver's redirect to loopback is not
 * followed. Listeners the test holds on loopback count every connection: none arrives, and no test traffic goes to
 * 10.x or 169.254.x (the refusal comes before any connection). The InfluxDB's readings are counted before and after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationDispatcher } from '../../alerts/notify/index.js';
import type { ApiErrorBody, NotificationAttemptView } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { createLogger } from '../../lib/logger.js';
import { systemLookup, type Lookup } from '../../lib/net-guard.js';
import { freePort } from '../../lib/net.js';
import { ApiClient } from '../dashboard/client.js';
import { seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { alertEvent, startReceiver, type Receiver } from './webhook-receiver.js';

const PASSWORD = 'mạng-nội-bộ-2026';
const POINTS = 20;
const REFUSED = 'refused: private address';

describe('webhooks into the server\'s own network', () => {
  let s: TestStack;
  let trap: Receiver;
  let trap6: Receiver;
  let redirector: Receiver;
  let redirectPort: number;
  let tech: ApiClient;
  let place: Awaited<ReturnType<typeof seedSchool>>;
  /** What the test's resolver answers, changed between saving and sending; other names (localhost) go to the system's. */
  const names = new Map<string, string>();
  const lookup: Lookup = async (host) => {
    const address = names.get(host);
    return address ? [{ address, family: address.includes(':') ? 6 : 4 }] : systemLookup(host);
  };

  const readings = async () => (await s.influx.query<{ count: number }>('SELECT count("battery") FROM "webhook_probe"'))[0]?.count ?? 0;
  const dropUrl = (host: string) => `http://${host}:${new URL(s.influxUrl).port}/query?q=DROP+DATABASE+${s.config.influx.database}`;
  const connections = () => trap.connections + trap6.connections;

  beforeAll(async () => {
    trap = await startReceiver();
    trap6 = await startReceiver(undefined, { host: '::1' });
    redirectPort = await freePort();
    redirector = await startReceiver(() => ({ status: 302, headers: { location: `${trap.url}/followed` } }), { port: redirectPort });
    s = await startTestStack({
      only: ['dashboard'],
      // Only the redirecting receiver is an allowed internal target: what it redirects to is not.
      overrides: { alerts: { webhookAllowedTargets: [`127.0.0.1:${redirectPort}`] } },
      dashboard: (parts) => startDashboard({ ...parts, webhookLookup: lookup }),
    });
    place = await seedSchool(s.registry);
    await s.registry.addUser({ username: 'ktv', password: PASSWORD, role: 'technician', scope: { schoolIds: [place.school.id], districtIds: [] } });
    tech = new ApiClient(s.dashboard!.url);
    await tech.login('ktv', PASSWORD);
    await s.influx.createDatabase(s.config.influx.database);
    const t0 = Date.now() - 60_000;
    await s.influx.writePoints(Array.from({ length: POINTS }, (_, i) => ({ measurement: 'webhook_probe', tags: { device: 'tab-1' }, fields: { battery: i }, timestamp: t0 + i })), { precision: 'ms' });
    expect(await readings()).toBe(POINTS);
  });
  afterAll(async () => {
    await s?.close();
    for (const r of [trap, trap6, redirector]) await r?.close();
  });

  const save = (address: string) => tech.request('POST', '/api/notifications/recipients', {
    schoolId: place.school.id, districtId: null, minSeverity: 'warning', channel: 'webhook', address, language: 'vi', digest: false,
  });

  it('refuses at save a webhook to loopback, ::1, the metadata address, 10.x, a name resolving to loopback and the InfluxDB, in Vietnamese and English', async () => {
    names.set('hooks-noi-bo.truong.vn', '127.0.0.1');
    names.set('influx-noi-bo.truong.vn', '::ffff:127.0.0.1');
    const urls = [`${trap.url}/edufleet`, `${trap6.url}/edufleet`, 'http://169.254.169.254/latest/meta-data/iam/security-credentials/', 'http://10.0.0.1/',
      `http://localhost:${trap.port}/`, `http://hooks-noi-bo.truong.vn:${trap.port}/`, dropUrl('127.0.0.1'), dropUrl('influx-noi-bo.truong.vn'),
      `http://[::ffff:127.0.0.1]:${trap.port}/`, `http://127.1:${trap.port}/`, `gopher://127.0.0.1:${trap.port}/`];
    for (const url of urls) {
      const res = await save(url);
      expect(res.status, url).toBe(400);
      const body = res.body as ApiErrorBody;
      expect(body.code, url).toBe('EDUFLEET_ERR_NOTIFY_WEBHOOK_TARGET');
      expect(body.message).toMatch(/Địa chỉ webhook .* \/ A webhook address|Địa chỉ webhook .* \/ The webhook address/);
    }
    expect(await s.registry.recipients()).toEqual([]);
    expect(connections()).toBe(0);
    expect(await readings()).toBe(POINTS);
  });

  it('refuses at send the webhooks whose target is inside now, logging only "refused: private address", and connects to none', async () => {
    // Saved while the names resolved to a public address (never contacted: the resolver moves them before the send).
    names.set('hooks.truong.vn', '14.225.10.20');
    names.set('influx.truong.vn', '14.225.10.21');
    for (const url of [`http://hooks.truong.vn:${trap.port}/edufleet`, dropUrl('influx.truong.vn')]) expect((await save(url)).status, url).toBe(201);
    // Saved before this check existed, straight into the registry.
    for (const url of [`${trap.url}/edufleet`, `${trap6.url}/edufleet`, 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/hook', dropUrl('127.0.0.1')]) {
      await s.registry.addRecipient({ schoolId: place.school.id, districtId: null, minSeverity: 'warning', channel: 'webhook', address: url, secret: 'khoá', language: 'vi', digest: false, createdBy: 'admin' }, Date.now());
    }
    names.set('hooks.truong.vn', '127.0.0.1');
    names.set('influx.truong.vn', '::1');
    const hooks = await s.registry.recipients();
    expect(hooks).toHaveLength(7);
    const now = Date.now();
    const event = JSON.stringify(alertEvent(1, { schoolId: place.school.id, schoolName: place.school.name, roomId: place.room.id, districtId: place.district.id }, now));
    await s.registry.enqueueNotifications(hooks.map((r) => ({ recipientId: r.id, schoolId: place.school.id, event, at: now, dueAt: now })));
    const dispatcher = new NotificationDispatcher({ config: s.config, registry: s.registry, log: createLogger('silent'), clock: { now: () => Date.now() }, lookup });
    try {
      expect(await dispatcher.dispatchDue()).toBe(0);
    } finally {
      await dispatcher.stop();
    }
    const log = await tech.get<NotificationAttemptView[]>('/api/notifications/attempts');
    expect(log).toHaveLength(7);
    for (const a of log) expect(a).toMatchObject({ ok: false, status: null, error: REFUSED });
    expect(connections()).toBe(0);
    expect(await readings()).toBe(POINTS);
    expect((await s.influx.getDatabaseNames())).toContain(s.config.influx.database);
  });

  it('does not follow a receiver\'s redirect to loopback: the delivery fails as "redirect not followed"', async () => {
    const before = await s.registry.recipients();
    for (const r of before) await s.registry.removeRecipient(r.id, Date.now());
    const res = await save(`http://127.0.0.1:${redirectPort}/edufleet`);
    expect(res.status).toBe(201);
    const now = Date.now();
    const id = (res.body as { id: number }).id;
    const event = JSON.stringify(alertEvent(2, { schoolId: place.school.id, schoolName: place.school.name, roomId: place.room.id, districtId: place.district.id }, now));
    await s.registry.enqueueNotifications([{ recipientId: id, schoolId: place.school.id, event, at: now, dueAt: now }]);
    const dispatcher = new NotificationDispatcher({ config: s.config, registry: s.registry, log: createLogger('silent'), clock: { now: () => Date.now() }, lookup });
    try {
      expect(await dispatcher.dispatchDue()).toBe(0);
    } finally {
      await dispatcher.stop();
    }
    expect(redirector.requests).toHaveLength(1);
    const [a] = await tech.get<NotificationAttemptView[]>(`/api/notifications/attempts?recipientId=${id}`);
    expect(a).toMatchObject({ ok: false, status: 302, error: 'redirect not followed' });
    expect(connections()).toBe(0);
    expect(await readings()).toBe(POINTS);
  });
});
