/**
 * Two dashboards in SEPARATE processes on one PostgreSQL database: an in-process stack, and `edufleet start --only
 * dashboard` as a real child process with its own data directory (as on a second machine), the same cookie secret
 * and the first one's InfluxDB. A login on one is valid on the other, and a user disabled through one is refused on
 * both: nothing of a session lives in a process's memory.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Me, UserRow } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { influxEnv } from '../helpers/influx.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { exited, startDashboardProcess } from '../helpers/process.js';
import { startTestStack, tempDir, type TestStack } from '../helpers/stack.js';
import { ApiClient } from './client.js';

const PASSWORD = 'mật-khẩu-đủ-dài';
const SESSION_SECRET = 'bí-mật-ký-cookie-chung-của-hai-máy-0123456789';

describe('two dashboard processes on one PostgreSQL', () => {
  const dir = tempDir('edufleet-shared-login-');
  let pg: TestPostgres;
  let one: TestStack;
  let two: { child: ChildProcess; url: string } | undefined;

  beforeAll(async () => {
    pg = await startPostgres();
    const url = await pg.createDatabase();
    one = await startTestStack({ dashboard: startDashboard, overrides: { registry: { url }, dashboard: { sessionSecret: SESSION_SECRET } } });
    two = await startDashboardProcess({
      EDUFLEET_REGISTRY_URL: url, EDUFLEET_DASHBOARD_SESSION_SECRET: SESSION_SECRET, ...influxEnv(one),
      EDUFLEET_DATA_DIR: dir, EDUFLEET_DASHBOARD_HOST: '127.0.0.1', EDUFLEET_DASHBOARD_PORT: '0', EDUFLEET_LOG_LEVEL: 'warn',
      // The login limits are shared through the registry: this file's many logins are set-up, not guessing.
      EDUFLEET_DASHBOARD_LOGINS_PER_ADDRESS_PER_MIN: '10000', EDUFLEET_DASHBOARD_LOGINS_PER_USER_PER_MIN: '10000',
    });
    await one.registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    await one.registry.addUser({ username: 'kh.sapa', password: PASSWORD, role: 'planner', displayName: 'Kế hoạch Sa Pa' });
  });
  afterAll(async () => {
    if (two) {
      two.child.kill('SIGTERM');
      await exited(two.child);
    }
    await one?.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts on each dashboard the session made by logging in on the other', async () => {
    const [a, b] = [one.dashboard!.url, two!.url];
    expect(a).not.toBe(b);
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const onFrom = new ApiClient(from);
      await onFrom.login('kh.sapa', PASSWORD);
      const onTo = new ApiClient(to);
      onTo.cookie = onFrom.cookie;
      expect(await onTo.get<Me>('/api/me'), `${from} → ${to}`).toMatchObject({ username: 'kh.sapa', role: 'planner', displayName: 'Kế hoạch Sa Pa' });
    }
  });

  it('refuses on both dashboards a user disabled through the other process', async () => {
    const sessions = [new ApiClient(one.dashboard!.url), new ApiClient(two!.url)];
    for (const c of sessions) await c.login('kh.sapa', PASSWORD);
    const carried = new ApiClient(two!.url);
    carried.cookie = sessions[0]!.cookie;
    for (const c of [...sessions, carried]) expect((await c.request('GET', '/api/me')).status, c.base).toBe(200);

    const admin = new ApiClient(two!.url);
    await admin.login('admin', PASSWORD);
    const user = (await admin.get<UserRow[]>('/api/users')).find((u) => u.username === 'kh.sapa')!;
    expect((await admin.request('PATCH', `/api/users/${user.id}`, { disabled: true })).status).toBe(200);

    for (const c of [...sessions, carried]) expect((await c.request('GET', '/api/me')).status, c.base).toBe(401);
    for (const base of [one.dashboard!.url, two!.url]) {
      expect((await new ApiClient(base).request('POST', '/api/login', { username: 'kh.sapa', password: PASSWORD })).status, base).toBe(401);
    }
  });
});
