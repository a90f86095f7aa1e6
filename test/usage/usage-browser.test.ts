/** In a real browser: a planner opens the heatmap, drills from province to district to school to room, and exports. */
import { readFileSync, rmSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import { ensureWebBuilt, launchChromium, logIn } from '../dashboard/browser.js';
import { addDays, localDate, SECONDARY_PERIODS } from '../../timetable/index.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { seedUsage, type UsageSeed } from '../helpers/usage-seed.js';

const PASSWORD = 'kế-hoạch-2026';

describe('room usage in a browser', () => {
  let s: TestStack;
  let context: BrowserContext | undefined;
  let profile = '';
  let page: Page;
  let seed: UsageSeed;

  beforeAll(async () => {
    ensureWebBuilt();
    ({ context, profile } = await launchChromium());
    s = await startTestStack({ dashboard: startDashboard });
    seed = await seedUsage(s, PASSWORD);
    page = context.pages()[0] ?? (await context.newPage());
  });
  afterAll(async () => {
    await context?.close();
    await s?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const share = async (testid: string) => Number(await page.getByTestId(testid).getAttribute('data-share'));

  it('shows the planner the heatmap, then drills from the province to a district, a school and a room', async () => {
    await logIn(page, s.dashboard!.url, 'kh-tinh', PASSWORD);
    await page.getByTestId('nav-usage').click();
    await page.goto(`${s.dashboard!.url}/usage?from=${seed.window.from}&to=${seed.window.to}`);
    await page.getByRole('heading', { name: 'Sử dụng phòng học theo thời khoá biểu' }).waitFor();

    // Province: on the analysed Monday both boards were in use in period 1, only room A in period 4.
    await page.getByTestId('usage-heatmap').waitFor();
    expect(await share('usage-heat-1-m1')).toBe(1);
    expect(await share('usage-heat-1-m4')).toBe(0.5);
    expect(await share('usage-heat-1-a1')).toBe(0);
    const { ids } = seed;

    await page.getByTestId(`usage-bar-district-${ids.d1}`).click();
    await page.getByTestId('usage-breadcrumb').filter({ hasText: 'Thành phố Lào Cai' }).waitFor();
    await page.getByTestId(`usage-bar-school-${ids.schoolA}`).click();
    await page.getByTestId('usage-breadcrumb').filter({ hasText: 'Trường THPT Lào Cai số 1' }).waitFor();
    await page.getByTestId(`usage-bar-room-${ids.roomA}`).click();
    await page.getByTestId('usage-breadcrumb').filter({ hasText: 'Phòng học thông minh A' }).waitFor();
    expect(new URL(page.url()).searchParams.get('roomId')).toBe(String(ids.roomA));
    // One room: its own heatmap (periods 1–4 of Monday used, period 5 not) and its time utilisation (180 of 405 min).
    await expect.poll(() => share('usage-heat-1-m4')).toBe(1);
    expect(await share('usage-heat-1-m5')).toBe(0);
    expect(await page.getByTestId('usage-time-util').innerText()).toContain('44,4 %');
  });

  it('exports the report as PDF with a progress bar, and the file holds the figures on screen', async () => {
    await page.getByTestId('usage-export-pdf').click();
    await page.getByTestId('usage-export-progress').waitFor();
    const link = page.getByTestId('usage-export-link');
    await link.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const file = await download.path();
    const pdf = readFileSync(file);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const { execFileSync } = await import('node:child_process');
    const text = execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('Phòng học thông minh A');
    expect(text).toContain('44,4 %');
  });
  it("takes 'this term' from the selected school's own timetable", async () => {
    const today = localDate(Date.now());
    const term = { term: 'Học kỳ riêng', start: addDays(today, -30), end: addDays(today, 30), teachingDays: [1, 2, 3, 4, 5], periods: SECONDARY_PERIODS, holidays: [] };
    await s.registry.setTimetables(seed.ids.schoolA, [term]);
    await page.goto(`${s.dashboard!.url}/usage?schoolId=${seed.ids.schoolA}`);
    await page.getByTestId('usage-preset-term').click();
    // The preset follows the school's timetable once the page has read it: on a busy machine that takes more than a second.
    await expect.poll(() => new URL(page.url()).searchParams.get('from'), { timeout: 15_000 }).toBe(term.start);
    expect(new URL(page.url()).searchParams.get('to')).toBe(addDays(today, 1));
  });
});
