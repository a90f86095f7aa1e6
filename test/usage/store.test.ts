import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openRegistryStore, splitWindow, weekOf } from '../../registry/index.js';
import { addDays } from '../../timetable/index.js';
import { tempDir } from '../helpers/stack.js';

const dir = tempDir('edufleet-report-store-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the report store', () => {
  it('splits a window into whole months and edge days', () => {
    expect(splitWindow('2026-01-15', '2026-03-01')).toEqual({ months: ['2026-02'], edges: [['2026-01-15', '2026-02-01']] });
    expect(splitWindow('2026-02-01', '2026-02-15')).toEqual({ months: [], edges: [['2026-02-01', '2026-02-15']] });
    expect(splitWindow('2025-12-20', '2026-02-03')).toEqual({ months: ['2026-01'], edges: [['2025-12-20', '2026-01-01'], ['2026-02-01', '2026-02-03']] });
    expect(weekOf('2026-11-29')).toBe('2026-11-23');
    expect(weekOf('2026-11-23')).toBe('2026-11-23');
  });

  it('answers any window with the same totals as adding its days up, across months and re-analysed days', async () => {
    const registry = await openRegistryStore({ dataDir: dir });
    const store = registry.usage;
    const days: string[] = [];
    for (let d = '2026-01-05'; d < '2026-04-10'; d = addDays(d, 1)) days.push(d);
    const used = (d: string, room: number) => (Number(d.slice(8)) * 7 + room * 13) % 45;
    for (const d of days) {
      const rooms = [1, 2].map((room) => ({ room, school: room, totals: { timetabledMin: 90, inUseTimetabledMin: used(d, room), periodsAvailable: 2, periodsUsed: used(d, room) >= 23 ? 1 : 0, outsideMin: 1 } }));
      // A first, wrong analysis of the day, then the right one: the second replaces the first everywhere.
      await store.replaceDay(d, rooms.map((r) => ({ ...r, totals: { ...r.totals, inUseTimetabledMin: 999 } })), [], []);
      await store.replaceDay(d, rooms, [{ school: 1, weekday: 1, slot: 'm1', used: 1, available: 1 }], [{ device: 'b1', school: 1, activeMin: 30 }]);
    }
    for (const [from, to] of [['2026-01-05', '2026-04-10'], ['2026-01-20', '2026-03-03'], ['2026-02-01', '2026-03-01'], ['2026-03-10', '2026-03-12']]) {
      const inWindow = days.filter((d) => d >= from! && d < to!);
      const t = (await store.roomTotals({ from: from!, to: to! })).get(1)!;
      expect(t.inUseTimetabledMin, `${from}–${to}`).toBe(inWindow.reduce((a, d) => a + used(d, 1), 0));
      expect(t.timetabledMin).toBe(inWindow.length * 90);
      expect((await store.deviceHours({ from: from!, to: to! })).get('b1')).toBe(inWindow.length * 0.5);
      expect(await store.heatmap({ from: from!, to: to!, schoolIds: [1] })).toEqual([{ weekday: 1, slot: 'm1', used: inWindow.length, available: inWindow.length }]);
      expect((await store.roomTotals({ from: from!, to: to!, schoolIds: [2] })).has(1)).toBe(false);
    }
    await registry.close();
  });
});
