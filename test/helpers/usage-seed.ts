import { systemClock } from '../../lib/clock.js';
import { influxClient } from '../../lib/influx/index.js';
import { topics } from '../../protocol/index.js';
import { addDays, defaultTerms, isTeachingDay, isoWeekday, localDate, localMidnight, schoolYearOf } from '../../timetable/index.js';
import { UsageAnalyser } from '../../usage/analyser.js';
import { previousMonth } from '../../usage/monthly-reports.js';
import { connectDevice, type TestStack } from './stack.js';
import { waitFor } from './wait.js';

const MIN = 60_000;

/** A THPT teaching Monday in the month before the current one (the monthly report's month). */
export function teachingMondayLastMonth(): string {
  const { from, to } = previousMonth(localDate(Date.now()));
  for (let d = from; d < to; d = addDays(d, 1)) {
    if (isoWeekday(d) === 1 && defaultTerms('thpt', schoolYearOf(d)).some((t) => isTeachingDay(t, d))) return d;
  }
  throw new Error(`no teaching Monday in ${from} – ${to}`);
}

export type UsageSeed = Awaited<ReturnType<typeof seedUsage>>;

/**
 * Two districts with a THPT school each and a smart classroom with a board each; users kh-tinh (province planner),
 * kh-lc (planner of district 1), ktv-b (technician of school B). On a teaching Monday of last month, room A's board
 * is used through periods 1–4 of the morning (07:00–10:25) and room B's through period 1; that day is analysed.
 */
export async function seedUsage(s: TestStack, password: string) {
  const day = teachingMondayLastMonth();
  const at = (hhmm: string) => localMidnight(day) + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * MIN;
  const reg = s.registry;
  const d1 = await reg.ensureDistrict({ code: 'TP-LAO-CAI', name: 'Thành phố Lào Cai' });
  const d2 = await reg.ensureDistrict({ code: 'TX-SA-PA', name: 'Thị xã Sa Pa' });
  const a = await reg.ensureSchool({ code: 'LC-THPT-A', name: 'Trường THPT Lào Cai số 1', level: 'thpt', districtId: d1.id, pupils: 1100 });
  const b = await reg.ensureSchool({ code: 'SP-THPT-B', name: 'Trường THPT Sa Pa', level: 'thpt', districtId: d2.id, pupils: 700 });
  const roomA = await reg.ensureRoom({ siteId: (await reg.ensureSite({ schoolId: a.id, name: 'Điểm chính' })).id, code: 'P.TM1', name: 'Phòng học thông minh A', type: 'smart_classroom' });
  const roomB = await reg.ensureRoom({ siteId: (await reg.ensureSite({ schoolId: b.id, name: 'Điểm chính' })).id, code: 'P.TM1', name: 'Phòng học thông minh B', type: 'smart_classroom' });
  const boardA = await reg.addDevice({ kind: 'board', roomId: roomA.id, id: 'board-a', costVnd: 150_000_000, serviceLifeYears: 5, inServiceDate: '2024-09-01' });
  const boardB = await reg.addDevice({ kind: 'board', roomId: roomB.id, id: 'board-b', costVnd: 150_000_000, serviceLifeYears: 5, inServiceDate: '2022-09-01' });
  await reg.addUser({ username: 'kh-tinh', password, role: 'planner', displayName: 'Kế hoạch Sở' });
  await reg.addUser({ username: 'kh-lc', password, role: 'planner', scope: { districtIds: [d1.id] } });
  await reg.addUser({ username: 'ktv-b', password, role: 'technician', scope: { schoolIds: [b.id] } });
  await s.directory.refresh();
  const useBoard = async (id: string, secret: string, from: string, to: string) => {
    const readings: Record<string, unknown>[] = [{ ts: at('06:40'), power: 'standby', touches: 0 }];
    for (let t = at(from); t < at(to); t += MIN) readings.push({ ts: t, power: 'on', touches: 9 });
    // Then a heartbeat every 15 minutes, as devices send: the day is covered by data (the board on standby, not in use).
    for (let t = at(to); t <= at('17:00'); t += 15 * MIN) readings.push({ ts: t, power: 'standby', touches: 0 });
    const c = await connectDevice(s.mqttUrl, id, secret);
    await c.publishAsync(topics.telemetry(id), JSON.stringify(readings), { qos: 1 });
    await c.endAsync();
  };
  await useBoard('board-a', boardA.secret!, '07:00', '10:25');
  await useBoard('board-b', boardB.secret!, '07:00', '07:45');
  const heartbeats = (to: string) => Math.floor((at('17:00') - at(to)) / (15 * MIN)) + 1;
  const expected = (10 * 60 + 25 - 7 * 60) + 45 + 2 + heartbeats('10:25') + heartbeats('07:45');
  await waitFor('readings stored', async () => (await s.influx.query<{ n: number }>('SELECT count(touches) AS n FROM raw.telemetry_board'))[0]?.n === expected);
  await new UsageAnalyser({ influx: influxClient(s.influxUrl, s.config.influx), database: s.config.influx.database, registry: reg, store: s.usageStore, clock: systemClock }).analyseDay(day);
  const month = previousMonth(localDate(Date.now()));
  return { day, window: { from: month.from, to: month.to }, ids: { d1: d1.id, d2: d2.id, schoolA: a.id, schoolB: b.id, roomA: roomA.id, roomB: roomB.id } };
}
