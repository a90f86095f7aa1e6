/**
 * Two dashboard processes, as on two machines, on one PostgreSQL database: they share the registry and the login
 * sessions (and the configured cookie secret, as two machines would), so a login on one is valid on the other and a
 * user disabled on one is logged out on both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Me, UserRow } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { influxOptions } from '../helpers/influx.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { ApiClient } from './client.js';

const PASSWORD = 'mật-khẩu-đủ-dài';
const SESSION_SECRET = 'bí-mật-ký-cookie-chung-của-hai-máy-0123456789';

describe('two dashboards on one PostgreSQL', () => {
  let pg: TestPostgres;
  let one: TestStack;
  let two: TestStack;

  beforeAll(async () => {
    pg = await startPostgres();
    const url = await pg.createDatabase();
    one = await startTestStack({ dashboard: startDashboard, overrides: { registry: { url }, dashboard: { sessionSecret: SESSION_SECRET } } });
    // The second machine runs the dashboard only, with its own data directory, on the first one's InfluxDB.
    two = await startTestStack({
      only: ['dashboard'], dashboard: startDashboard,
      overrides: { registry: { url }, influx: influxOptions(one), dashboard: { sessionSecret: SESSION_SECRET } },
    });
    await one.registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    await two.registry.addUser({ username: 'kh.sapa', password: PASSWORD, role: 'planner', displayName: 'Kế hoạch Sa Pa' });
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
    await pg?.stop();
  });

  it('accepts on one dashboard the session made by logging in on the other, and a logout on either ends it', async () => {
    expect(one.dashboard!.url).not.toBe(two.dashboard!.url);
    const onOne = new ApiClient(one.dashboard!.url);
    await onOne.login('kh.sapa', PASSWORD);
    const onTwo = new ApiClient(two.dashboard!.url);
    onTwo.cookie = onOne.cookie;
    expect(await onTwo.get<Me>('/api/me')).toMatchObject({ username: 'kh.sapa', role: 'planner', displayName: 'Kế hoạch Sa Pa' });
    expect((await onTwo.request('POST', '/api/logout')).status).toBe(200);
    expect((await onOne.request('GET', '/api/me')).status).toBe(401);
  });

  it('logs a user disabled through one dashboard out of both', async () => {
    const sessions = [new ApiClient(one.dashboard!.url), new ApiClient(two.dashboard!.url)];
    for (const c of sessions) await c.login('kh.sapa', PASSWORD);
    // The session made on the first, carried to the second.
    const carried = new ApiClient(two.dashboard!.url);
    carried.cookie = sessions[0]!.cookie;
    for (const c of [...sessions, carried]) expect((await c.request('GET', '/api/me')).status).toBe(200);

    const admin = new ApiClient(one.dashboard!.url);
    await admin.login('admin', PASSWORD);
    const user = (await admin.get<UserRow[]>('/api/users')).find((u) => u.username === 'kh.sapa')!;
    expect((await admin.request('PATCH', `/api/users/${user.id}`, { disabled: true })).status).toBe(200);

    for (const c of [...sessions, carried]) expect((await c.request('GET', '/api/me')).status, c.base).toBe(401);
    expect((await new ApiClient(two.dashboard!.url).request('POST', '/api/login', { username: 'kh.sapa', password: PASSWORD })).status).toBe(401);
  });
});
