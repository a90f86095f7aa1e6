/** The usage analyser against a real stack: readings with past timestamps over MQTT → rollups in InfluxDB. */
import { describe, expect, it } from 'vitest';
import { topics } from '../../protocol/index.js';
import { addDays, defaultTerms, isoWeekday, isTeachingDay, localDate, localMidnight, schoolYearOf } from '../../timetable/index.js';
import { UsageAnalyser } from '../../usage/analyser.js';
import { connectDevice, seedSchool, useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { influxClient } from '../../lib/influx/index.js';
import { systemClock } from '../../lib/clock.js';

const MIN = 60_000;
/** A Monday at least a week ago and in term time (the default THPT timetable: 07:00–07:45, 07:50–08:35, …). */
function pastTeachingMonday(): string {
  let d = addDays(localDate(Date.now()), -7);
  while (isoWeekday(d) !== 1 || !defaultTerms('thpt', schoolYearOf(d)).some((t) => isTeachingDay(t, d))) d = addDays(d, -1);
  return d;
}
const DAY = pastTeachingMonday();
const at = (hhmm: string) => localMidnight(DAY) + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * MIN;

describe('the usage analyser', () => {
  const s = useTestStack();

  it('turns a day of board and sensor readings into intervals with evidence, hourly and daily rollups and device hours', async () => {
    const { room, school } = await seedSchool(s.registry);
    const board = await s.registry.addDevice({ kind: 'board', roomId: room.id, id: 'board-an-1' });
    const sensor = await s.registry.addDevice({ kind: 'sensor', roomId: room.id, id: 'sensor-an-1' });
    await s.directory.refresh();
    // The board is used through period 1 and half of period 2 (07:00–08:12:30); the sensor counts a club at 19:00–20:00.
    const boardReadings = [];
    for (let t = at('06:30'); t < at('07:00'); t += 10 * MIN) boardReadings.push({ ts: t, power: 'standby', touches: 0 });
    for (let t = at('07:00'); t < at('08:12') + 30_000; t += MIN) boardReadings.push({ ts: t, power: 'on', touches: 7 });
    boardReadings.push({ ts: at('08:12') + 30_000, power: 'standby', touches: 0 });
    const sensorReadings = [{ ts: at('18:50'), occupancy: 0 }];
    for (let t = at('19:00'); t < at('20:00'); t += 5 * MIN) sensorReadings.push({ ts: t, occupancy: 24 });
    sensorReadings.push({ ts: at('20:00'), occupancy: 0 });
    for (const [d, readings] of [[board, boardReadings], [sensor, sensorReadings]] as const) {
      const c = await connectDevice(s.mqttUrl, d.device.id, d.secret!);
      await c.publishAsync(topics.telemetry(d.device.id), JSON.stringify(readings), { qos: 1 });
      await c.endAsync();
    }
    // Both devices' readings: the sensor's may reach InfluxDB a flush interval after the board's.
    await waitFor('readings stored', async () => (await s.influx.query(`SELECT count(touches) FROM raw.telemetry_board WHERE device = 'board-an-1'`))[0]
      && (await s.influx.query(`SELECT count(occupancy) FROM raw.telemetry_sensor WHERE device = 'sensor-an-1'`))[0]);

    const analyser = new UsageAnalyser({ influx: influxClient(s.influxUrl, s.config.influx), database: s.config.influx.database, registry: s.registry, store: s.usageStore, clock: systemClock });
    const run = async () => {
      const r = await analyser.analyseDay(DAY);
      expect(r).toMatchObject({ date: DAY, intervals: 2 });
    };
    await run();
    await run(); // analysing a day again replaces, never adds

    const intervals = await s.influx.query<Record<string, unknown>>(`SELECT * FROM rollup.usage_interval WHERE room = '${room.id}'`, { precision: 'ms' });
    expect(intervals.map((r) => ({ start: (r.time as Date).getTime(), end: r.end, by: r.by, boards: r.boards, sensors: r.sensors, school: r.school, room_type: r.room_type }))).toEqual([
      { start: at('07:00'), end: at('08:12') + 30_000, by: 'board', boards: 1, sensors: 0, school: String(school.id), room_type: 'smart_classroom' },
      { start: at('19:00'), end: at('20:00'), by: 'occupancy', boards: 0, sensors: 1, school: String(school.id), room_type: 'smart_classroom' },
    ]);

    const [daily] = await s.influx.query<Record<string, unknown>>(`SELECT * FROM rollup.usage_daily WHERE room = '${room.id}'`);
    // THPT: 9 periods of 45 minutes on a Monday. Period 1 whole, period 2 for 22.5 of 45 minutes (used), 5 minutes of break.
    // The board's last reading (08:12:30) covers until 08:32:30: the 7 periods from 08:50 have no data, so they are
    // neither used nor unused (no m3 … a4 field, counted in periods_uncovered).
    expect(daily).toMatchObject({ weekday: '1', timetabled_min: 405, in_use_tt_min: 67.5, periods: 9, periods_used: 2, periods_uncovered: 7, outside_min: 60 + 5, m1: 1, m2: 1 });
    expect([daily!.m3 ?? null, daily!.a4 ?? null]).toEqual([null, null]);

    const hourly = await s.influx.query<Record<string, unknown>>(`SELECT sum(in_use_tt_min) AS tt, sum(outside_min) AS outside, sum(periods_used) AS used FROM rollup.usage_hourly WHERE room = '${room.id}'`);
    expect(hourly[0]).toMatchObject({ tt: 67.5, outside: 65, used: 2 });

    const devices = await s.influx.query<Record<string, unknown>>(`SELECT active_min FROM rollup.device_usage_daily WHERE room = '${room.id}' GROUP BY device`);
    expect(Object.fromEntries(devices.map((r) => [r.device, r.active_min]))).toEqual({ 'board-an-1': 72.5, 'sensor-an-1': 60 });
  });
});
