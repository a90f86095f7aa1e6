/**
 * A technician logs in and lands on "Sức khỏe thiết bị": the critical device of their school is first, with its
 * reason in words; a verdict written meanwhile shows up live; the room view shows every device as a tile.
 */
import { rmSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import { emptySignals } from '../../domain/index.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { ensureWebBuilt, launchChromium, logIn } from './browser.js';

const PASSWORD = 'kỹ-thuật-viên-cốc-lếu';

describe('the fleet health screens in a browser', () => {
  let s: TestStack;
  let context: BrowserContext | undefined;
  let profile = '';
  let page: Page;
  let roomId = 0;

  beforeAll(async () => {
    ensureWebBuilt();
    ({ context, profile } = await launchChromium());
    s = await startTestStack({ only: ['dashboard'], dashboard: startDashboard });
    const reg = s.registry;
    const d = await reg.ensureDistrict({ code: 'TP-LAO-CAI', name: 'Thành phố Lào Cai' });
    const a = await reg.ensureSchool({ code: 'A', name: 'Trường THCS Cốc Lếu', level: 'thcs', districtId: d.id });
    const b = await reg.ensureSchool({ code: 'B', name: 'Trường THCS Kim Tân', level: 'thcs', districtId: d.id });
    const site = await reg.ensureSite({ schoolId: a.id, name: 'Điểm chính' });
    const siteB = await reg.ensureSite({ schoolId: b.id, name: 'Điểm chính' });
    const room = await reg.ensureRoom({ siteId: site.id, code: 'P.TM1', name: 'Phòng thông minh 1', type: 'smart_classroom' });
    const roomB = await reg.ensureRoom({ siteId: siteB.id, code: 'P.TM1', name: 'Phòng Kim Tân', type: 'smart_classroom' });
    roomId = room.id;
    await reg.addDevice({ id: 'board-a', kind: 'board', roomId: room.id, name: 'Bảng tương tác 86 inch', issueSecret: false });
    for (let i = 1; i <= 3; i++) await reg.addDevice({ id: `tablet-a${i}`, kind: 'tablet', roomId: room.id, name: `Máy tính bảng ${i}`, issueSecret: false });
    await reg.addDevice({ id: 'board-b', kind: 'board', roomId: roomB.id, name: 'Bảng Kim Tân', issueSecret: false });
    const now = Date.now();
    const online = { ...emptySignals(), presence: 'online' as const, presenceSince: now - 3_600_000 };
    await reg.recordSignals(['board-a', 'tablet-a1', 'tablet-a2', 'board-b'].map((deviceId) => ({ deviceId, signals: online })), now);
    await reg.recordVerdicts([
      { deviceId: 'board-a', level: 'critical', reasons: [{ rule: 'board_overheat', severity: 'critical', value: 68 }] },
      { deviceId: 'board-b', level: 'critical', reasons: [{ rule: 'board_overheat', severity: 'critical', value: 70 }] },
    ], now);
    await reg.addUser({ username: 'ktv.coclieu', password: PASSWORD, role: 'technician', displayName: 'KTV Cốc Lếu', scope: { schoolIds: [a.id] } });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    await s?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('lands a technician on the health view, the critical board of their school first, and nothing of another school', async () => {
    await logIn(page, s.dashboard!.url, 'ktv.coclieu', PASSWORD);
    await page.getByRole('heading', { name: 'Sức khỏe thiết bị' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/health');
    await page.locator('[data-testid^="health-row-"]').first().waitFor();
    const rows = page.locator('[data-testid^="health-row-"]');
    expect(await rows.first().getAttribute('data-testid')).toBe('health-row-board-a');
    expect(await rows.first().getAttribute('data-level')).toBe('critical');
    await page.getByTestId('health-row-board-a').filter({ hasText: 'Bảng quá nóng: 68 °C' }).waitFor();
    expect(await rows.count()).toBe(4);
    expect(await page.getByTestId('health-row-board-b').count()).toBe(0);
    await page.getByTestId('health-places').filter({ hasText: 'Trường THCS Cốc Lếu' }).waitFor();
    expect(await page.getByTestId('health-places').textContent()).not.toContain('Kim Tân');
  });

  it('updates a row live when the engine writes a new verdict', async () => {
    await s.registry.recordVerdicts([{ deviceId: 'tablet-a1', level: 'warning', reasons: [{ rule: 'low_battery', severity: 'warning', value: 11 }] }], Date.now());
    await page.getByTestId('health-row-tablet-a1').filter({ hasText: 'Pin yếu 11 % và không sạc' }).waitFor();
    expect(await page.getByTestId('health-level-tablet-a1').getAttribute('data-level')).toBe('warning');
  });

  it('reads the page again when a device off the page turns bad, so the worst stay first', async () => {
    await page.goto(`${s.dashboard!.url}/health?level=critical`);
    await page.getByTestId('health-row-board-a').waitFor();
    expect(await page.locator('[data-testid^="health-row-"]').count()).toBe(1);
    await s.registry.recordVerdicts([{ deviceId: 'tablet-a2', level: 'critical', reasons: [{ rule: 'error_events', severity: 'critical', value: 6 }] }], Date.now());
    await page.getByTestId('health-row-tablet-a2').filter({ hasText: '6 lỗi trong 1 giờ' }).waitFor();
    expect(await page.locator('[data-testid^="health-row-"]').count()).toBe(2);
  });

  it('drills down from the school to its site and its rooms, then back up', async () => {
    await page.getByTestId('health-places').locator('button').filter({ hasText: 'Trường THCS Cốc Lếu' }).click();
    await page.getByRole('heading', { name: 'Theo điểm trường' }).waitFor();
    await page.getByTestId('health-places').locator('button').filter({ hasText: 'Điểm chính' }).click();
    await page.getByRole('heading', { name: 'Theo phòng' }).waitFor();
    const room = page.getByTestId(`health-place-${roomId}`);
    expect(await room.getAttribute('data-level')).toBe('critical');
    expect(await room.textContent()).toContain('Nghiêm trọng: 2');
    await page.getByTestId('health-up').click();
    await page.getByRole('heading', { name: 'Theo điểm trường' }).waitFor();
    await page.getByTestId('health-up').click();
    await page.getByRole('heading', { name: 'Theo trường' }).waitFor();
  });

  it('opens the room of the critical device: every device as a tile, each linking to its page', async () => {
    await page.getByTestId('health-room-board-a').click();
    await page.getByTestId('room-title').filter({ hasText: 'Phòng thông minh 1' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/rooms/${roomId}`);
    const tiles = page.locator('[data-testid^="room-tile-"]');
    await tiles.first().waitFor();
    expect(await tiles.count()).toBe(4);
    expect(await page.getByTestId('room-tile-board-a').getAttribute('class')).toContain('level-critical');
    expect(await page.getByTestId('room-tile-tablet-a3').textContent()).toContain('Chưa từng kết nối');
    expect(await page.getByTestId('room-level').getAttribute('data-level')).toBe('critical');
    await s.registry.recordVerdicts([{ deviceId: 'tablet-a3', level: 'warning', reasons: [{ rule: 'clock_skew', severity: 'warning', value: 7 }] }], Date.now());
    await page.locator('[data-testid="room-tile-tablet-a3"].level-warning').filter({ hasText: 'Đồng hồ lệch 7 phút' }).waitFor();
    await page.getByTestId('room-rollup').filter({ hasText: 'Cảnh báo: 2' }).waitFor();
    await page.getByTestId('room-tile-board-a').click();
    await page.waitForURL((u) => u.pathname === '/devices/board-a');
  });

  it('speaks English on the switch', async () => {
    await page.getByTestId('nav-health').click();
    await page.getByTestId('lang-switch').click();
    await page.getByRole('heading', { name: 'Device health' }).waitFor();
    await page.getByTestId('health-row-board-a').filter({ hasText: 'Board overheating: 68 °C' }).waitFor();
    await page.getByTestId('health-row-tablet-a1').filter({ hasText: 'Battery low: 11 %, not charging' }).waitFor();
    await page.getByTestId('lang-switch').click();
    await page.getByRole('heading', { name: 'Sức khỏe thiết bị' }).waitFor();
  });
});
