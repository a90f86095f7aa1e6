/**
 * The edges screen (dashboard/web/src/features/edges) in Chromium: a school's technician sees their site's edge,
 * registered and heard from as the province's own code does it, with its link badge, how far behind it is in words,
 * its backlog and its own health, in Vietnamese and in English, and on a phone-sized screen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startDashboard } from '../../dashboard/server/index.js';
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
    await r.addUser({ username: 'ktv-muong-hum', password: PASSWORD, role: 'technician', scope: { schoolIds: [a.school.id] } });
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
});
