import { rmSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import { seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { ensureWebBuilt, launchChromium, logIn } from './browser.js';

const PASSWORD = 'kế-hoạch-sở-2025';
const record = (code: string) => ({ code, model: 'ViewSonic IFP8650', inServiceDate: '2024-09-05', costVnd: 98_000_000, serviceLifeYears: 8 });

describe('the digital-records KPI page in a browser', () => {
  let s: TestStack;
  let context: BrowserContext | undefined;
  let profile = '';
  let page: Page;
  let schoolId = 0;

  beforeAll(async () => {
    ensureWebBuilt();
    ({ context, profile } = await launchChromium());
    s = await startTestStack({ dashboard: startDashboard });
    const { room, school } = await seedSchool(s.registry);
    schoolId = school.id;
    // 2 of 3 devices with a complete record: 66,7 %.
    await s.registry.addDevice({ kind: 'board', roomId: room.id, name: 'Bảng tương tác TM1', issueSecret: false, ...record('BTT-01') });
    await s.registry.addDevice({ kind: 'tablet', roomId: room.id, name: 'Máy tính bảng 01', issueSecret: false, ...record('TB-01'), state: 'in_repair' });
    await s.registry.addDevice({ kind: 'tablet', roomId: room.id, name: 'Máy tính bảng 02', issueSecret: false, code: 'TB-02' });
    // A centre directly under the Sở, with a complete record: 100 %.
    const gdtx = await s.registry.ensureSchool({ code: 'LC-GDTX', name: 'Trung tâm GDTX tỉnh Lào Cai', level: 'gdtx', districtId: null });
    const site = await s.registry.ensureSite({ schoolId: gdtx.id, name: 'Điểm chính' });
    const hall = await s.registry.ensureRoom({ siteId: site.id, code: 'P.HOP', name: 'Phòng họp trực tuyến', type: 'meeting_room' });
    await s.registry.addDevice({ kind: 'board', roomId: hall.id, name: 'Bảng phòng họp', issueSecret: false, ...record('GDTX-01') });
    await s.registry.addUser({ username: 'ke-hoach', password: PASSWORD, role: 'planner', displayName: 'Phòng Kế hoạch – Tài chính' });
    await s.directory.refresh();
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    await s?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const text = (testid: string, hasText: string | RegExp) => page.getByTestId(testid).filter({ hasText }).waitFor();

  it('shows a planner the KPI in Vietnamese with the target lines and each school\'s share', async () => {
    await logIn(page, s.dashboard!.url, 'ke-hoach', PASSWORD);
    await page.getByTestId('nav-kpi').filter({ hasText: 'Chỉ số số hoá' }).click();
    await page.getByRole('heading', { name: 'Chỉ số số hoá hồ sơ thiết bị' }).waitFor();
    await text('kpi-province-share', /^75\s%$/);
    await text('kpi-province', 'Toàn tỉnh: thiết bị có hồ sơ số');
    await text('kpi-school-chart-target-2025', /Mục tiêu 2025: 80\s%/);
    await text('kpi-school-chart-target-2030', /Mục tiêu 2030: 100\s%/);
    await text('kpi-district-chart-target-2025', /Mục tiêu 2025/);
    expect(await page.getByTestId('kpi-school-chart').locator('.kpi-target-line').count()).toBe(2 * 2);
    await text(`kpi-school-chart-school-${schoolId}`, /66,7\s%/);
    await text('kpi-district-chart-district-so', 'Trực thuộc Sở');
    await text(`kpi-record-${schoolId}`, /^66,7\s%$/);
    await text(`kpi-repair-${schoolId}`, /^33,3\s%$/);
    await text(`kpi-live-${schoolId}`, '—');
    if (process.env.KPI_SCREENSHOT) await page.screenshot({ path: process.env.KPI_SCREENSHOT, fullPage: true });
  });

  it('switches the KPI page to English', async () => {
    await page.getByTestId('lang-switch').click();
    await page.getByRole('heading', { name: 'Digital records KPI' }).waitFor();
    await text('kpi-school-chart-target-2025', /Target 2025: 80\s%/);
    await text('kpi-school-chart-target-2030', /Target 2030: 100\s%/);
    await text(`kpi-record-${schoolId}`, /^66\.7\s%$/);
    await text('kpi-district-chart-district-so', 'Under the Department');
    await text('kpi-province-share', /^75\s%$/);
    if (process.env.KPI_SCREENSHOT) await page.screenshot({ path: process.env.KPI_SCREENSHOT.replace(/\.png$/, '-en.png'), fullPage: true });
  });
});
