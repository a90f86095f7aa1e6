/**
 * Issue 11 in a real browser, every part real (broker, gateway, registry, simulator): a technician sends one command
 * from a device page and watches its history go to "Thành công"; switches every board of a room to standby from the
 * room's bulk dialog and watches the progress reach 100 %; then creates the schedule "boards to standby Mon–Sat 17:30"
 * on the "Lệnh & lịch" screen and reads its summary and its next five runs.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import { parseScenario, provision, Simulator, type SimDevice } from '../../device-sim/index.js';
import { FAULTS } from '../../device-sim/faults.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { logIn, useChromium } from './browser.js';

const PASSWORD = 'kỹ-thuật-viên-2026';
const NO_FAULTS = Object.fromEntries(Object.values(FAULTS).map((f) => [f.rate, 0]));

describe('commands, a bulk run and a schedule, in a browser', () => {
  let s: TestStack;
  let sim: Simulator;
  let devices: SimDevice[];
  let boards: SimDevice[];
  let roomId = 0;
  let schoolId = 0;
  const chromium = useChromium();
  let page: Page;

  beforeAll(async () => {
    s = await startTestStack({ dashboard: startDashboard });
    const scenario = parseScenario({
      seed: 11, intervalS: 0.3, faults: NO_FAULTS, commands: { failRate: 0, silentRate: 0 },
      districts: [{ code: 'TP-LAO-CAI', name: 'Thành phố Lào Cai' }],
      schools: [
        { code: 'LC-THPT-CHUYEN', name: 'Trường THPT Chuyên Lào Cai', level: 'thpt', district: 'TP-LAO-CAI', sites: [
          { name: 'Điểm chính', rooms: [{ code: 'P.10A1', name: 'Phòng 10A1', type: 'smart_classroom', use: 1, devices: { board: 2, tablet: 3 } }] },
        ] },
      ],
    });
    devices = await provision(s.registry, scenario, path.join(s.dir, 'sim-credentials.json'));
    boards = devices.filter((d) => d.kind === 'board');
    const school = (await s.registry.school('LC-THPT-CHUYEN'))!;
    schoolId = school.id;
    roomId = (await s.registry.rooms()).find((r) => r.schoolId === school.id)!.id;
    await s.registry.addUser({ username: 'ke-hoach', password: PASSWORD, role: 'planner', displayName: 'Phòng Kế hoạch' });
    await s.registry.addUser({ username: 'ktv.chuyen', password: PASSWORD, role: 'technician', displayName: 'Kỹ thuật viên THPT Chuyên', scope: { schoolIds: [school.id] } });
    sim = new Simulator({ brokerUrl: s.mqttUrl, devices, scenario, tickMs: 50 });
    await sim.start();
    await waitFor('every device reporting', () => devices.every((d) => Boolean(s.gateway!.live.get(d.id)?.lastReadingTs)));
    page = await chromium.page();
    await logIn(page, s.dashboard!.url, 'ktv.chuyen', PASSWORD);
  }, 120_000);

  afterAll(async () => {
    await sim?.stop();
    await s?.close();
  });

  it('sends one command from the device page and shows it succeed in the device\'s history', async () => {
    const tablet = devices.find((d) => d.kind === 'tablet')!;
    await page.goto(`${s.dashboard!.url}/devices/${encodeURIComponent(tablet.id)}`);
    await page.getByTestId('cmd-bar').waitFor();
    await page.getByTestId('cmd-history-empty').waitFor();
    expect(await page.getByTestId('cmd-name').locator('option').allInnerTexts()).toEqual(['Khoá máy', 'Mở khoá', 'Đổ chuông để tìm', 'Hiện thông báo', 'Khởi động lại']);
    await page.getByTestId('cmd-name').selectOption('ring');
    await page.getByTestId('cmd-arg-seconds').fill('500');
    await page.getByTestId('cmd-send').click();
    expect(await page.getByTestId('cmd-send-error').innerText()).toBe('Giá trị không hợp lệ: Số giây');
    await page.getByTestId('cmd-arg-seconds').fill('15');
    await page.getByTestId('cmd-send').click();
    const row = page.locator('[data-testid="cmd-row"][data-name="ring"]');
    await row.locator('[data-testid="cmd-state"][data-state="succeeded"]').waitFor();
    expect(await row.innerText()).toContain('Thành công');
    expect(await row.innerText()).toContain('ktv.chuyen');
    const stored = await s.registry.commandsOfDevice(tablet.id, { limit: 5 });
    expect(stored.map((c) => [c.name, c.args, c.state])).toEqual([['ring', { seconds: 15 }, 'succeeded']]);
  });

  it('switches every board of the room to standby from the bulk dialog and watches the progress reach 100 %', async () => {
    await page.goto(`${s.dashboard!.url}/rooms/${roomId}`);
    await page.getByTestId('room-title').waitFor();
    await page.getByTestId('room-bulk').click();
    const dialog = page.locator('dialog[open][data-testid="bulk-dialog"]');
    await dialog.waitFor();
    await dialog.getByTestId('bulk-kind').selectOption('board');
    await dialog.getByTestId('bulk-command').selectOption('power');
    await dialog.getByTestId('bulk-arg-state').selectOption('standby');
    const preview = dialog.locator('[data-testid="bulk-preview"][data-devices="2"]');
    await preview.waitFor();
    expect(await preview.innerText()).toContain('Lệnh sẽ gửi tới 2 thiết bị (bảng tương tác: 2), 2 đang trực tuyến');
    expect(await dialog.getByTestId('bulk-target').innerText()).toContain('Phòng 10A1');
    // Power is harmful: the rollout fields come pre-filled with the server's defaults.
    expect(await dialog.getByTestId('bulk-rate').inputValue()).toBe('120');
    expect(await dialog.getByTestId('bulk-abort').inputValue()).toBe('20');
    expect(await dialog.getByTestId('bulk-confirm').innerText()).toBe('Gửi tới 2 thiết bị');
    await dialog.getByTestId('bulk-confirm').click();

    await dialog.locator('[data-testid="bulk-progress"]', { hasText: '100 %' }).waitFor({ timeout: 30_000 });
    expect(await dialog.getByTestId('bulk-count-succeeded').innerText()).toContain('2');
    await dialog.locator('[data-testid="bulk-state"][data-state="done"]').waitFor();
    expect(await dialog.getByTestId('bulk-state').innerText()).toBe('Hoàn tất');
    await dialog.getByTestId('bulk-all-answered').waitFor();
    // The boards obey: they report standby (tablets were not commanded).
    await waitFor('both boards reporting standby', () => boards.every((b) => s.gateway!.live.get(b.id)?.latest.power === 'standby'));
    const runs = await s.registry.listRuns();
    expect(runs.map((r) => [r.name, r.args, r.schoolId, r.state])).toEqual([['power', { state: 'standby' }, schoolId, 'done']]);
    const outcome = await s.registry.commandsOfRun(runs[0]!.id);
    expect(outcome.map((c) => [c.deviceId, c.state]).sort()).toEqual(boards.map((b) => [b.id, 'succeeded']).sort());
    await dialog.getByTestId('bulk-close').click();
  });

  it('creates the schedule "boards to standby Mon–Sat 17:30" and reads its summary and next five runs', async () => {
    await page.getByTestId('nav-commands').click();
    await page.locator('[data-testid="run-row"]').waitFor();
    expect(await page.getByTestId('runs-list').innerText()).toContain('Hoàn tất');
    // The run's own page: every board's outcome.
    await page.getByTestId('run-open').click();
    await page.locator('[data-testid="bulk-state"][data-state="done"]').waitFor();
    expect(await page.getByTestId('run-title').innerText()).toBe(`Lần gửi #${(await s.registry.listRuns())[0]!.id}: Bật / chờ / tắt`);
    expect(await page.getByTestId('bulk-progress').innerText()).toBe('100 %');
    expect(await page.locator('[data-testid="run-commands"] [data-testid="cmd-row"][data-state="succeeded"]').count()).toBe(2);
    await page.getByTestId('run-back').click();
    await page.getByTestId('sched-none').waitFor();
    await page.getByTestId('cmds-add-schedule').click();
    const editor = page.locator('dialog[open][data-testid="schedule-editor"]');
    await editor.waitFor();
    await editor.getByTestId('sched-name').fill('Bảng tương tác về chế độ chờ cuối ngày');
    await editor.getByTestId('sched-kind').selectOption('board');
    await editor.getByTestId('sched-command').selectOption('power');
    await editor.getByTestId('sched-arg-state').selectOption('standby');
    for (let d = 1; d <= 7; d++) {
      const box = editor.getByTestId(`sched-day-${d}`);
      if ((await box.isChecked()) !== (d <= 6)) await box.click();
    }
    await editor.getByTestId('sched-at').fill('17:30');
    expect(await editor.getByTestId('sched-skip').isChecked()).toBe(true);
    expect(await editor.getByTestId('schedule-summary').innerText()).toBe('Thứ 2–Thứ 7 lúc 17:30, trừ ngày nghỉ');

    const runs = editor.locator('[data-testid="schedule-next-runs"] [data-testid="schedule-next-run"]');
    await waitFor('five next runs', async () => (await runs.count()) === 5);
    const texts = await runs.allInnerTexts();
    for (const text of texts) expect(text).toContain('17:30');
    const weekdays = await runs.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-weekday'))));
    expect(weekdays.every((d) => d >= 1 && d <= 6)).toBe(true);
    expect(await editor.getByTestId('sched-devices').innerText()).toBe('Lịch sẽ gửi tới 2 thiết bị.');

    await editor.getByTestId('sched-save').click();
    await editor.waitFor({ state: 'detached' });
    const row = page.locator('[data-testid="sched-row"]');
    await row.waitFor();
    expect(await row.getByTestId('sched-row-summary').innerText()).toBe('Thứ 2–Thứ 7 lúc 17:30, trừ ngày nghỉ');
    expect(await row.getByTestId('sched-row-next').innerText()).toContain('17:30');
    const saved = await s.registry.listSchedules({ schoolId });
    expect(saved.map((x) => ({ name: x.name, command: x.command, args: x.args, days: x.days, at: x.at, skipHolidays: x.skipHolidays, enabled: x.enabled }))).toEqual([
      { name: 'Bảng tương tác về chế độ chờ cuối ngày', command: 'power', args: { state: 'standby' }, days: [1, 2, 3, 4, 5, 6], at: '17:30', skipHolidays: true, enabled: true },
    ]);

    // Switched off from the list, it stays listed and the registry says so.
    await row.getByTestId('sched-row-enabled').click();
    await waitFor('the schedule switched off', async () => (await s.registry.listSchedules({ schoolId }))[0]?.enabled === false);
  });

  it('edits the schedule into a range (tablets locked 21:00 to 06:00 every day), reads it in English, and deletes it', async () => {
    const row = page.locator('[data-testid="sched-row"]');
    await row.getByTestId('sched-row-edit').click();
    const editor = page.locator('dialog[open][data-testid="schedule-editor"]');
    await editor.waitFor();
    expect(await editor.getByTestId('sched-name').inputValue()).toBe('Bảng tương tác về chế độ chờ cuối ngày');
    expect(await editor.getByTestId('sched-enabled').isChecked()).toBe(false);
    await editor.getByTestId('sched-name').fill('Khoá máy tính bảng ban đêm');
    await editor.getByTestId('sched-kind').selectOption('tablet');
    await editor.getByTestId('sched-command').selectOption('lock');
    await editor.getByTestId('sched-day-7').check();
    await editor.getByTestId('sched-at').fill('21:00');
    await editor.getByTestId('sched-ranged').check();
    await editor.getByTestId('sched-until-at').fill('06:00');
    await editor.getByTestId('sched-until-command').selectOption('unlock');
    expect(await editor.getByTestId('schedule-summary').innerText()).toBe('Hằng ngày từ 21:00 đến 06:00 hôm sau, trừ ngày nghỉ');
    await editor.locator('[data-testid="sched-devices"]', { hasText: '3 thiết bị' }).waitFor();
    await editor.getByTestId('sched-save').click();
    await editor.waitFor({ state: 'detached' });
    await row.locator('[data-testid="sched-row-summary"]', { hasText: 'Hằng ngày từ 21:00' }).waitFor();
    const [saved] = await s.registry.listSchedules({ schoolId });
    expect({ name: saved!.name, target: saved!.target, command: saved!.command, days: saved!.days, at: saved!.at, until: saved!.until, enabled: saved!.enabled }).toEqual({
      name: 'Khoá máy tính bảng ban đêm', target: { type: 'school', id: String(schoolId), kind: 'tablet' }, command: 'lock', days: [1, 2, 3, 4, 5, 6, 7], at: '21:00',
      until: { at: '06:00', command: 'unlock', args: {} }, enabled: false,
    });

    await page.getByTestId('lang-switch').click();
    await page.locator('h1', { hasText: 'Commands & schedules' }).waitFor();
    expect(await row.getByTestId('sched-row-summary').innerText()).toBe('Every day from 21:00 to 06:00 the next day, except holidays and non-teaching days');
    await page.getByTestId('lang-switch').click();
    await page.locator('h1', { hasText: 'Lệnh & lịch' }).waitFor();

    await row.getByTestId('sched-row-delete').click();
    expect(await page.locator('dialog[open] [data-testid="confirm-question"]').innerText()).toBe('Xoá lịch “Khoá máy tính bảng ban đêm”?');
    await page.locator('dialog[open] [data-testid="confirm-ok"]').click();
    await page.getByTestId('sched-none').waitFor();
    expect(await s.registry.listSchedules({ schoolId })).toEqual([]);
  });

  it('gives a planner no command bar and no commands screen', async () => {
    await page.getByTestId('logout').click();
    await logIn(page, s.dashboard!.url, 'ke-hoach', PASSWORD);
    expect(await page.getByTestId('nav-commands').count()).toBe(0);
    await page.goto(`${s.dashboard!.url}/devices/${encodeURIComponent(boards[0]!.id)}`);
    await page.getByTestId('device-title').waitFor();
    expect(await page.getByTestId('cmd-bar').count()).toBe(0);
    await page.goto(`${s.dashboard!.url}/commands`);
    await page.getByTestId('current-user').waitFor();
    expect(await page.getByTestId('forbidden').innerText()).toBe('Bạn không có quyền xem mục này.');
  });
});
