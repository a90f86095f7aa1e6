/** The report store keeps coverage (minutes and periods) beside the usage totals and the days late data reached, on both engines. */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGINES, useEngines } from '../helpers/engines.js';
import { tempDir } from '../helpers/stack.js';
import { periodUtilisation } from '../../usage/utilisation.js';

const dir = tempDir('edufleet-coverage-store-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const engines = useEngines();

describe.each(ENGINES)('coverage in the report store on %s', (engine) => {
  it('sums covered minutes over days and months, and takes totals written without them as whole', async () => {
    const registry = await engines.open(engine, tempDir('edufleet-coverage-store-db-'));
    const store = registry.usage;
    const totals = { timetabledMin: 405, inUseTimetabledMin: 45, periodsAvailable: 9, periodsUsed: 1, outsideMin: 0 };
    await store.replaceDay('2026-10-30', [{ room: 1, school: 1, totals: { ...totals, coveredMin: 180 } }], [], []);
    await store.replaceDay('2026-11-02', [{ room: 1, school: 1, totals: { ...totals, coveredMin: 405 } }], [], []);
    await store.replaceDay('2026-11-03', [{ room: 1, school: 1, totals }], [], []);
    // Edge days and a whole month, through the month and week tables.
    expect((await store.roomTotals({ from: '2026-10-30', to: '2026-12-01' })).get(1)).toMatchObject({ timetabledMin: 1215, coveredMin: 180 + 405 + 405 });
    expect((await store.weeks({ from: '2026-11-02', to: '2026-11-09' }))[0]!.totals).toMatchObject({ timetabledMin: 810, coveredMin: 810 });
    // The day analysed again when its backlog arrived.
    await store.replaceDay('2026-10-30', [{ room: 1, school: 1, totals: { ...totals, coveredMin: 405 } }], [], []);
    expect((await store.roomTotals({ from: '2026-10-01', to: '2026-11-01' })).get(1)).toMatchObject({ coveredMin: 405 });
    await registry.close();
  });

  it('sums uncovered periods over days, months and weeks, and counts periods written without them as covered', async () => {
    const registry = await engines.open(engine, tempDir('edufleet-coverage-store-db-'));
    const store = registry.usage;
    const totals = { timetabledMin: 360, inUseTimetabledMin: 90, periodsAvailable: 8, periodsUsed: 2, outsideMin: 0 };
    // 30 October lost its morning (4 of 8 periods uncovered); 2 November was whole; 3 November written without the count.
    await store.replaceDay('2026-10-30', [{ room: 1, school: 1, totals: { ...totals, coveredMin: 180, periodsUncovered: 4 } }], [], []);
    await store.replaceDay('2026-11-02', [{ room: 1, school: 1, totals: { ...totals, coveredMin: 360, periodsUncovered: 0 } }], [], []);
    await store.replaceDay('2026-11-03', [{ room: 1, school: 1, totals }], [], []);
    const all = (await store.roomTotals({ from: '2026-10-30', to: '2026-12-01' })).get(1)!;
    expect(all).toMatchObject({ periodsAvailable: 24, periodsUsed: 6, periodsUncovered: 4 });
    // 6 used of the 20 covered periods, through the edge day and the month table.
    expect(periodUtilisation(all)).toBeCloseTo(6 / 20, 9);
    expect((await store.roomTotals({ from: '2026-10-01', to: '2026-11-01' })).get(1)).toMatchObject({ periodsUncovered: 4 });
    expect((await store.weeks({ from: '2026-10-26', to: '2026-11-09' })).map((w) => [w.week, w.totals.periodsUncovered])).toEqual([['2026-10-26', 4], ['2026-11-02', 0]]);
    // The morning's backlog arrived and the day was analysed again: every period covered.
    await store.replaceDay('2026-10-30', [{ room: 1, school: 1, totals: { ...totals, periodsUsed: 6, coveredMin: 360, periodsUncovered: 0 } }], [], []);
    expect((await store.roomTotals({ from: '2026-10-30', to: '2026-12-01' })).get(1)).toMatchObject({ periodsUsed: 10, periodsUncovered: 0 });
    await registry.close();
  });

  it('keeps a day marked for re-analysis until an analysis started after its last mark', async () => {
    const registry = await engines.open(engine, tempDir('edufleet-coverage-store-db-'));
    const store = registry.usage;
    await store.markDirtyDays(['2026-11-02', '2026-10-30'], 1_000);
    await store.markDirtyDays(['2026-11-02'], 5_000);
    expect(await store.dirtyDays()).toEqual([{ day: '2026-10-30', markedAt: 1_000 }, { day: '2026-11-02', markedAt: 5_000 }]);
    // An analysis that started at 3 000 saw the first backlog of 2 November, not the second.
    await store.clearDirtyDay('2026-11-02', 3_000);
    await store.clearDirtyDay('2026-10-30', 3_000);
    expect(await store.dirtyDays()).toEqual([{ day: '2026-11-02', markedAt: 5_000 }]);
    await store.clearDirtyDay('2026-11-02', 5_000);
    expect(await store.dirtyDays()).toEqual([]);
    await registry.close();
  });
});
