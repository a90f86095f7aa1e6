/**
 * Days still expected from an edge node on the usage and planning screens, in Chromium: the room of an edge site says
 * how many days it waits for, the room whose edge has sent nothing is "Đang chờ dữ liệu từ máy trạm biên", not "Không
 * đủ dữ liệu", and the planner lists its school apart as waiting. Vietnamese, then English.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startDashboard } from '../../dashboard/server/index.js';
import { vnToday } from '../../lib/vn/time.js';
import { addDays } from '../../timetable/index.js';
import { logIn, useChromium } from '../dashboard/browser.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { PENDING_PASSWORD, seedPending, windowOf, type PendingSeed } from './pending-seed.js';

describe('pending days on the usage screens in a browser', () => {
  const chromium = useChromium();
  let s: TestStack;
  let page: Page;
  let ids: PendingSeed;
  // Yesterday as the seed's "today": its data is a whole day behind, well past any grace, whenever the test runs.
  const today = addDays(vnToday(), -1);
  const window = windowOf(today);

  beforeAll(async () => {
    s = await startTestStack({ only: ['dashboard'], dashboard: startDashboard });
    ids = await seedPending(s, today, Date.now());
    page = await chromium.page();
  });

  afterAll(async () => {
    await s?.close();
  });

  it('shows the waiting days of an edge site\'s room and a wholly pending room apart from rooms without data', async () => {
    await logIn(page, s.dashboard!.url, 'ke-hoach', PENDING_PASSWORD);
    await page.goto(`${s.dashboard!.url}/usage?from=${window.from}&to=${window.to}`);
    const dmy = today.split('-').reverse().join('/');
    await page.getByTestId(`usage-room-pending-${ids.edgeRoom}`).filter({ hasText: `1 ngày đang chờ dữ liệu từ máy trạm biên (từ ${dmy}), không tính` }).waitFor();
    expect(await page.getByTestId(`usage-room-coverage-${ids.edgeRoom}`).textContent()).toMatch(/^100\s%$/);
    expect(await page.getByTestId(`usage-room-status-${ids.silentRoom}`).textContent()).toBe('Đang chờ dữ liệu từ máy trạm biên');
    expect(await page.getByTestId(`usage-room-pending-${ids.plainRoom}`).count()).toBe(0);

    await page.goto(`${s.dashboard!.url}/planning?from=${window.from}&to=${window.to}`);
    await page.getByTestId(`planning-no-data-${ids.silentSchool}`).filter({ hasText: 'Đang chờ dữ liệu từ máy trạm biên' }).waitFor();

    await page.getByTestId('lang-switch').click();
    await page.getByTestId(`planning-no-data-${ids.silentSchool}`).filter({ hasText: 'Waiting for data from the edge node' }).waitFor();
    await page.goto(`${s.dashboard!.url}/usage?from=${window.from}&to=${window.to}`);
    await page.getByTestId(`usage-room-pending-${ids.edgeRoom}`).filter({ hasText: '1 day waiting for data from the edge node' }).waitFor();
    await page.getByTestId('lang-switch').click();
  });
});
