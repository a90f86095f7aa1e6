/**
 * The timetable page in a browser (issue 23, point 9): a period taught on some teaching days only (a Saturday with a
 * morning session, a Monday's extra period) shows its days, and unticking a day on a period is saved with it.
 */
import { rmSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import { seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { ensureWebBuilt, launchChromium, logIn } from './browser.js';

const PASSWORD = 'quản-trị-thời-khoá-biểu';

describe('the timetable page in a browser', () => {
  let s: TestStack;
  let context: BrowserContext | undefined;
  let profile = '';
  let page: Page;
  let schoolId = 0;

  beforeAll(async () => {
    ensureWebBuilt();
    ({ context, profile } = await launchChromium());
    s = await startTestStack({ dashboard: startDashboard });
    schoolId = (await seedSchool(s.registry)).school.id;
    await s.registry.setTimetables(schoolId, [{
      term: 'Học kỳ I 2026-2027', start: '2026-09-05', end: '2027-01-16', teachingDays: [1, 2, 3, 4, 5, 6], holidays: [],
      periods: [
        { session: 'morning', no: 1, start: '07:00', end: '07:45' },
        { session: 'afternoon', no: 1, start: '13:30', end: '14:15', days: [1, 2, 3, 4, 5] },
      ],
    }]);
    await s.registry.addUser({ username: 'quan-tri', password: PASSWORD, role: 'admin' });
    page = context.pages()[0] ?? (await context.newPage());
    await logIn(page, s.dashboard!.url, 'quan-tri', PASSWORD);
  });

  afterAll(async () => {
    await context?.close();
    await s?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('shows the days of each period, and saves a day unticked on a period', async () => {
    await page.goto(`${s.dashboard!.url}/timetable?schoolId=${schoolId}`);
    const days = page.getByTestId('timetable-period-days');
    await days.first().waitFor();
    expect(await days.locator('summary').allTextContents()).toEqual(['Mọi ngày học', 'T2, T3, T4, T5, T6']);
    // No afternoon on Saturday is already so; now the first morning period is not taught on Saturday either.
    await days.first().locator('summary').click();
    await days.first().getByLabel('T7').uncheck();
    await expect.poll(() => days.first().locator('summary').textContent()).toBe('T2, T3, T4, T5, T6');
    await page.getByTestId('timetable-save').click();
    await page.getByTestId('timetable-saved').waitFor();
    const [term] = await waitFor('the saved term', async () => (await s.registry.timetables(schoolId))[0]?.periods[0]?.days ? s.registry.timetables(schoolId) : undefined);
    expect(term!.periods.map((p) => p.days)).toEqual([[1, 2, 3, 4, 5], [1, 2, 3, 4, 5]]);
  });

  it('says the days in English on the switch, and fits a phone\'s width with the days folded', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${s.dashboard!.url}/timetable?schoolId=${schoolId}`);
    const days = page.getByTestId('timetable-period-days');
    await days.first().waitFor();
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => days.nth(1).locator('summary').textContent()).toMatch(/^Mon/);
    // The days stay folded in one cell: the summary is no wider than the phone.
    const box = await days.nth(1).locator('summary').boundingBox();
    expect(box!.width).toBeLessThan(390);
    await page.getByTestId('lang-switch').click();
  });
});
