/**
 * The operations-centre wall in Chromium (issue 22 point 5): an admin creates a wall token on "Mã truy cập API" and is
 * shown the wall's address; opened with that token only (no session), the wall renders the province and one district
 * at a time, readable at 1920×1080, shows a device going offline within seconds, refuses every write made with the
 * token, keeps its figures through a dashboard restart with a "lost connection" marker and recovers without a reload,
 * and says what to do, full screen, once the token is revoked.
 */
import type { MqttClient } from 'mqtt';
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import type { DashboardHandle } from '../../dashboard/server/deps.js';
import { freePort } from '../../lib/net.js';
import { connectDevice, startTestStack, type TestStack } from '../helpers/stack.js';
import { logIn, useChromium } from './browser.js';

const PASSWORD = 'quản-trị-màn-hình';
/** Generous bounds for mechanisms (a 5 s poll, a back-off after a restart) on a loaded machine; nothing is timed. */
const SECONDS = 25_000;

describe('the operations-centre wall in a browser, with only a wall token', () => {
  const chromium = useChromium();
  let s: TestStack;
  let page: Page;
  let url = '';
  let wallUrl = '';
  let token = '';
  let restarted: DashboardHandle | undefined;
  const devices: { id: string; secret: string }[] = [];
  const links = new Map<string, MqttClient>();
  const connect = async (i: number) => links.set(devices[i]!.id, await connectDevice(s.mqttUrl, devices[i]!.id, devices[i]!.secret));
  const figure = (id: string, text: string) => page.getByTestId(id).filter({ hasText: new RegExp(`^${text}$`) });

  beforeAll(async () => {
    // A fixed port: the restarted dashboard answers at the same address, as it would behind the screen's bookmark.
    s = await startTestStack({ only: ['broker', 'gateway', 'dashboard'], dashboard: startDashboard, overrides: { dashboard: { port: await freePort() } } });
    url = s.dashboard!.url;
    const reg = s.registry;
    const roomIds: number[] = [];
    for (const [code, name, school] of [['TP-LAO-CAI', 'Thành phố Lào Cai', 'LC-THPT-A'], ['TX-SA-PA', 'Thị xã Sa Pa', 'SP-THPT-B']] as const) {
      const district = await reg.ensureDistrict({ code, name });
      const sc = await reg.ensureSchool({ code: school, name: `Trường THPT ${name}`, level: 'thpt', districtId: district.id, pupils: 800 });
      const site = await reg.ensureSite({ schoolId: sc.id, name: 'Điểm chính' });
      const room = await reg.ensureRoom({ siteId: site.id, code: 'P.TM1', name: 'Phòng học thông minh 1', type: 'smart_classroom' });
      roomIds.push(room.id);
      const added = await reg.addDevice({ kind: 'tablet', roomId: room.id, name: `Máy tính bảng ${code}` });
      devices.push({ id: added.device.id, secret: added.secret! });
    }
    // Registered and never installed: counted as "never connected".
    await reg.addDevice({ kind: 'tablet', roomId: roomIds[0]!, name: 'Máy tính bảng chưa lắp' });
    await reg.addUser({ username: 'quan-tri', password: PASSWORD, role: 'admin' });
    await s.directory.refresh();
    await connect(0);
    await connect(1);
    page = await chromium.page();
  });
  afterAll(async () => {
    for (const c of links.values()) await c.endAsync();
    await restarted?.stop();
    await s?.close();
  });

  it('creates a wall token on the tokens screen and shows the wall\'s address once', async () => {
    await logIn(page, url, 'quan-tri', PASSWORD);
    await page.getByTestId('nav-tokens').click();
    await page.getByTestId('token-create-open').click();
    await page.getByTestId('token-name').fill('Màn hình tường phòng họp Sở');
    await page.getByTestId('token-kind').selectOption('wall');
    await page.getByTestId('token-wall-hint').waitFor();
    expect(await page.getByTestId('token-role').count()).toBe(0);
    expect(await page.getByTestId('token-write').count()).toBe(0);
    await page.getByTestId('token-submit').click();
    wallUrl = (await page.getByTestId('token-wall-url').textContent())!;
    token = (await page.getByTestId('token-secret-value').textContent())!;
    expect(wallUrl).toBe(`${url}/wall#token=${token}`);
    expect(token).toMatch(/^efk_[A-Za-z0-9_-]{43}$/);
    await page.getByTestId('token-secret-done').click();
    await page.locator('dialog[open] [data-testid="confirm-ok"]').click();
    const row = page.locator('[data-testid^="token-row-"]').filter({ hasText: 'Màn hình tường phòng họp Sở' });
    expect(await row.textContent()).toContain('Màn hình tường');
    expect(await row.textContent()).toContain('Chỉ đọc');
    await page.getByTestId('logout').click();
    await page.context().clearCookies();
  });

  it('renders the province and a district, large and without navigation, sending the token only as a header', async () => {
    const sent: Request[] = [];
    page.on('request', (r) => { sent.push(r); });
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto(`${wallUrl}&rotate=5`);
    await figure('wall-p-connected', '2').waitFor({ timeout: SECONDS });
    expect(await page.getByTestId('wall-p-never').textContent()).toBe('1');
    expect(await page.getByTestId('wall-p-offline').textContent()).toBe('0');
    expect(await page.getByTestId('wall-province').locator('h1').textContent()).toBe('Toàn tỉnh');
    await page.getByTestId('wall-district').waitFor();
    expect(await page.getByTestId('wall-chart').locator('[data-testid^="wall-bar-"]').count()).toBe(2);
    // Nothing this week was analysed: said in words, not as 0 %.
    expect(await page.getByTestId('wall-p-usage-none').textContent()).toBe('Chưa có dữ liệu');
    expect(await page.locator('nav, header.topbar, [data-testid="logout"]').count()).toBe(0);
    // Readable from across the room: the main numbers about 100 px high on a 1920×1080 screen, the labels over 24 px.
    const sizes = await page.evaluate(() => ({
      number: parseFloat(getComputedStyle(document.querySelector('.wall-big')!).fontSize),
      label: parseFloat(getComputedStyle(document.querySelector('.wall-label')!).fontSize),
      // Every tile of both panels on screen, none cut off: the wall cannot be scrolled.
      fits: [...document.querySelectorAll('.wall-tile, .wall-chart')].every((el) => {
        const r = el.getBoundingClientRect();
        return r.bottom <= window.innerHeight && r.right <= window.innerWidth && el.scrollHeight <= el.clientHeight + 1;
      }),
    }));
    expect(sizes.number).toBeGreaterThanOrEqual(80);
    expect(sizes.label).toBeGreaterThanOrEqual(24);
    expect(sizes.fits).toBe(true);
    page.removeAllListeners('request');
    // The page calls the wall's route only, with the token as a header and no cookie; no URL it fetches carries the token
    // (the address's fragment is not part of any HTTP request: RFC 3986 §3.5).
    const api = sent.filter((r) => new URL(r.url()).pathname.startsWith('/api/'));
    expect(api.length).toBeGreaterThan(0);
    for (const r of api) {
      const headers = await r.allHeaders();
      expect([new URL(r.url()).pathname, headers.authorization, headers.cookie]).toEqual(['/api/wall', `Bearer ${token}`, undefined]);
    }
    expect(sent.filter((r) => !r.isNavigationRequest()).some((r) => r.url().includes(token))).toBe(false);
  });

  it('rotates the district panel through the districts by itself', async () => {
    const first = await page.getByTestId('wall-district-name').textContent();
    const other = first === 'Thành phố Lào Cai' ? 'Thị xã Sa Pa' : 'Thành phố Lào Cai';
    await page.getByTestId('wall-district-name').filter({ hasText: other }).waitFor({ timeout: SECONDS });
  });

  it('shows a device going offline within seconds', async () => {
    await links.get(devices[0]!.id)!.endAsync();
    links.delete(devices[0]!.id);
    await figure('wall-p-offline', '1').waitFor({ timeout: SECONDS });
    expect(await page.getByTestId('wall-p-connected').textContent()).toBe('1');
  });

  it('refuses every write made with the wall token, from the wall\'s own page', async () => {
    const statuses = await page.evaluate(async (t) => {
      const out: Record<string, [number, string]> = {};
      for (const [method, path, body] of [['POST', '/api/devices', { kind: 'board', roomId: 1, name: 'Bảng' }], ['PATCH', '/api/devices/x', { notes: 'x' }],
        ['PUT', '/api/schools/1/timetable', { terms: [] }], ['DELETE', '/api/schedules/1'], ['POST', '/api/tokens', { name: 'x', role: 'admin', expiresAt: Date.now() + 86_400_000 }]] as const) {
        const res = await fetch(path, { method, credentials: 'omit', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
        out[`${method} ${path}`] = [res.status, ((await res.json()) as { code: string }).code];
      }
      return out;
    }, token);
    for (const [call, [status, code]] of Object.entries(statuses)) expect([call, status, code]).toEqual([call, 403, 'EDUFLEET_ERR_AUTH_WALL_ONLY']);
  });

  it('keeps its figures through a dashboard restart, says so, and recovers by itself without a reload', async () => {
    await page.evaluate(() => { (window as unknown as { sameDocument: boolean }).sameDocument = true; });
    await s.dashboard!.stop();
    await page.getByTestId('wall-lost').filter({ hasText: 'Mất kết nối – đang thử lại' }).waitFor({ timeout: SECONDS });
    expect(await page.getByTestId('wall-lost').textContent()).toMatch(/số liệu cách đây \d+ giây/);
    expect(await page.getByTestId('wall-p-connected').textContent()).toBe('1');
    // Meanwhile the device comes back; the restarted dashboard (same address) has it online.
    await connect(0);
    restarted = await startDashboard(s);
    await restarted.start();
    expect(restarted.url).toBe(url);
    await page.getByTestId('wall-lost').waitFor({ state: 'detached', timeout: 45_000 });
    await figure('wall-p-connected', '2').waitFor({ timeout: SECONDS });
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
  });

  it('says full screen what to do once the token is revoked', async () => {
    const row = (await s.registry.apiTokens.list()).find((t) => token.startsWith(t.prefix) && t.kind === 'wall')!;
    await s.registry.apiTokens.revoke(row.id, 'quan-tri', Date.now());
    const refused = page.locator('[data-testid="wall-refused"][data-code="EDUFLEET_ERR_AUTH_TOKEN_REVOKED"]');
    await refused.waitFor({ timeout: SECONDS });
    expect(await refused.textContent()).toContain('đã bị thu hồi');
    expect(await refused.textContent()).toContain('Mã truy cập API');
  });
});
