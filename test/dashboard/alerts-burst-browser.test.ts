/**
 * A burst of 1,000 alerts reaching an open inbox in a real browser: the socket brings them in a few batches, the
 * count says all of them while the DOM holds a screenful of rows (the list is virtual), scrolling to the end shows
 * the last ones, and the filters still answer.
 */
import { rmSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import { ruleLabel } from '../../domain/health-texts.js';
import { RULE_IDS } from '../../domain/index.js';
import { insertAlert, insertAlerts, type SeedAlert } from '../helpers/alerts-seed.js';
import { seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { ensureWebBuilt, launchChromium, logIn } from './browser.js';

const PASSWORD = 'kỹ-thuật-viên-2025';
const DEVICES = 100;
const RULES = RULE_IDS.slice(0, 10);
const BURST = DEVICES * RULES.length;

describe('a burst of 1,000 alerts in the inbox', () => {
  let s: TestStack;
  let context: BrowserContext | undefined;
  let profile = '';
  let page: Page;
  let place: Awaited<ReturnType<typeof seedSchool>>;
  let tablets: string[] = [];
  let first = 0;
  let board = '';
  /** The `alerts` events the page received over its socket, and how many alerts they carried. */
  const pushed = { events: 0, alerts: 0 };

  beforeAll(async () => {
    ensureWebBuilt();
    ({ context, profile } = await launchChromium());
    s = await startTestStack({ only: ['dashboard'], dashboard: startDashboard });
    place = await seedSchool(s.registry);
    const made = await s.registry.addDevices(Array.from({ length: DEVICES }, (_, i) => ({ kind: 'tablet', roomId: place.room.id, name: `Máy tính bảng ${String(i + 1).padStart(3, '0')}` })));
    tablets = made.map((d) => d.device.id);
    board = (await s.registry.addDevice({ kind: 'board', roomId: place.room.id, name: 'Bảng tương tác 10A1' })).device.id;
    await s.registry.addUser({ username: 'ktv', password: PASSWORD, role: 'technician', displayName: 'Kỹ thuật viên', scope: { schoolIds: [place.school.id] } });
    page = context.pages()[0] ?? (await context.newPage());
    // Socket.IO frames as the browser receives them: '42["alerts",[…]]' is one `alerts` event.
    page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
      if (typeof payload !== 'string' || !payload.startsWith('42["alerts",')) return;
      pushed.events++;
      pushed.alerts += (JSON.parse(payload.slice(2)) as [string, unknown[]])[1].length;
    }));
  });

  afterAll(async () => {
    await context?.close();
    await s?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const rendered = () => page.locator('[data-testid="alert-row"]').count();

  it('shows all 1,000 with a bounded number of rows, delivered in a few batches', async () => {
    first = await insertAlert(s.registry, { rule: 'board_overheat', deviceId: board, schoolId: place.school.id, roomId: place.room.id, value: 71 });
    await logIn(page, s.dashboard!.url, 'ktv', PASSWORD);
    await page.getByTestId('nav-alerts').click();
    await page.locator(`[data-testid="alert-row"][data-id="${first}"]`).waitFor();
    await page.locator('[data-testid="conn-status"][data-connected="true"]').waitFor();
    const before = { ...pushed };

    const start = Date.now();
    const burst: SeedAlert[] = [];
    for (let d = 0; d < DEVICES; d++) {
      for (let r = 0; r < RULES.length; r++) {
        burst.push({ rule: RULES[r]!, deviceId: tablets[d]!, schoolId: place.school.id, roomId: place.room.id, severity: 'warning', startedAt: start + d * RULES.length + r });
      }
    }
    await insertAlerts(s.registry, burst);

    await page.getByTestId('alerts-count').filter({ hasText: '1.001 cảnh báo' }).waitFor();
    await waitFor('the burst over the socket', () => pushed.alerts - before.alerts >= BURST || undefined);
    expect(pushed.alerts - before.alerts).toBe(BURST);
    // One push per live tick per school: the insert spans a tick or two, never one event per alert.
    expect(pushed.events - before.events).toBeGreaterThanOrEqual(1);
    expect(pushed.events - before.events).toBeLessThanOrEqual(5);
    expect(await rendered()).toBeGreaterThan(0);
    expect(await rendered()).toBeLessThan(100);
    // Worst first: the critical alert seeded before the burst stays on top.
    expect(await page.getByTestId('alert-row').first().getAttribute('data-id')).toBe(String(first));
  });

  it('renders the last rows when scrolled to the end, still a bounded number of them', async () => {
    const list = page.getByTestId('alerts-list');
    await list.evaluate((el) => { el.scrollTop = el.scrollHeight; });
    const lastName = `Máy tính bảng ${String(DEVICES).padStart(3, '0')}`;
    const last = page.locator('[data-testid="alert-row"]', { hasText: lastName }).filter({ hasText: ruleLabel(RULES.at(-1)!, 'vi') });
    await last.waitFor();
    expect(await page.locator(`[data-testid="alert-row"][data-id="${first}"]`).count()).toBe(0);
    expect(await rendered()).toBeLessThan(100);
    // The bottom row of the list is the newest alert of the burst.
    const rows = await page.locator('[data-testid="alert-row"]').evaluateAll((els) => els.map((e) => ({ top: e.parentElement!.offsetTop, text: e.textContent ?? '' })));
    const bottom = rows.sort((a, b) => b.top - a.top)[0]!;
    expect(bottom.text).toContain(lastName);
    expect(bottom.text).toContain(ruleLabel(RULES.at(-1)!, 'vi'));
  });

  it('still answers a filter at once after the burst', async () => {
    await page.getByTestId('alerts-filter-severity').selectOption('critical');
    await page.getByTestId('alerts-count').filter({ hasText: /^1 cảnh báo$/ }).waitFor();
    expect(await rendered()).toBe(1);
    // Read afresh, the list is one page (1,000) of the 1,001: the count still says all, and that the rest are behind a filter.
    await page.getByTestId('alerts-filter-severity').selectOption('');
    await page.getByTestId('alerts-count').filter({ hasText: '1.001 cảnh báo' }).waitFor();
    expect(await page.getByTestId('alerts-shown').innerText()).toContain('1.000');
  });
});
