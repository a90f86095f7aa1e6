import { rmSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import { topics } from '../../protocol/index.js';
import { connectDevice, seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { ensureWebBuilt, launchChromium } from './browser.js';

const PASSWORD = 'quản-trị-viên-2025';
const DEVICE_ID = 'tablet-tm1-01';

describe('the dashboard in a browser', () => {
  let s: TestStack;
  let context: BrowserContext | undefined;
  let profile = '';
  let page: Page;
  let secret: string;
  let device: MqttClient | undefined;

  beforeAll(async () => {
    ensureWebBuilt();
    ({ context, profile } = await launchChromium());
    s = await startTestStack({ dashboard: startDashboard });
    const { room } = await seedSchool(s.registry);
    secret = (await s.registry.addDevice({ kind: 'tablet', roomId: room.id, id: DEVICE_ID, name: 'Máy tính bảng 01 – Phòng TM1' })).secret!;
    await s.registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin', displayName: 'Quản trị Sở' });
    await s.directory.refresh();
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await device?.endAsync();
    await context?.close();
    await s?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const text = (testid: string, hasText: string | RegExp) => page.getByTestId(testid).filter({ hasText }).waitFor();

  it('shows the login in Vietnamese and refuses a wrong password', async () => {
    await page.goto(s.dashboard!.url);
    await page.getByRole('heading', { name: 'Đăng nhập' }).waitFor();
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill('không-đúng');
    await page.getByTestId('login-submit').click();
    await text('login-error', 'Sai tên đăng nhập hoặc mật khẩu.');
  });

  it('lets an admin log in and shows the fleet overview in Vietnamese', async () => {
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByRole('heading', { name: 'Tổng quan thiết bị' }).waitFor();
    await text('total-all', '1');
    await text('school-table', 'Trường THPT Chuyên Lào Cai');
    await text('kind-card-tablet', 'Máy tính bảng');
  });

  it('shows a provisioned device come online and its reading appear without reloading', async () => {
    await page.getByTestId('nav-devices').click();
    await page.getByTestId(`device-row-${DEVICE_ID}`).getByRole('link').click();
    await text('device-title', 'Máy tính bảng 01 – Phòng TM1');
    await text('device-state', 'Chưa kết nối');
    await page.evaluate(() => { (window as unknown as { notReloaded: boolean }).notReloaded = true; });

    device = await connectDevice(s.mqttUrl, DEVICE_ID, secret);
    await device.publishAsync(topics.telemetry(DEVICE_ID), JSON.stringify({ battery: 87, charging: false, wifiRssi: -55 }), { qos: 1 });

    await text('device-state', 'Trực tuyến');
    await text('field-battery', /^87\s%$/);
    await text('field-charging', 'Không');
    await page.locator('[data-testid="live-chart"][data-points="1"]').waitFor();
    await device.publishAsync(topics.telemetry(DEVICE_ID), JSON.stringify({ battery: 86 }), { qos: 1 });
    await text('field-battery', /^86\s%$/);
    await page.locator('[data-testid="live-chart"][data-points="2"]').waitFor();
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  });

  it('switches to English on the visible switch and keeps the choice after a reload', async () => {
    await page.getByTestId('lang-switch').click();
    await text('device-state', 'Online');
    await text('field-charging', 'No');
    await page.getByRole('heading', { name: 'Latest readings' }).waitFor();
    await page.getByTestId('nav-overview').click();
    await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
    await text('total-online', '1');
    await page.reload();
    await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
    await text('lang-switch', 'Tiếng Việt');
  });
});
