/**
 * A site's school day travels up by file (issue 21): an edge's forward log holds the day of 20 boards, `edufleet edge
 * export` writes it signed, `edufleet edge import` applies it at the province through the real CLI, against a real
 * InfluxDB and the province's registry. Counts are exact each time (a second import adds nothing, an overlapping later
 * export adds only the new evening); a changed byte, a cut file, a file signed by another edge than it claims, one of
 * an unknown or revoked edge and one for a site the province does not know are each refused, and change nothing; the
 * site's rooms are marked for re-analysis and, analysed, fully covered.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InfluxDB } from 'influx';
import { ForwardLog } from '../../edge/forward-log.js';
import { resolveTimes, type NewDeviceRecord } from '../../edge/records.js';
import { edgeKeys } from '../../edge/keys.js';
import { registerEdge } from '../../edge/register.js';
import { edgeDir, exportEdge, forwardLogDir, openForwardLog } from '../../edge/sneakernet.js';
import { importEdgeFileAt } from '../../app/edge.js';
import { loadConfig } from '../../config/index.js';
import { systemClock } from '../../lib/clock.js';
import { createLogger } from '../../lib/logger.js';
import { ManagedInfluxd } from '../../lib/influx/index.js';
import { openRegistryStore, type RegistryStore } from '../../registry/index.js';
import { addDays, defaultTerms, isoWeekday, isTeachingDay, localDate, localMidnight, schoolYearOf } from '../../timetable/index.js';
import { UsageAnalyser } from '../../usage/analyser.js';
import { influxEnv, influxOptions, testInfluxClient } from '../helpers/influx.js';
import { seedSchool, tempDir } from '../helpers/stack.js';

const run = promisify(execFile);
const MIN = 60_000;
const SITE = 'LC-THPT-BAT-XAT';

/** A THPT teaching Monday at least a week ago. */
function pastTeachingMonday(): string {
  let d = addDays(localDate(Date.now()), -7);
  while (isoWeekday(d) !== 1 || !defaultTerms('thpt', schoolYearOf(d)).some((t) => isTeachingDay(t, d))) d = addDays(d, -1);
  return d;
}
const DAY = pastTeachingMonday();
const at = (hhmm: string) => localMidnight(DAY) + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * MIN;

/** What an edge's gateway appends for a board: its status when it connects, then a reading a minute over [from, to). */
function boardRecords(id: string, from: string, to: string, status: boolean): NewDeviceRecord[] {
  const out: NewDeviceRecord[] = [];
  if (status) out.push({ d: id, c: 'status', p: resolveTimes('status', '{"state":"online"}', at(from)), at: at(from) });
  for (let t = at(from); t < at(to); t += MIN) {
    const used = t >= at('07:00') && t < at('11:15');
    out.push({ d: id, c: 'telemetry', p: JSON.stringify({ ts: t, power: used ? 'on' : 'standby', touches: used ? 5 : 0 }), at: t + 200 });
  }
  return out;
}

describe('a site\'s day travelling by file', () => {
  const dir = tempDir('edufleet-sneakernet-');
  const province = path.join(dir, 'province');
  const influxd = new ManagedInfluxd(path.join(dir, 'influx'));
  let influx: InfluxDB;
  const boards = Array.from({ length: 20 }, (_, i) => `bx-board-${String(i + 1).padStart(2, '0')}`);
  let siteId = 0;
  let roomIds: number[] = [];
  let schoolId = 0;

  const cli = (dataDir: string, args: string[], site = SITE) => run(process.execPath, ['bin/edufleet.mjs', '--data-dir', dataDir, ...args], {
    env: { ...process.env, EDUFLEET_LOG_LEVEL: 'warn', EDUFLEET_EDGE_SITE: site, ...influxEnv(influxd) }, maxBuffer: 16 * 1024 * 1024,
  });
  /** The code the real CLI refuses a file with. */
  const refusal = async (file: string) => {
    try {
      await cli(province, ['edge', 'import', file]);
    } catch (err) {
      return /EDUFLEET_ERR_[A-Z_]+/.exec((err as { stderr: string }).stderr)?.[0];
    }
    return 'imported';
  };
  /** The same import in this process (what the CLI runs, without starting a process for each refused file). */
  const refusedHere = (file: string) => importEdgeFileAt(loadConfig({ env: {}, overrides: { dataDir: province, logLevel: 'warn', influx: influxOptions(influxd) } }), file, { byUser: 'test', log: createLogger('warn') })
    .then(() => 'imported', (err: unknown) => (err as { code?: string }).code);
  const withProvince = async <T>(fn: (r: RegistryStore) => Promise<T>): Promise<T> => {
    const r = await openRegistryStore({ dataDir: province });
    try {
      return await fn(r);
    } finally {
      await r.close();
    }
  };
  /** An edge with its keys, registered at the province for the site (unless `register` is false): by the CLI, or here. */
  const edge = async (name: string, o: { register?: boolean; byCli?: boolean } = {}) => {
    const dataDir = path.join(dir, name);
    const keys = o.byCli ? JSON.parse((await cli(dataDir, ['edge', 'keys', '--json'])).stdout) as { id: string; signKey: string; boxKey: string } : edgeKeys(edgeDir(dataDir));
    const e = { site: SITE, name: `Máy chủ ${name}`, signKey: keys.signKey, boxKey: keys.boxKey };
    if (o.register !== false && o.byCli) await cli(province, ['edge', 'add', '--site', SITE, '--name', e.name, '--sign-key', e.signKey, '--box-key', e.boxKey]);
    else if (o.register !== false) await withProvince((r) => registerEdge(r, e, { byUser: 'admin', at: Date.now() }));
    return { dataDir, id: keys.id };
  };
  const append = async (dataDir: string, records: NewDeviceRecord[]) => {
    const log = new ForwardLog({ dir: forwardLogDir(dataDir), groupCommitMs: 1, segmentBytes: 1024 * 1024 });
    await log.open();
    await log.append(records);
    await log.close();
  };
  const exportTo = async (dataDir: string, file: string, site = SITE) => JSON.parse((await cli(dataDir, ['edge', 'export', '--out', file, '--json'], site)).stdout) as { count: number; ranges: Record<string, { from: number; to: number }> };
  /** An export made in this process, for the files that are to be refused. */
  const exportHere = async (dataDir: string, file: string, site = SITE) => {
    const log = await openForwardLog(dataDir, { groupCommitMs: 1, segmentBytes: 1024 * 1024 });
    await exportEdge({ dataDir, log, site, out: file, now: Date.now }).finally(() => log.close());
  };
  const importFile = async (file: string) => {
    const r = await cli(province, ['edge', 'import', file, '--json']);
    return { ...(JSON.parse(r.stdout) as { applied: number; present: number; refused: number; gaps: number; devices: string[]; refusedDevices: string[]; days: string[] }), stderr: r.stderr };
  };
  const readings = async () => (await influx.query<{ n: number }>(`SELECT count(touches) AS n FROM raw.telemetry_board WHERE site = '${siteId}'`))[0]?.n ?? 0;
  /** What an import may change: the readings, the days marked, every edge's cursors, edge A's contact and report. */
  const state = async (edgeA: string) => ({
    readings: await readings(),
    ...(await withProvince(async (r) => ({
      dirty: await r.usage.dirtyDays(), edgeA: await r.edges.get(edgeA),
      cursors: Object.fromEntries(await Promise.all((await r.edges.list()).map(async (e) => [e.id, [...await r.edges.cursors(e.id)]] as const))),
    }))),
  });

  beforeAll(async () => {
    await influxd.start();
    influx = testInfluxClient(influxd);
    await withProvince(async (r) => {
      const { site, room, school } = await seedSchool(r, SITE);
      const other = await seedSchool(r, 'LC-THPT-SA-PA');
      siteId = site.id;
      schoolId = school.id;
      const rooms = [room, ...await Promise.all([2, 3, 4, 5].map((n) => r.ensureRoom({ siteId: site.id, code: `P.TM${n}`, name: `Phòng học thông minh ${n}`, type: 'smart_classroom', capacity: 40 })))];
      roomIds = rooms.map((x) => x.id);
      await r.addDevices(boards.map((id, i) => ({ id, kind: 'board', roomId: rooms[i % 5]!.id })));
      await r.addDevice({ id: 'sp-board-01', kind: 'board', roomId: other.room.id });
    });
  });
  afterAll(async () => {
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('A site\'s day travels by file: export, import twice, import an overlapping later export: counts exact each time; one changed byte, a file from another edge and a file for a site not known to the province are each refused, and nothing changes', async () => {
    const a = await edge('edge-a', { byCli: true });
    // The school day of 20 boards, 06:45 to 17:00, and a few readings of a board of another school (not the edge's).
    await append(a.dataDir, [...boards.flatMap((id) => boardRecords(id, '06:45', '17:00', true)), ...boardRecords('sp-board-01', '08:00', '08:05', false)]);
    const day = 20 * (615 + 1);
    const file1 = path.join(dir, 'bat-xat-1.efe');
    const h1 = await exportTo(a.dataDir, file1);
    expect(h1.count).toBe(day + 5);
    expect(h1.ranges[boards[0]!]).toEqual({ from: 1, to: 616 });

    const first = await importFile(file1);
    expect(first).toMatchObject({ applied: day, present: 0, refused: 5, gaps: 0, refusedDevices: ['sp-board-01'], days: [DAY] });
    expect(first.devices).toHaveLength(20);
    expect(first.stderr).toContain(`imported ${day + 5}/${day + 5} record(s)`);
    expect(await readings()).toBe(20 * 615);

    // The same file again: succeeds, changes nothing, and says so.
    const again = await cli(province, ['edge', 'import', file1]);
    expect(again.stdout).toContain(`0 new, ${day} already present, 5 refused`);
    expect(await readings()).toBe(20 * 615);

    // The evening, then a later export: the edge has no confirmation yet, so it holds the whole day again.
    await append(a.dataDir, boards.flatMap((id) => boardRecords(id, '17:00', '18:00', false)));
    const file2 = path.join(dir, 'bat-xat-2.efe');
    expect((await exportTo(a.dataDir, file2)).count).toBe(day + 5 + 20 * 60);
    expect(await importFile(file2)).toMatchObject({ applied: 20 * 60, present: day, refused: 5, gaps: 0 });
    expect(await readings()).toBe(20 * 675);
    const edgeRow = await withProvince(async (r) => r.edges.get(a.id));
    expect(edgeRow!.lastReport).toMatchObject({ via: 'file', pendingRecords: 0 });
    expect(edgeRow!.lastReport!.completeUntil).toBeGreaterThan(at('18:00'));

    const before = await state(a.id);
    // One changed byte in the records.
    const changed = path.join(dir, 'changed.efe');
    const bytes = readFileSync(file2);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 100) ^ 0x01, bytes.length - 100);
    writeFileSync(changed, bytes);
    expect(await refusal(changed)).toBe('EDUFLEET_ERR_EDGE_TAMPERED');
    // Cut short, as a USB stick pulled too early.
    const cut = path.join(dir, 'cut.efe');
    copyFileSync(file2, cut);
    truncateSync(cut, Math.floor(statSync(cut).size / 2));
    expect(await refusedHere(cut)).toBe('EDUFLEET_ERR_EDGE_TRUNCATED');
    // A file another registered edge signed, claiming to be edge A's.
    const b = await edge('edge-b');
    await append(b.dataDir, boardRecords(boards[0]!, '19:00', '19:10', false));
    const fileB = path.join(dir, 'edge-b.efe');
    await exportHere(b.dataDir, fileB);
    const forged = path.join(dir, 'forged.efe');
    writeFileSync(forged, readFileSync(fileB, 'latin1').replace(`"edge":"${b.id}"`, `"edge":"${a.id}"`), 'latin1');
    expect(await refusedHere(forged)).toBe('EDUFLEET_ERR_EDGE_SIGNATURE');
    // A file of an edge the province never registered, and one of a revoked edge.
    const stranger = await edge('edge-x', { register: false });
    await append(stranger.dataDir, boardRecords(boards[0]!, '19:00', '19:10', false));
    const fileX = path.join(dir, 'edge-x.efe');
    await exportHere(stranger.dataDir, fileX);
    expect(await refusedHere(fileX)).toBe('EDUFLEET_ERR_EDGE_UNKNOWN');
    await withProvince((r) => r.edges.revoke(b.id, 'admin', Date.now()));
    expect(await refusedHere(fileB)).toBe('EDUFLEET_ERR_EDGE_REVOKED');
    // An edge configured for a site the province does not know.
    const c = await edge('edge-c');
    await append(c.dataDir, boardRecords(boards[0]!, '19:00', '19:10', false));
    const fileC = path.join(dir, 'edge-c.efe');
    await exportHere(c.dataDir, fileC, 'LC-THPT-KHONG-CO');
    expect(await refusedHere(fileC)).toBe('EDUFLEET_ERR_EDGE_SITE_UNKNOWN');
    // Nothing changed: edges B and C, registered meanwhile, have no cursor either.
    expect(await state(a.id)).toEqual({ ...before, cursors: { ...before.cursors, [b.id]: [], [c.id]: [] } });
  });

  it('applies records that follow a gap in a device\'s sequence, counting the gap', async () => {
    const e = await edge('edge-gap');
    // The edge believes the province has this board's first 3 records (a confirmation it never should have had).
    const log = await openForwardLog(e.dataDir, { groupCommitMs: 1, segmentBytes: 1024 * 1024 });
    await log.confirm({ [boards[1]!]: 3 });
    await log.close();
    await append(e.dataDir, boardRecords(boards[1]!, '20:00', '20:05', false));
    const file = path.join(dir, 'edge-gap.efe');
    await exportHere(e.dataDir, file);
    const before = await readings();
    const s = await importEdgeFileAt(loadConfig({ env: {}, overrides: { dataDir: province, logLevel: 'warn', influx: influxOptions(influxd) } }), file, { byUser: 'test', log: createLogger('silent') });
    expect(s).toMatchObject({ applied: 5, present: 0, refused: 0, gaps: 1 });
    expect(await readings()).toBe(before + 5);
    expect(await withProvince((r) => r.edges.cursors(e.id))).toEqual(new Map([[boards[1]!, 8]]));
  });

  it('marks the site\'s day for re-analysis, and once analysed its rooms are fully covered', async () => {
    await withProvince(async (r) => {
      expect((await r.usage.dirtyDays()).map((d) => d.day)).toContain(DAY);
      await new UsageAnalyser({ influx, database: 'edufleet', registry: r, store: r.usage, clock: systemClock }).analyseDay(DAY);
      const totals = await r.usage.roomTotals({ from: DAY, to: addDays(DAY, 1), schoolIds: [schoolId] });
      for (const room of roomIds) {
        const t = totals.get(room)!;
        expect(t.timetabledMin).toBeGreaterThan(0);
        expect(t.coveredMin).toBe(t.timetabledMin);
      }
    });
  });
});
