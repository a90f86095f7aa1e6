/**
 * The edges screen (dashboard/web/src/features/edges) in Chromium: a school's technician sees their site's edge,
 * registered and heard from as the province's own code does it, with its link badge, how far behind it is in words,
 * its backlog and its own health, in Vietnamese and in English, and on a phone-sized screen; the devices behind it
 * say so on the device list and the device page; an admin downloads its bundle and revokes an edge; a command of the
 * province for its site waits for it ("Chờ máy trạm biên").
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startRun } from '../../commands/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { openBundle } from '../../edge/bundle-file.js';
import type { EdgeRow } from '../../registry/index.js';
import { seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { logIn, useChromium } from './browser.js';
import { addEdge, DAY, freshKeys, GIB, hearFrom, HOUR } from './edge-helpers.js';

const PASSWORD = 'kỹ-thuật-viên-biên';

describe('the edges screen in a browser', () => {
  const chromium = useChromium();
  let s: TestStack;
  let page: Page;
  let edge: EdgeRow;
  let other: EdgeRow;
  /** Sensors of the edge's site, and one of another site of the same school (no edge there). */
  const sensors = ['sensor-muong-hum-1', 'sensor-muong-hum-2'];
  const direct = 'sensor-sin-chai-1';

  beforeAll(async () => {
    s = await startTestStack({ only: ['dashboard'], dashboard: startDashboard });
    const r = s.registry;
    const a = await seedSchool(r, 'BX-TH-MUONG-HUM');
    const b = await r.ensureSchool({ code: 'BX-TH-Y-TY', name: 'Trường TH Y Tý', level: 'tieu_hoc', districtId: a.district.id });
    await r.ensureSite({ schoolId: b.id, name: 'Điểm chính' });
    const now = Date.now();
    // Last heard by USB three days and two hours ago, its disk nearly full and its clock four minutes slow.
    edge = await addEdge(r, 'BX-TH-MUONG-HUM', 'Máy trạm Mường Hum', now - 30 * DAY);
    await hearFrom(r, edge, now - 3 * DAY, {
      via: 'file', at: now - 3 * DAY - 2 * HOUR, pendingRecords: 0, oldestPendingAt: null, completeUntil: now - 3 * DAY - 2 * HOUR,
      health: { diskFreeBytes: 2 * GIB, diskTotalBytes: 32 * GIB, spoolBytes: 3 * 1024 * 1024, spoolOldestMs: 5 * 60_000, clockOffsetMs: -240_000 },
    });
    other = await addEdge(r, 'BX-TH-Y-TY', 'Máy trạm Y Tý', now - DAY);
    for (const [i, id] of sensors.entries()) await r.addDevice({ kind: 'sensor', roomId: a.room.id, id, name: `Cảm biến ${i + 1}` });
    const sinChai = await r.ensureSite({ schoolId: a.school.id, name: 'Điểm lẻ Sín Chải' });
    const room = await r.ensureRoom({ siteId: sinChai.id, code: 'P.SC1', name: 'Phòng Sín Chải', type: 'classroom' });
    await r.addDevice({ kind: 'sensor', roomId: room.id, id: direct, name: 'Cảm biến Sín Chải' });
    await r.addUser({ username: 'ktv-muong-hum', password: PASSWORD, role: 'technician', scope: { schoolIds: [a.school.id] } });
    await r.addUser({ username: 'xem-muong-hum', password: PASSWORD, role: 'viewer', scope: { schoolIds: [a.school.id] } });
    await r.addUser({ username: 'quan-tri', password: PASSWORD, role: 'admin' });
    page = await chromium.page();
  });

  afterAll(async () => {
    await s?.close();
  });

  it('shows a technician their school\'s edge with a link badge, how far behind it is in words and its own health', async () => {
    await logIn(page, s.dashboard!.url, 'ktv-muong-hum', PASSWORD);
    await page.getByTestId('nav-edges').filter({ hasText: 'Máy trạm biên' }).click();
    await page.getByRole('heading', { name: 'Máy trạm biên' }).waitFor();
    await page.getByTestId(`edge-link-${edge.id}`).filter({ hasText: 'Mất kết nối' }).waitFor();
    expect(await page.getByTestId(`edge-row-${edge.id}`).textContent()).toContain('Trường THPT Chuyên Lào Cai');
    expect(await page.getByTestId(`edge-lag-${edge.id}`).textContent()).toBe('chậm 3 ngày');
    expect(await page.getByTestId(`edge-contact-${edge.id}`).textContent()).toContain('qua USB');
    expect(await page.getByTestId(`edge-backlog-${edge.id}`).textContent()).toBe('0 bản ghi');
    // Another school's edge is not the technician's.
    expect(await page.getByTestId(`edge-row-${other.id}`).count()).toBe(0);

    await page.getByTestId(`edge-open-${edge.id}`).click();
    await page.getByTestId('edge-detail').filter({ hasText: 'Tình trạng máy trạm: Máy trạm Mường Hum' }).waitFor();
    expect(await page.getByTestId('edge-health-disk').textContent()).toMatch(/còn trống 2\s?GB \/ 32\s?GB.*Ổ đĩa sắp đầy/);
    expect(await page.getByTestId('edge-health-spool').textContent()).toBe('3 MB, chờ lâu nhất 5 phút');
    expect(await page.getByTestId('edge-health-clock').textContent()).toMatch(/^chậm 4 phút so với máy chủ Sở.*Đồng hồ lệch quá 1 phút/);
    if (process.env.EDGES_SCREENSHOT) await page.screenshot({ path: process.env.EDGES_SCREENSHOT, fullPage: true });
  });

  it('switches the edges screen to English', async () => {
    await page.getByTestId('lang-switch').click();
    await page.getByRole('heading', { name: 'Edge nodes' }).waitFor();
    await page.getByTestId(`edge-link-${edge.id}`).filter({ hasText: 'Link cut' }).waitFor();
    expect(await page.getByTestId(`edge-lag-${edge.id}`).textContent()).toBe('3 days behind');
    expect(await page.getByTestId('edge-health-clock').textContent()).toMatch(/^4 min behind the province/);
    await page.getByTestId('lang-switch').click();
    await page.getByRole('heading', { name: 'Máy trạm biên' }).waitFor();
  });

  it('fits a phone: each edge a card with its labels, no sideways scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await page.getByTestId(`edge-row-${edge.id}`).waitFor();
    expect(await page.locator('.edges-table thead').isVisible()).toBe(false);
    const label = await page.getByTestId(`edge-lag-${edge.id}`).evaluate((el) => getComputedStyle(el.closest('td')!, '::before').content);
    expect(label).toBe('"Dữ liệu đầy đủ đến"');
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, view: window.innerWidth,
      wide: [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 3).map((el) => `${el.tagName}.${el.className}`) }));
    expect(widths.wide).toEqual([]);
    if (process.env.EDGES_SCREENSHOT) await page.screenshot({ path: process.env.EDGES_SCREENSHOT.replace(/\.png$/, '-phone.png'), fullPage: true });
    expect(widths.page).toBeLessThanOrEqual(widths.view);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('labels the devices behind the edge on the device list, with a tooltip, and still fits a phone', async () => {
    await page.getByTestId('nav-devices').click();
    const label = page.getByTestId(`device-edge-${sensors[0]}`);
    await label.filter({ hasText: 'Qua máy trạm biên Máy trạm Mường Hum' }).waitFor();
    expect(await label.getAttribute('title')).toBe('Dữ liệu đến qua máy trạm biên, có thể chậm khi mất kết nối.');
    expect(await page.getByTestId(`device-edge-${sensors[1]}`).textContent()).toBe('Qua máy trạm biên Máy trạm Mường Hum');
    // Another site of the same school has no edge: its device reaches the province directly.
    await page.getByTestId(`device-row-${direct}`).waitFor();
    expect(await page.getByTestId(`device-edge-${direct}`).count()).toBe(0);

    await page.getByTestId('lang-switch').click();
    await label.filter({ hasText: 'Via edge node Máy trạm Mường Hum' }).waitFor();
    expect(await label.getAttribute('title')).toBe('Data arrives through the edge node and may be late while its link is cut.');
    await page.getByTestId('lang-switch').click();
    await label.filter({ hasText: 'Qua máy trạm biên' }).waitFor();

    await page.setViewportSize({ width: 390, height: 800 });
    const fit = await page.evaluate((id) => ({ page: document.documentElement.scrollWidth, view: window.innerWidth,
      label: document.querySelector(`[data-testid="device-edge-${id}"]`)!.getBoundingClientRect().right }), sensors[0]);
    expect(fit.page).toBeLessThanOrEqual(fit.view);
    expect(fit.label).toBeLessThanOrEqual(fit.view);
    if (process.env.EDGES_SCREENSHOT) await page.screenshot({ path: process.env.EDGES_SCREENSHOT.replace(/\.png$/, '-devices-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('shows on the device page the edge, its link as the edges screen words it, and a link to its health', async () => {
    await page.getByTestId(`device-row-${sensors[0]}`).getByRole('link', { name: 'Cảm biến 1' }).click();
    const line = page.getByTestId('device-edge');
    await line.waitFor();
    expect(await page.getByTestId('device-edge-link').textContent()).toBe('Mất kết nối');
    expect(await line.textContent()).toMatch(/^Qua máy trạm biên Máy trạm Mường Hum Mất kết nối từ \d.* · Xem máy trạmDữ liệu đến qua máy trạm biên, có thể chậm khi mất kết nối\.$/);
    await page.getByTestId('device-edge-open').click();
    await page.getByTestId('edge-detail').filter({ hasText: 'Tình trạng máy trạm: Máy trạm Mường Hum' }).waitFor();
    expect(new URL(page.url()).search).toBe(`?edge=${edge.id}`);
    if (process.env.EDGES_SCREENSHOT) {
      await page.goBack();
      await line.waitFor();
      await page.screenshot({ path: process.env.EDGES_SCREENSHOT.replace(/\.png$/, '-device.png') });
    }

    // A viewer of the school sees the line, but not the edges screen, so no link to it.
    await page.getByTestId('logout').click();
    await logIn(page, s.dashboard!.url, 'xem-muong-hum', PASSWORD);
    await page.goto(`${s.dashboard!.url}/devices/${sensors[0]}`);
    await page.getByTestId('device-edge-link').filter({ hasText: 'Mất kết nối' }).waitFor();
    expect(await page.getByTestId('device-edge-open').count()).toBe(0);
    await page.getByTestId('logout').click();
    await logIn(page, s.dashboard!.url, 'ktv-muong-hum', PASSWORD);
  });

  it('does not offer the school\'s technician the bundle nor revoking, and the bundle\'s address refuses them', async () => {
    await page.goto(`${s.dashboard!.url}/edges?edge=${edge.id}`);
    await page.getByTestId('edge-detail').waitFor();
    expect(await page.getByTestId('edge-bundle').count()).toBe(0);
    expect(await page.getByTestId('edge-revoke').count()).toBe(0);
    const res = await page.request.get(`${s.dashboard!.url}/api/edges/${edge.id}/bundle`);
    expect(res.status()).toBe(403);
    expect((await res.json() as { code: string }).code).toBe('EDUFLEET_ERR_AUTH_FORBIDDEN');
  });

  it('lets an admin register an edge by pasting the keys printed at the school; a technician is not offered it', async () => {
    expect(await page.getByTestId('edge-register-open').count()).toBe(0);
    await page.getByTestId('logout').click();
    await logIn(page, s.dashboard!.url, 'quan-tri', PASSWORD);
    await page.getByTestId('nav-edges').click();
    await page.getByTestId('edge-register-open').click();
    const keys = freshKeys();
    await page.getByTestId('edge-register-site').fill('BX-TH-Y-TY');
    await page.getByTestId('edge-register-name').fill('Máy trạm Y Tý 2');
    await page.getByTestId('edge-register-signKey').fill('không phải khoá');
    await page.getByTestId('edge-register-boxKey').fill(keys.boxKey);
    await page.getByTestId('edge-register-submit').click();
    await page.getByTestId('edge-register-error').waitFor();
    await page.getByTestId('edge-register-signKey').fill(keys.signKey);
    await page.getByTestId('edge-register-submit').click();
    await page.getByTestId('edge-register-done').filter({ hasText: `Mã máy trạm: ${keys.id}` }).waitFor();
    await page.getByTestId(`edge-link-${keys.id}`).filter({ hasText: 'Chưa liên lạc' }).waitFor();
    expect(await s.registry.edges.get(keys.id)).toMatchObject({ name: 'Máy trạm Y Tý 2', createdBy: 'quan-tri' });
  });

  it('gives an admin the edge\'s bundle as a file the edge can open, named for the edge and its version', async () => {
    await page.goto(`${s.dashboard!.url}/edges?edge=${edge.id}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('edge-bundle').click()]);
    expect(download.suggestedFilename()).toBe(`${edge.id}-v1.efb`);
    const file = readFileSync((await download.path())!);
    // The header as `edufleet edge apply` reads it before verifying the signature: for this edge and its site (named
    // with the site's name: the school has two sites).
    expect(openBundle(file).header).toMatchObject({ format: 'edufleet-edge-bundle', edge: edge.id, site: 'BX-TH-MUONG-HUM:Điểm chính', version: 1 });
  });

  it('shows a command of the province for the edge\'s site as waiting for that edge, in Vietnamese and in English', async () => {
    // The edge's link is cut (last heard three days ago, by USB): the province's broker does not send it, the edge will.
    const { runId } = await startRun(s.registry, {
      target: { type: 'site', id: String(edge.siteId) }, name: 'calibrate', origin: { by: 'user', username: 'quan-tri' }, at: Date.now(),
    });
    await page.goto(`${s.dashboard!.url}/commands/runs/${runId}`);
    const states = page.getByTestId('run-commands').getByTestId('cmd-state');
    await states.first().filter({ hasText: 'Chờ máy trạm biên Máy trạm Mường Hum' }).waitFor();
    expect(await states.allTextContents()).toEqual(sensors.map(() => 'Chờ máy trạm biên Máy trạm Mường Hum'));
    await page.getByTestId('lang-switch').click();
    await states.first().filter({ hasText: 'Queued for edge Máy trạm Mường Hum' }).waitFor();
    expect(await states.allTextContents()).toEqual(sensors.map(() => 'Queued for edge Máy trạm Mường Hum'));
    await page.getByTestId('lang-switch').click();
  });

  it('lets an admin revoke an edge after a confirmation; it then shows as revoked, with no bundle to download', async () => {
    await page.goto(`${s.dashboard!.url}/edges?edge=${other.id}`);
    await page.getByTestId('edge-revoke').click();
    expect(await page.locator('dialog[open] [data-testid="confirm-question"]').textContent()).toBe('Thu hồi máy trạm "Máy trạm Y Tý" của Trường TH Y Tý? Từ nay Sở từ chối tệp USB và đường truyền của máy này.');
    await page.locator('dialog[open] [data-testid="confirm-ok"]').click();
    await page.getByTestId(`edge-link-${other.id}`).filter({ hasText: 'Đã thu hồi' }).waitFor();
    await page.getByTestId('edge-revoked').waitFor();
    expect(await page.getByTestId('edge-bundle').count()).toBe(0);
    expect(await page.getByTestId('edge-revoke').count()).toBe(0);
    expect((await s.registry.edges.get(other.id))?.revokedAt).not.toBeNull();
  });
});
