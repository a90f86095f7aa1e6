/**
 * Three schools with a usage day written for each of the last three days, as the analysis writes them: one behind an
 * edge whose data is complete until midnight (today pending), one online (today silent: "no data"), one behind an
 * edge never heard from (the whole window pending). Shared by test/usage/pending.test.ts and its browser test.
 */
import { addDays, localMidnight } from '../../timetable/index.js';
import { addEdge, hearFrom, HOUR } from '../dashboard/edge-helpers.js';
import { seedSchool, type TestStack } from '../helpers/stack.js';

export const PENDING_PASSWORD = 'chờ-dữ-liệu-2026';
export const TODAY = '2026-11-04';
export const NOW = localMidnight(TODAY) + 10 * HOUR;
/** The three days the seed writes, up to `today`. */
export const windowOf = (today: string) => ({ from: addDays(today, -2), to: addDays(today, 1) });
export const WINDOW = windowOf(TODAY);
/** One analysed day of a room: 9 periods (405 min), 1 used (45 min); `covered` of its minutes with data. */
const day = (covered: number) => ({ timetabledMin: 405, inUseTimetabledMin: covered ? 45 : 0, periodsAvailable: 9, periodsUsed: covered ? 1 : 0, outsideMin: 0, coveredMin: covered, periodsUncovered: covered ? 0 : 9 });

export interface PendingSeed { edgeRoom: number; plainRoom: number; silentRoom: number; edgeSchool: number; silentSchool: number }

/** Seeds the three schools and a planner `ke-hoach`; `today`'s data is what the edge still holds, as of `now`. */
export async function seedPending(s: TestStack, today = TODAY, now = NOW): Promise<PendingSeed> {
  const r = s.registry;
  // A school whose site's edge has sent everything up to midnight (by USB): today is still at the school.
  const a = await seedSchool(r, 'LC-TH-MUONG-HUM');
  // A school online, without an edge: today's silence is "no data".
  const b = await r.ensureSchool({ code: 'LC-THCS-COC-LEU', name: 'Trường THCS Cốc Lếu', level: 'thcs', districtId: a.district.id });
  const bRoom = await r.ensureRoom({ siteId: (await r.ensureSite({ schoolId: b.id, name: 'Điểm chính' })).id, code: 'P.TM1', name: 'Phòng học thông minh Cốc Lếu', type: 'smart_classroom' });
  // A school whose edge was registered a week ago and has sent nothing yet.
  const c3 = await r.ensureSchool({ code: 'BX-TH-Y-TY', name: 'Trường TH Y Tý', level: 'tieu_hoc', districtId: a.district.id });
  const cRoom = await r.ensureRoom({ siteId: (await r.ensureSite({ schoolId: c3.id, name: 'Điểm chính' })).id, code: 'P.TM1', name: 'Phòng học thông minh Y Tý', type: 'smart_classroom' });
  for (const [room, name] of [[a.room.id, 'Bảng Mường Hum'], [bRoom.id, 'Bảng Cốc Lếu'], [cRoom.id, 'Bảng Y Tý']] as const) {
    await r.addDevice({ kind: 'board', roomId: room, name, issueSecret: false });
  }
  const edge = await addEdge(r, 'LC-TH-MUONG-HUM', 'Máy trạm Mường Hum', now - 30 * 24 * HOUR);
  await hearFrom(r, edge, now - 2 * HOUR, { via: 'file', at: localMidnight(today), pendingRecords: 0, oldestPendingAt: null, completeUntil: localMidnight(today) });
  await addEdge(r, 'BX-TH-Y-TY', 'Máy trạm Y Tý', now - 7 * 24 * HOUR);

  // What the analysis wrote: both earlier days whole for every room; today nothing has arrived from anyone.
  for (const d of [addDays(today, -2), addDays(today, -1), today]) {
    const covered = d === today ? 0 : 405;
    await r.usage.replaceDay(d, [
      { room: a.room.id, school: a.school.id, totals: day(covered) },
      { room: bRoom.id, school: b.id, totals: day(covered) },
      { room: cRoom.id, school: c3.id, totals: day(0) },
    ], [], []);
  }
  await r.addUser({ username: 'ke-hoach', password: PENDING_PASSWORD, role: 'planner' });
  return { edgeRoom: a.room.id, plainRoom: bRoom.id, silentRoom: cRoom.id, edgeSchool: a.school.id, silentSchool: c3.id };
}
