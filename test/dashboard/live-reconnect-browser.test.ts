/**
 * The web app's live connection outlives its dashboard (issue 20): a `--only dashboard` process on PostgreSQL and
 * Redis, with a broker+gateway node beside it, is stopped and started again on the same address, as a restart or a
 * failover behind HAProxy does. The open page says it lost the live connection while the dashboard is away, comes
 * back by itself, catches up what changed meanwhile and shows the next readings, with no reload. A session that ended
 * while the page was open sends the user to the login page instead of retrying for ever.
 */
import { rmSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRow } from '../../api/index.js';
import { freePort } from '../../lib/net.js';
import { topics } from '../../protocol/index.js';
import { influxEnv } from '../helpers/influx.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { exited, startDashboardProcess } from '../helpers/process.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { connectDevice, seedSchool, startTestStack, tempDir, type TestStack } from '../helpers/stack.js';
import { logIn, useChromium } from './browser.js';
import { ApiClient } from './client.js';

const PASSWORD = 'kỹ-thuật-viên-2025';
const LOST = 'Mất kết nối trực tiếp — đang kết nối lại…';
/** A test that restarts the dashboard process: generous on a loaded machine (each wait below has its own bound). */
const RESTART_TEST_MS = 120_000;

describe('the live connection of an open page across a dashboard restart', () => {
  const dir = tempDir('edufleet-live-reconnect-');
  const browser = useChromium();
  let pg: TestPostgres;
  let redis: TestRedis;
  let node: TestStack;
  let dash: Awaited<ReturnType<typeof startDashboardProcess>> | undefined;
  let env: Record<string, string>;
  let page: Page;
  let device: MqttClient;
  let deviceId: string;

  const status = () => page.getByTestId('conn-status');
  const live = () => page.locator('[data-testid="conn-status"][data-state="live"]');
  const field = (value: number) => page.getByTestId('field-storageFree').filter({ hasText: value.toLocaleString('vi-VN') });
  const publish = (storageFree: number) => device.publishAsync(topics.telemetry(deviceId), JSON.stringify({ ts: Date.now(), storageFree }), { qos: 1 });
  const stopDashboard = async (signal: NodeJS.Signals) => {
    dash!.child.kill(signal);
    await exited(dash!.child);
  };

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    const registry = { url: await pg.createDatabase() };
    node = await startTestStack({ only: ['broker', 'gateway'], overrides: { registry, redis: { url: redis.url }, node: { name: 'node-a' } } });
    const { room, school } = await seedSchool(node.registry);
    const added = await node.registry.addDevice({ kind: 'tablet', roomId: room.id, name: 'Máy tính bảng 09' });
    deviceId = added.device.id;
    await node.registry.addUser({ username: 'ktv', password: PASSWORD, role: 'technician', scope: { schoolIds: [school.id] } });
    await node.registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    await node.directory.refresh();
    device = await connectDevice(node.mqttUrl, deviceId, added.secret!);
    // A fixed port and data directory: the restarted dashboard is the same address, as HAProxy's server line is.
    env = {
      EDUFLEET_REGISTRY_URL: registry.url, EDUFLEET_REDIS_URL: redis.url, EDUFLEET_NODE_NAME: 'dash-1', ...influxEnv(node),
      EDUFLEET_DATA_DIR: dir, EDUFLEET_DASHBOARD_HOST: '127.0.0.1', EDUFLEET_DASHBOARD_PORT: String(await freePort()),
      EDUFLEET_LOG_LEVEL: 'warn', EDUFLEET_DASHBOARD_LOGINS_PER_ADDRESS_PER_MIN: '10000', EDUFLEET_DASHBOARD_LOGINS_PER_USER_PER_MIN: '10000',
    };
    dash = await startDashboardProcess(env);
    page = await browser.page();
    await logIn(page, dash.url, 'ktv', PASSWORD);
    await page.goto(`${dash.url}/devices/${deviceId}`);
    await live().waitFor();
    // Gone after a reload: proves the page below was never reloaded.
    await page.evaluate(() => { (window as unknown as { sameDocument: boolean }).sameDocument = true; });
  }, 120_000);

  afterAll(async () => {
    await device?.endAsync();
    if (dash && dash.child.exitCode === null && dash.child.signalCode === null) await stopDashboard('SIGTERM');
    await node?.close();
    await Promise.all([redis?.close(), pg?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const sameDocument = () => page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument === true);

  it('shows the indicator while a stopped dashboard is away, then resumes live readings by itself, the missed one included', async () => {
    await publish(9_000_001);
    await field(9_000_001).waitFor();

    // A clean stop ends every socket from the server side (`io server disconnect`), which socket.io does not retry.
    await stopDashboard('SIGTERM');
    await status().filter({ hasText: LOST }).waitFor();
    expect(await status().getAttribute('data-state')).toBe('reconnecting');
    await publish(9_000_002); // acknowledged by the node while no dashboard runs

    dash = await startDashboardProcess(env);
    await live().waitFor({ timeout: 30_000 });
    await field(9_000_002).waitFor(); // read again once the connection is back
    await publish(9_000_003);
    await field(9_000_003).waitFor(); // pushed again
    expect(await sameDocument()).toBe(true);
  }, RESTART_TEST_MS);

  it('reconnects after a dashboard killed without closing its sockets, the indicator in English on the switch', async () => {
    await page.getByTestId('lang-switch').click();
    await stopDashboard('SIGKILL');
    await status().filter({ hasText: 'Live connection lost — reconnecting…' }).waitFor();
    dash = await startDashboardProcess(env);
    await live().waitFor({ timeout: 30_000 });
    expect(await status().textContent()).toBe('Live');
    await page.getByTestId('lang-switch').click();
    await publish(9_000_004);
    await field(9_000_004).waitFor();
    expect(await sameDocument()).toBe(true);
  }, RESTART_TEST_MS);

  it('sends the user to the login page when the session ended while the page was open, instead of retrying', async () => {
    const refusedRequests: string[] = [];
    page.on('response', (r) => {
      if (r.status() === 401) refusedRequests.push(r.url());
    });
    const admin = new ApiClient(dash!.url);
    await admin.login('admin', PASSWORD);
    const ktv = (await admin.get<UserRow[]>('/api/users')).find((u) => u.username === 'ktv')!;
    // Disabling the user cuts its sockets on this dashboard at once; the reconnect's handshake is then refused.
    expect((await admin.request('PATCH', `/api/users/${ktv.id}`, { disabled: true })).status).toBe(200);
    await page.getByTestId('login-form').waitFor();
    // The live handshake sent the user there, not a REST answer.
    expect(refusedRequests).toEqual([]);
    expect(await sameDocument()).toBe(true);
  });
});
