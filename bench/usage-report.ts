/**
 * The province planning report over one school year of rollups: 600 schools × 10 rooms (two devices each), a
 * daily rollup per room and teaching day and a device-hours rollup per device and day, written straight into a
 * managed InfluxDB; then the report (GET /api/usage for the whole province, the year) and the budget planner are
 * timed, and the PDF rendering on its own. Reference in the same run: one bare InfluxQL sum over the same points.
 * Writes bench/results/usage-report.json; docs/benchmarks.md shows it (bench/lib/report.ts).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InfluxV1Writer } from '../gateway/telemetry-writer.js';
import { ManagedInfluxd, ROLLUP_RP, influxClient } from '../lib/influx/index.js';
import { systemClock } from '../lib/clock.js';
import { openRegistryStore, type DeviceDay, type HeatCell, type RegistryStore, type RoomDay } from '../registry/index.js';
import { defaultTerms, isoWeekday, localMidnight, periodSlots } from '../timetable/index.js';
import { slotKey } from '../usage/analyser.js';
import { reportPdf, reportTitle } from '../usage/export.js';
import { UsageQueries } from '../usage/queries.js';
import { planningReport, usageReport } from '../usage/report.js';
import { InfluxHttp } from './lib/influx-http.js';
import { round } from './lib/procs.js';
import { REPO_ROOT } from './lib/servers.js';

export interface UsageBenchResults {
  date: string;
  shape: { schools: number; rooms: number; devices: number; days: number; dailyPoints: number; devicePoints: number; from: string; to: string };
  runs: number;
  /** Milliseconds, each run and the median. */
  reportMs: number[];
  planningMs: number[];
  pdfMs: number[];
  rawSumMs: number[];
  medians: { reportMs: number; planningMs: number; pdfMs: number; rawSumMs: number };
  targetMs: number;
  met: boolean;
  machine: { cpus: number; cpuModel: string; node: string; influxdb: string };
}

/** The province in the registry: 9 districts, a school in ten under the Sở directly, a board and a sensor per room (no credentials). */
async function seedRegistry(registry: RegistryStore, schools: number, roomsPerSchool: number) {
  const district = (s: number) => (s % 10 === 9 ? null : `D${(s % 9) + 1}`);
  const ids = await registry.ensurePlaces({
    districts: Array.from({ length: 9 }, (_, i) => ({ code: `D${i + 1}`, name: `Huyện ${i + 1}` })),
    schools: Array.from({ length: schools }, (_, s) => ({
      code: `S${s}`, name: `Trường ${s}`, level: 'thpt' as const, district: district(s), pupils: 300 + (s * 37) % 1200,
      sites: [{ name: 'Điểm chính', rooms: Array.from({ length: roomsPerSchool }, (_, r) => ({ code: `P${r}`, name: `Phòng ${r}`, type: r === 0 ? 'smart_classroom' as const : r === 1 ? 'computer_room' as const : 'classroom' as const })) }],
    })),
  });
  const rooms: { id: number; site: number; school: number; district: string; devices: string[] }[] = [];
  const devices: Parameters<RegistryStore['addDevices']>[0] = [];
  ids.schools.forEach((school, s) => {
    const d = district(s);
    const site = school.sites[0]!;
    site.rooms.forEach((id, r) => {
      const room = { id, site: site.id, school: school.id, district: d === null ? 'so' : String(ids.districts.get(d)), devices: [`b-${s}-${r}`, `s-${s}-${r}`] };
      rooms.push(room);
      devices.push({ id: room.devices[0], kind: 'board', roomId: id, issueSecret: false, costVnd: 120_000_000, serviceLifeYears: 8, inServiceDate: '2022-09-01' });
      devices.push({ id: room.devices[1], kind: 'sensor', roomId: id, issueSecret: false, costVnd: 6_000_000, serviceLifeYears: 5, inServiceDate: '2022-09-01' });
    });
  });
  await registry.addDevices(devices);
  return rooms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await fn();
  return [performance.now() - t0, v];
}

export async function benchUsageReport(o: { schools?: number; roomsPerSchool?: number; runs?: number; log?: (s: string) => void } = {}): Promise<UsageBenchResults> {
  const schools = o.schools ?? 600;
  const roomsPerSchool = o.roomsPerSchool ?? 10;
  const runs = o.runs ?? 5;
  const log = o.log ?? ((s: string) => console.log(`bench(usage): ${s}`));
  const dir = path.join(os.tmpdir(), `edufleet-usage-bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  // A year of rollups is cold and compacted in a real deployment; short cold durations get it there in seconds.
  const influxd = new ManagedInfluxd(path.join(dir, 'influxdb'), 'influxd', { 'cache-snapshot-write-cold-duration': '"2s"', 'compact-full-write-cold-duration': '"5s"' });
  try {
    const url = await influxd.start();
    const db = 'edufleet';
    const creds = influxd.credentials!;
    await new InfluxV1Writer({ url, ...creds, database: db, rawRetention: '90d', rollupRetention: '1825d' }).ensureSchema();
    const registry = await openRegistryStore({ dataDir: dir });
    const store = registry.usage;
    const http = new InfluxHttp(url, creds);
    const year = 2025;
    const terms = defaultTerms('thpt', year);
    const from = terms[0]!.start;
    const to = '2026-06-01';
    const slots = periodSlots(terms, localMidnight(from), localMidnight(to));
    const days = [...new Set(slots.map((s) => s.date))];

    log(`registry: ${schools} schools × ${roomsPerSchool} rooms`);
    const rooms = await seedRegistry(registry, schools, roomsPerSchool);

    log(`writing ${rooms.length * days.length} daily and ${rooms.length * 2 * days.length} device-day rollups`);
    const slotsByDay = new Map<string, typeof slots>();
    for (const s of slots) slotsByDay.set(s.date, [...(slotsByDay.get(s.date) ?? []), s]);
    let lines: string[] = [];
    const flush = async (force = false) => {
      if (lines.length >= 20_000 || (force && lines.length)) {
        const body = lines.join('\n');
        lines = [];
        const res = await fetch(`${url}/write?db=${db}&rp=${ROLLUP_RP}&precision=ms`, { method: 'POST', headers: http.headers, body });
        if (res.status !== 204) throw new Error(`write failed: ${res.status} ${await res.text()}`);
      }
    };
    let dailyPoints = 0;
    let devicePoints = 0;
    const stored = new Map<string, { rooms: RoomDay[]; heat: HeatCell[]; devices: DeviceDay[] }>(days.map((d) => [d, { rooms: [], heat: [], devices: [] }]));
    for (const room of rooms) {
      const tags = `room=${room.id},site=${room.site},school=${room.school},district=${room.district},room_type=classroom`;
      // Each room has its own steady level of use, so the report has underused, normal and saturated rooms.
      const level = ((room.id * 7919) % 100) / 100;
      for (const date of days) {
        const daySlots = slotsByDay.get(date)!;
        const used = daySlots.map((s, i) => (((i * 31 + room.id * 17 + date.charCodeAt(9)) % 100) / 100 < level ? 1 : 0));
        const usedCount = used.reduce((a: number, b) => a + b, 0);
        const fields = [`timetabled_min=${daySlots.length * 45}`, `in_use_tt_min=${usedCount * 45}`, `periods=${daySlots.length}`, `periods_used=${usedCount}`, `outside_min=${usedCount ? 10 : 0}`,
          ...daySlots.map((s, i) => `${slotKey(s)}=${used[i]}`)];
        const ts = localMidnight(date);
        lines.push(`usage_daily,${tags},weekday=${isoWeekday(date)} ${fields.join(',')} ${ts}`);
        dailyPoints++;
        const day = stored.get(date)!;
        day.rooms.push({ room: room.id, school: room.school, totals: { timetabledMin: daySlots.length * 45, inUseTimetabledMin: usedCount * 45, periodsAvailable: daySlots.length, periodsUsed: usedCount, outsideMin: usedCount ? 10 : 0 } });
        daySlots.forEach((s, i) => day.heat.push({ school: room.school, weekday: isoWeekday(date), slot: slotKey(s), used: used[i]!, available: 1 }));
        for (const d of room.devices) {
          lines.push(`device_usage_daily,${tags},device=${d},kind=${d[0] === 'b' ? 'board' : 'sensor'} active_min=${usedCount * 45} ${ts}`);
          day.devices.push({ device: d, school: room.school, activeMin: usedCount * 45 });
          devicePoints++;
        }
        await flush();
      }
    }
    await flush(true);
    log(`folding ${days.length} days into the report store`);
    for (const [date, d] of stored) await store.replaceDay(date, d.rooms, d.heat, d.devices);
    log('waiting for the shards to be snapshotted and compacted');
    await waitForCompaction(path.join(dir, 'influxdb'), log);

    const queries = new UsageQueries(influxClient(url, { database: db, ...creds }), db);
    const result: UsageBenchResults = {
      date: new Date().toISOString(),
      shape: { schools, rooms: rooms.length, devices: rooms.length * 2, days: days.length, dailyPoints, devicePoints, from, to },
      runs, reportMs: [], planningMs: [], pdfMs: [], rawSumMs: [],
      medians: { reportMs: 0, planningMs: 0, pdfMs: 0, rawSumMs: 0 },
      targetMs: 2000, met: false,
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, influxdb: await http.version() },
    };
    // Interleaved rounds: the bare InfluxQL sum, the report, the planner, the PDF.
    for (let i = 0; i < runs; i++) {
      const [raw] = await timed(() => http.query(`SELECT sum("in_use_tt_min"), sum("timetabled_min") FROM "${db}"."${ROLLUP_RP}"."usage_daily" WHERE time >= ${localMidnight(from)}ms AND time < ${localMidnight(to)}ms GROUP BY "room"`, db));
      const [reportMs, report] = await timed(() => usageReport({ registry, store, queries, scope: undefined, from, to, now: systemClock.now() }));
      const [planMs, plan] = await timed(() => planningReport({ registry, store, scope: undefined, from, to, rooms: 2, now: systemClock.now() }));
      const [pdfMs] = await timed(() => reportPdf(report, reportTitle(report, 'Toàn tỉnh'), plan));
      result.rawSumMs.push(round(raw, 1));
      result.reportMs.push(round(reportMs, 1));
      result.planningMs.push(round(planMs, 1));
      result.pdfMs.push(round(pdfMs, 1));
      log(`round ${i + 1}/${runs}: report ${round(reportMs)} ms (${report.rooms.length} rooms), planner ${round(planMs)} ms, PDF ${round(pdfMs)} ms, bare sum ${round(raw)} ms`);
    }
    result.medians = { reportMs: median(result.reportMs), planningMs: median(result.planningMs), pdfMs: median(result.pdfMs), rawSumMs: median(result.rawSumMs) };
    result.met = result.medians.reportMs < result.targetMs;
    await registry.close();
    return result;
  } finally {
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const USAGE_RESULTS = path.join(REPO_ROOT, 'bench', 'results', 'usage-report.json');

export function saveUsageResults(r: UsageBenchResults): void {
  mkdirSync(path.dirname(USAGE_RESULTS), { recursive: true });
  writeFileSync(USAGE_RESULTS, JSON.stringify(r, null, 2) + '\n');
}

/** Waits until no `.tsm.tmp` or WAL segment with data is left, i.e. the cache is snapshotted and compactions are done. */
async function waitForCompaction(dir: string, log: (s: string) => void): Promise<void> {
  const { readdirSync, statSync } = await import('node:fs');
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
  const t0 = Date.now();
  let quietSince = 0;
  let last = '';
  while (Date.now() - t0 < 180_000) {
    const files = walk(dir);
    const wal = files.filter((f) => f.includes(`${path.sep}wal${path.sep}`) && f.endsWith('.wal') && statSync(f).size > 0).length;
    const tsm = files.filter((f) => f.endsWith('.tsm')).length;
    const tmp = files.filter((f) => f.endsWith('.tmp')).length;
    const state = `${wal}/${tsm}/${tmp}`;
    if (state !== last) { last = state; quietSince = Date.now(); }
    if (wal === 0 && tmp === 0 && Date.now() - quietSince > 8000) return log(`compacted: ${tsm} TSM file(s) after ${Math.round((Date.now() - t0) / 1000)} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  log('compaction did not settle within 3 minutes; measuring anyway');
}
