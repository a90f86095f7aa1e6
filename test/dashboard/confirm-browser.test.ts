/**
 * The confirmation dialog (dashboard/web/src/ui/confirm.tsx) in a real browser, on two of the actions that use it:
 * a technician revokes a device's MQTT credentials from its page, an admin retires a room from the tree. The dialog
 * asks in Vietnamese; Cancel (or Escape) leaves everything as it was; Đồng ý does it, and the page shows the new state
 * without a reload.
 */
import { rmSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRecord, TreeResponse } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { refusalCode, seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { ApiClient } from './client.js';
import { ensureWebBuilt, launchChromium, logIn } from './browser.js';

const TECH_PASSWORD = 'kỹ-thuật-viên-2025';
const ADMIN_PASSWORD = 'quản-trị-viên-2025';
const DEVICE_NAME = 'Bảng tương tác phòng 1';

describe('the confirmation dialog in a browser', () => {
  let s: TestStack;
  let context: BrowserContext | undefined;
  let profile = '';
  let page: Page;
  let place: Awaited<ReturnType<typeof seedSchool>>;

  beforeAll(async () => {
    ensureWebBuilt();
    ({ context, profile } = await launchChromium());
    s = await startTestStack({ dashboard: startDashboard });
    place = await seedSchool(s.registry);
    await s.registry.addUser({ username: 'ktv', password: TECH_PASSWORD, role: 'technician', displayName: 'Kỹ thuật viên', scope: { schoolIds: [place.school.id] } });
    await s.registry.addUser({ username: 'quantri', password: ADMIN_PASSWORD, role: 'admin', displayName: 'Quản trị Sở' });
    page = context.pages()[0] ?? (await context.newPage());
    // The app must use its own dialog: a window.confirm left in would fail the test rather than be answered.
    page.on('dialog', (d) => { throw new Error(`unexpected browser dialog: ${d.message()}`); });
  });

  afterAll(async () => {
    await context?.close();
    await s?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const api = async (username: string, password: string) => {
    const c = new ApiClient(s.dashboard!.url);
    await c.login(username, password);
    return c;
  };
  /** The open one: every component that may ask renders its own (closed) dialog. */
  const dialog = () => page.locator('dialog[open][data-testid="confirm-dialog"]');
  /** Set before acting and read after: a reload would lose it. */
  const markPage = () => page.evaluate(() => { (window as unknown as { __sameDocument?: boolean }).__sameDocument = true; });
  const samePage = () => page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument === true);

  it('asks before revoking a device: Cancel and Escape change nothing, Đồng ý revokes it and the page shows it', async () => {
    const { device, secret } = await s.registry.addDevice({ kind: 'board', roomId: place.room.id, name: DEVICE_NAME });
    const tech = await api('ktv', TECH_PASSWORD);
    const record = () => tech.get<DeviceRecord>(`/api/devices/${encodeURIComponent(device.id)}/record`);
    expect((await record()).hasCredentials).toBe(true);

    await logIn(page, s.dashboard!.url, 'ktv', TECH_PASSWORD);
    await page.goto(`${s.dashboard!.url}/devices/${encodeURIComponent(device.id)}`);
    const section = page.getByTestId('record-section');
    await page.locator('[data-testid="record-section"][data-credentials="true"]').waitFor();
    await markPage();

    await page.getByTestId('record-revoke').click();
    await dialog().waitFor();
    expect(await dialog().locator('h3').innerText()).toBe('Xác nhận');
    expect(await dialog().getByTestId('confirm-question').innerText()).toBe(`Thu hồi khoá MQTT của “${DEVICE_NAME}”? Thiết bị sẽ bị ngắt kết nối ngay.`);
    expect(await dialog().getByTestId('confirm-ok').innerText()).toBe('Đồng ý');
    expect(await dialog().getByTestId('confirm-cancel').innerText()).toBe('Huỷ');

    await dialog().getByTestId('confirm-cancel').click();
    await dialog().waitFor({ state: 'hidden' });
    expect((await record()).hasCredentials).toBe(true);
    expect(await refusalCode(s.mqttUrl, device.id, device.id, secret!)).toBe('accepted');

    await page.getByTestId('record-revoke').click();
    await dialog().waitFor();
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'hidden' });
    expect((await record()).hasCredentials).toBe(true);
    expect(await section.getAttribute('data-credentials')).toBe('true');

    await page.getByTestId('record-revoke').click();
    await dialog().getByTestId('confirm-ok').click();
    await dialog().waitFor({ state: 'hidden' });
    await page.getByTestId('record-notice').filter({ hasText: 'Đã thu hồi khoá.' }).waitFor();
    await page.locator('[data-testid="record-section"][data-credentials="false"]').waitFor();
    expect(await page.getByTestId('record-value-credentials').innerText()).toMatch(/^Đã thu hồi lúc /);
    expect(await page.getByTestId('record-revoke').count()).toBe(0);
    expect(await samePage()).toBe(true);

    const after = await record();
    expect(after.hasCredentials).toBe(false);
    expect(after.revokedAt).not.toBeNull();
    expect(await refusalCode(s.mqttUrl, device.id, device.id, secret!)).not.toBe('accepted');
  });

  it('asks before retiring a room: Cancel changes nothing, Đồng ý retires it and the tree shows it', async () => {
    const room = await s.registry.ensureRoom({ siteId: place.site.id, code: 'P.102', name: 'Phòng Tin học 2', type: 'computer_room', capacity: 35 });
    const admin = await api('quantri', ADMIN_PASSWORD);
    const roomInTree = async () => (await admin.get<TreeResponse>('/api/hierarchy/tree?includeRetired=true')).rooms.find((r) => r.id === room.id);
    expect((await roomInTree())?.retired).toBe(false);

    await page.getByTestId('logout').click();
    await page.getByTestId('login-username').waitFor();
    await logIn(page, s.dashboard!.url, 'quantri', ADMIN_PASSWORD);
    await page.goto(`${s.dashboard!.url}/tree?room=${room.id}&retired=1`);
    await page.getByTestId('place-title').filter({ hasText: 'Phòng Tin học 2' }).waitFor();
    await markPage();

    await page.getByTestId('place-retire').click();
    await dialog().waitFor();
    expect(await dialog().locator('h3').innerText()).toBe('Xác nhận');
    expect(await dialog().getByTestId('confirm-question').innerText()).toBe('Ngừng sử dụng “Phòng Tin học 2”? Mục này sẽ bị ẩn khỏi cây (có thể khôi phục sau).');
    await dialog().getByTestId('confirm-cancel').click();
    await dialog().waitFor({ state: 'hidden' });
    expect((await roomInTree())?.retired).toBe(false);
    expect(await page.getByTestId('place-retired').count()).toBe(0);

    await page.getByTestId('place-retire').click();
    await dialog().getByTestId('confirm-ok').click();
    await dialog().waitFor({ state: 'hidden' });
    await page.getByTestId('place-retired').waitFor();
    await page.getByTestId('place-restore').waitFor();
    expect(await page.getByTestId('place-retire').count()).toBe(0);
    expect(await samePage()).toBe(true);
    expect((await roomInTree())?.retired).toBe(true);
  });
});
