/**
 * The monthly feed (issue 22, "data upward"; docs/integration.md, "Monthly feed (data upward)"): a district planner's
 * API token pulls its district's schools as JSON and as CSV, with the figures of the usage report and the KPI for the
 * same month; a month nobody analysed answers nulls with its reason; the v1 shape is pinned here, so a change to it
 * fails this file (and is a /v2).
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEED_V1_CSV_COLUMNS, MonthlyFeedSchoolV1, MonthlyFeedV1, type KpiResponse, type UsageReport } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { newApiToken } from '../../dashboard/server/security/api-tokens.js';
import type { Role, Scope } from '../../registry/index.js';
import { addDays, localDate } from '../../timetable/index.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { seedUsage, type UsageSeed } from '../helpers/usage-seed.js';

const PASSWORD = 'nguồn-dữ-liệu-2026';

/** THE V1 SHAPE, written out: changing it is a new version of the feed, not an edit here. */
const V1_TOP = ['schemaVersion', 'month', 'partial', 'generatedAt', 'timeZone', 'analysed', 'schools'];
const V1_ROW = [
  'month', 'partial', 'provinceCode', 'provinceName', 'districtCode', 'districtName', 'schoolCode', 'schoolName', 'equippedRooms', 'pendingRooms',
  'scheduledPeriods', 'scheduledHours', 'coveredHours', 'usedHours', 'outsideHours', 'timeUtilisationPct', 'periodUtilisationPct', 'coveragePct',
  'costPerUsedHourVnd', 'recordsComplete', 'recordsTotal', 'recordsPct', 'recordsAsOf', 'usageNote',
];
const V1_CSV_HEADER = 'month,partial,province_code,province_name,district_code,district_name,school_code,school_name,equipped_rooms,pending_rooms,'
  + 'scheduled_periods,scheduled_hours,covered_hours,used_hours,outside_hours,time_utilisation_pct,period_utilisation_pct,coverage_pct,'
  + 'cost_per_used_hour_vnd,records_complete,records_total,records_pct,records_as_of,usage_note';

/** As the feed rounds: per cent and hours to 2 decimals. */
const pct = (x: number | null) => (x === null ? null : Math.round(x * 100 * 100) / 100);
const hours = (x: number) => Math.round(x * 100) / 100;

describe('the monthly feed of room use, coverage and the records KPI', () => {
  let s: TestStack;
  let seeded: UsageSeed;
  let month = '';
  let district1Token = '';
  let technicianToken = '';

  const tokenFor = async (role: Role, scope: Scope) => {
    const { token, prefix } = newApiToken();
    await s.registry.apiTokens.add({ name: `Cơ sở dữ liệu ngành (${role})`, token, prefix, role, scope, write: false, expiresAt: Date.now() + 86_400_000 }, 'admin', Date.now());
    return token;
  };
  const call = async (token: string | undefined, path: string) => {
    const res = await fetch(s.dashboard!.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const text = await res.text();
    const json = res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) as unknown : undefined;
    return { status: res.status, text, json, headers: res.headers };
  };
  const feed = async (token: string, q: string) => {
    const r = await call(token, `/api/feed/v1/monthly${q}`);
    expect(r.status, r.text).toBe(200);
    return r.json as MonthlyFeedV1;
  };
  const csvRows = async (token: string, q: string) => {
    const r = await call(token, `/api/feed/v1/monthly.csv${q}`);
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    return { text: r.text, rows: parse(r.text, { columns: true }) as Record<string, string>[] };
  };
  /** What the CSV must hold for a JSON value: empty for null, never a fake 0. */
  const cellOf = (v: unknown) => (v === null ? '' : String(v));

  beforeAll(async () => {
    s = await startTestStack({ dashboard: startDashboard, overrides: { reports: { provinceCode: '10', provinceName: 'Lào Cai' } } });
    seeded = await seedUsage(s, PASSWORD);
    month = seeded.window.from.slice(0, 7);
    const { d1, schoolB } = seeded.ids;
    // A school of district 1 with no equipped room, and a device with a complete digital record in room A.
    await s.registry.ensureSchool({ code: 'LC-THCS-C', name: 'Trường THCS Cốc Lếu', level: 'thcs', districtId: d1, pupils: 600 });
    await s.registry.addDevice({ kind: 'sensor', roomId: seeded.ids.roomA, id: 'sensor-feed-a', code: 'TB-0001', model: 'ESP32-S3', costVnd: 2_500_000, serviceLifeYears: 5, inServiceDate: '2025-01-10' });
    district1Token = await tokenFor('planner', { districtIds: [d1] });
    technicianToken = await tokenFor('technician', { schoolIds: [schoolB] });
  });
  afterAll(async () => { await s?.close(); });

  it('gives a district planner\'s token the same schools and figures as JSON and as CSV, only its district\'s', async () => {
    const json = await feed(district1Token, `?month=${month}`);
    expect(json).toMatchObject({ schemaVersion: 1, month, partial: false, timeZone: 'Asia/Ho_Chi_Minh', analysed: true });
    expect(json.schools.map((x) => x.schoolCode)).toEqual(['LC-THCS-C', 'LC-THPT-A']);
    for (const row of json.schools) expect(row).toMatchObject({ month, provinceCode: '10', provinceName: 'Lào Cai', districtCode: 'TP-LAO-CAI', districtName: 'Thành phố Lào Cai' });
    const { text, rows } = await csvRows(district1Token, `?month=${month}`);
    expect(text.charCodeAt(0)).not.toBe(0xfeff);
    expect(rows).toHaveLength(json.schools.length);
    rows.forEach((row, i) => {
      for (const [column, key] of FEED_V1_CSV_COLUMNS) expect(row[column], `${column} of ${json.schools[i]!.schoolCode}`).toBe(cellOf(json.schools[i]![key]));
    });
    // The school without an equipped room: nothing measured its use, so nothing is said, not zero.
    const c = json.schools.find((x) => x.schoolCode === 'LC-THCS-C')!;
    expect(c).toMatchObject({ equippedRooms: 0, usageNote: 'no_equipped_rooms', scheduledHours: null, timeUtilisationPct: null, recordsTotal: 0, recordsPct: null });
    expect(rows.find((r) => r.school_code === 'LC-THCS-C')).toMatchObject({ scheduled_hours: '', time_utilisation_pct: '', records_total: '0', records_pct: '' });
  });

  it('gives the figures of the usage report and of the KPI for the same month and scope', async () => {
    const json = await feed(district1Token, `?month=${month}`);
    const usage = (await call(district1Token, `/api/usage?from=${seeded.window.from}&to=${seeded.window.to}`)).json as UsageReport;
    const kpi = (await call(district1Token, '/api/kpi')).json as KpiResponse;
    const a = json.schools.find((x) => x.schoolCode === 'LC-THPT-A')!;
    const group = usage.schools.find((g) => g.key === String(seeded.ids.schoolA))!;
    const f = group.figures;
    expect(a).toMatchObject({
      equippedRooms: group.rooms, scheduledPeriods: f.periods, scheduledHours: hours(f.timetabledHours), coveredHours: hours(f.coveredHours),
      usedHours: hours(f.usedHours), outsideHours: hours(f.outsideHours), timeUtilisationPct: pct(f.timeUtilisation),
      periodUtilisationPct: pct(f.periodUtilisation), coveragePct: pct(f.coverage), costPerUsedHourVnd: Math.round(group.costPerUsedHourVnd!), usageNote: null,
    });
    // Room A's board was in use through four morning periods of the analysed Monday.
    expect(a.usedHours).toBe(3);
    expect(a.timeUtilisationPct).toBeGreaterThan(0);
    const k = kpi.schools.find((x) => x.schoolId === seeded.ids.schoolA)!.figures;
    expect(a).toMatchObject({ recordsComplete: k.withRecord, recordsTotal: k.devices, recordsPct: pct(k.recordShare), recordsAsOf: localDate(Date.now()) });
    expect(a.recordsComplete).toBe(1);
    expect(a.recordsTotal).toBe(2);
  });

  it('answers a month nobody analysed with null figures and the reason, not zeros', async () => {
    const before = addDays(`${month}-01`, -1).slice(0, 7);
    const json = await feed(district1Token, `?month=${before}`);
    expect(json.analysed).toBe(false);
    for (const row of json.schools) {
      expect(row).toMatchObject({ usageNote: 'not_analysed', scheduledPeriods: null, scheduledHours: null, usedHours: null, timeUtilisationPct: null, coveragePct: null, costPerUsedHourVnd: null });
    }
    const { rows } = await csvRows(district1Token, `?month=${before}`);
    for (const row of rows) expect(row).toMatchObject({ usage_note: 'not_analysed', scheduled_hours: '', used_hours: '', coverage_pct: '' });
  });

  it('marks the current month partial, defaults to the last month that ended, and refuses a month not begun or malformed with a coded 400', async () => {
    const today = localDate(Date.now());
    expect(await feed(district1Token, `?month=${today.slice(0, 7)}`)).toMatchObject({ month: today.slice(0, 7), partial: true });
    expect(await feed(district1Token, '')).toMatchObject({ month, partial: false });
    const next = addDays(`${today.slice(0, 7)}-28`, 10).slice(0, 7);
    for (const path of [`/api/feed/v1/monthly?month=${next}`, `/api/feed/v1/monthly.csv?month=${next}`]) {
      const r = await call(district1Token, path);
      expect(r.status, path).toBe(400);
      expect((r.json as { code: string }).code).toBe('EDUFLEET_ERR_FEED_MONTH');
    }
    for (const bad of ['2026-13', '2026-1', 'tháng-11', '2026-11-01']) {
      const r = await call(district1Token, `/api/feed/v1/monthly?month=${encodeURIComponent(bad)}`);
      expect(r.status, bad).toBe(400);
      expect((r.json as { code: string }).code).toBe('EDUFLEET_ERR_REQUEST_INVALID');
    }
  });

  it('refuses a technician\'s token with 403 and a request without a token with 401', async () => {
    for (const path of ['/api/feed/v1/monthly', '/api/feed/v1/monthly.csv']) {
      const tech = await call(technicianToken, path);
      expect(tech.status, path).toBe(403);
      expect((tech.json as { code: string }).code).toBe('EDUFLEET_ERR_AUTH_FORBIDDEN');
      const nobody = await call(undefined, path);
      expect(nobody.status, path).toBe(401);
      expect((nobody.json as { code: string }).code).toBe('EDUFLEET_ERR_AUTH_REQUIRED');
    }
  });

  it('keeps the v1 shape: the exact JSON fields, schema and CSV header', async () => {
    const json = await feed(district1Token, `?month=${month}`);
    expect(Object.keys(json)).toEqual(V1_TOP);
    for (const row of json.schools) expect(Object.keys(row)).toEqual(V1_ROW);
    expect(Object.keys(MonthlyFeedV1.properties)).toEqual(V1_TOP);
    expect(Object.keys(MonthlyFeedSchoolV1.properties)).toEqual(V1_ROW);
    expect(FEED_V1_CSV_COLUMNS.map(([, key]) => key)).toEqual(V1_ROW);
    const { text } = await csvRows(district1Token, `?month=${month}`);
    expect(text.split('\r\n')[0]).toBe(V1_CSV_HEADER);
  });
});
