/**
 * The alert inbox in a real browser, for a technician of one school: a firing alert seeded in the registry is in the
 * inbox; from its page the technician acknowledges it with a comment, and both the page and the inbox show who did
 * and what they wrote; an alert opened while the inbox is on screen appears at its top without a reload.
 */
import { rmSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import { insertAlert } from '../helpers/alerts-seed.js';
import { seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { ensureWebBuilt, launchChromium, logIn } from './browser.js';

const PASSWORD = 'kỹ-thuật-viên-2025';
const COMMENT = 'Đã tắt máy chiếu, chờ kiểm tra quạt';

describe('the alert inbox in a browser', () => {
  let s: TestStack;
  let context: BrowserContext | undefined;
  let profile = '';
  let page: Page;
  let place: Awaited<ReturnType<typeof seedSchool>>;
  let board: string;
  let sensor: string;
  let firstAlert = 0;

  beforeAll(async () => {
    ensureWebBuilt();
    ({ context, profile } = await launchChromium());
    s = await startTestStack({ only: ['dashboard'], dashboard: startDashboard });
    place = await seedSchool(s.registry);
    board = (await s.registry.addDevice({ kind: 'board', roomId: place.room.id, name: 'Bảng tương tác 10A1' })).device.id;
    sensor = (await s.registry.addDevice({ kind: 'sensor', roomId: place.room.id, name: 'Cảm biến 10A1' })).device.id;
    await s.registry.addUser({ username: 'ktv', password: PASSWORD, role: 'technician', displayName: 'Kỹ thuật viên', scope: { schoolIds: [place.school.id] } });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    await s?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const row = (id: number) => page.locator(`[data-testid="alert-row"][data-id="${id}"]`);

  it('shows a firing alert, acknowledges it with a comment, and shows who acknowledged it and why', async () => {
    const id = firstAlert = await insertAlert(s.registry, { rule: 'board_overheat', deviceId: board, schoolId: place.school.id, roomId: place.room.id, value: 71, startedAt: Date.now() - 600_000 });
    await logIn(page, s.dashboard!.url, 'ktv', PASSWORD);
    await page.getByTestId('nav-alerts').click();
    await row(id).waitFor();
    expect(await row(id).getAttribute('data-state')).toBe('firing');
    expect(await row(id).innerText()).toContain('Bảng quá nóng');
    expect(await row(id).innerText()).toContain('Bảng tương tác 10A1');

    await row(id).getByTestId('alert-open').click();
    await page.locator('[data-testid="alert-detail"][data-state="firing"]').waitFor();
    await page.getByTestId('alert-ack-comment').fill(COMMENT);
    await page.getByTestId('alert-ack').click();
    await page.locator('[data-testid="alert-detail"][data-state="acknowledged"]').waitFor();
    expect(await page.getByTestId('alert-detail-state').innerText()).toBe('Đã tiếp nhận');
    expect(await page.getByTestId('alert-acked-by').innerText()).toContain('ktv');
    expect(await page.getByTestId('alert-ack-note').innerText()).toBe(COMMENT);
    const ackRow = page.locator('[data-testid="alert-history-row"][data-state="acknowledged"]');
    expect(await ackRow.innerText()).toContain(COMMENT);
    expect(await ackRow.innerText()).toContain('ktv');

    const stored = await s.registry.alertDetail(id, Date.now());
    expect(stored?.alert).toMatchObject({ state: 'acknowledged', ackedBy: 'ktv', ackComment: COMMENT });

    await page.getByTestId('alert-back').click();
    await page.locator(`[data-testid="alert-row"][data-id="${id}"][data-state="acknowledged"]`).waitFor();
    expect(await row(id).getByTestId('alert-acked').innerText()).toBe(`Tiếp nhận bởi ktv: ${COMMENT}`);
  });

  it('shows an alert opened while the inbox is on screen at its top, without a reload', async () => {
    await page.evaluate(() => { (window as unknown as { __same?: boolean }).__same = true; });
    const id = await insertAlert(s.registry, { rule: 'co2_high', deviceId: sensor, schoolId: place.school.id, roomId: place.room.id, severity: 'warning', value: 2100 });
    await row(id).waitFor();
    expect(await page.getByTestId('alert-row').first().getAttribute('data-id')).toBe(String(id));
    expect(await row(id).innerText()).toContain('CO₂ cao');
    expect(await page.evaluate(() => (window as unknown as { __same?: boolean }).__same)).toBe(true);
  });

  it('silences the room from the alert until a Vietnam date-time, lists the silence, and ends it early', async () => {
    // 09:30 in Hà Nội two days on, whatever the browser's own zone.
    const until = Math.floor((Date.now() + 2 * 86_400_000) / 3_600_000) * 3_600_000 + 30 * 60_000;
    const local = new Date(until + 7 * 3_600_000).toISOString().slice(0, 16);
    await page.goto(`${s.dashboard!.url}/alerts/${firstAlert}`);
    await page.getByTestId('alert-silence-form').waitFor();
    await page.getByTestId('alert-silence-target').selectOption('room');
    await page.getByTestId('alert-silence-until').fill(local);
    await page.getByTestId('alert-silence-reason').fill('Phòng đang sửa điện');
    await page.getByTestId('alert-silence').click();
    await page.getByTestId('alert-silence-done').waitFor();
    await page.getByTestId('alert-detail-silenced').waitFor();
    await page.locator('[data-testid="alert-history-row"][data-state="silenced"]').waitFor();
    const [made] = await s.registry.listSilences(undefined, Date.now());
    expect(made).toMatchObject({ targetType: 'room', targetId: String(place.room.id), until, reason: 'Phòng đang sửa điện', createdBy: 'ktv' });

    await page.getByTestId('nav-silences').click();
    const row = page.locator(`[data-testid="silences-active"] [data-testid="silence-row"][data-id="${made!.id}"]`);
    await row.waitFor();
    expect(await row.innerText()).toContain('Phòng đang sửa điện');
    await row.getByTestId('silence-end').click();
    await page.locator('dialog[open] [data-testid="confirm-ok"]').click();
    await page.locator(`[data-testid="silences-ended"] [data-testid="silence-row"][data-id="${made!.id}"]`).waitFor();
    expect(await page.locator(`[data-testid="silences-ended"] [data-testid="silence-row"][data-id="${made!.id}"]`).innerText()).toContain('Kết thúc sớm bởi ktv');
    expect((await s.registry.silence(made!.id))?.endedBy).toBe('ktv');
  });

  it('adds, refuses a wrong, and deletes a rule override for the technician\'s school', async () => {
    await page.getByTestId('nav-alert-rules').click();
    const card = page.locator('[data-testid="rule-card"][data-rule="board_overheat"]');
    await card.getByTestId('override-add').click();
    const form = card.getByTestId('override-form');
    // A technician configures their schools only: no province-wide choice.
    expect(await form.getByTestId('override-school').locator('option').allInnerTexts()).toEqual([place.school.name]);
    await form.getByTestId('override-kind').selectOption('board');
    await form.getByTestId('override-threshold').fill('70');
    await form.getByTestId('override-clearAt').fill('75');
    await form.getByTestId('override-save').click();
    expect(await form.getByTestId('override-error').innerText()).toContain('clear');
    await form.getByTestId('override-clearAt').fill('64,5');
    await form.getByTestId('override-save').click();
    const row = card.getByTestId('override-row');
    await row.waitFor();
    expect(await row.innerText()).toContain(place.school.name);
    const [rule] = (await s.registry.alertRuleOverrides()).filter((o) => o.rule === 'board_overheat');
    expect(rule).toMatchObject({ kind: 'board', schoolId: place.school.id, roomType: '', params: { threshold: 70, clearAt: 64.5 }, updatedBy: 'ktv' });

    await row.getByTestId('override-delete').click();
    await page.locator('dialog[open] [data-testid="confirm-ok"]').click();
    await row.waitFor({ state: 'detached' });
    expect((await s.registry.alertRuleOverrides()).filter((o) => o.rule === 'board_overheat')).toEqual([]);
  });
});
