/**
 * The route walk of test/dashboard/openapi.test.ts: an admin calls every route of the document at least once on a
 * seeded stack, and every answer (2xx, and the refusals met on the way) is checked against the served document.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Device, RegistryStore } from '../../registry/index.js';
import { insertAlert } from '../helpers/alerts-seed.js';
import type { ResponseCheck } from '../helpers/openapi-check.js';
import type { seedSchool } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import type { ApiClient } from './client.js';
import { edgeRegistration } from './edge-helpers.js';

type Seeded = Awaited<ReturnType<typeof seedSchool>>;
/** The webhook receiver the walk's recipient names: allowed by the stack's config, never called. */
export const WEBHOOK_TARGET = '127.0.0.1:9';
type Json = Record<string, unknown>;
/** A file as the request body (imports): its content type and bytes. */
interface RawBody { type: string; data: string | Buffer }
interface CallOptions { params?: Record<string, string | number>; query?: Record<string, string | number | boolean>; body?: unknown; raw?: RawBody }

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)));

/** Calls routes as `METHOD /pattern`, notes each pattern called, and checks each answer against the document. */
export class RouteWalker {
  readonly called = new Set<string>();
  readonly mismatches: string[] = [];
  constructor(private readonly client: ApiClient, private readonly check: ResponseCheck) {}

  async call<T = Json>(key: string, o: CallOptions = {}): Promise<{ status: number; body: T }> {
    const [method, pattern] = key.split(' ') as [string, string];
    const filled = pattern.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(String(o.params?.[name] ?? '')));
    const query = o.query ? `?${new URLSearchParams(Object.entries(o.query).map(([k, v]) => [k, String(v)])).toString()}` : '';
    const r = o.raw ? await this.rawRequest(method, filled + query, o.raw) : await this.client.request(method, filled + query, o.body);
    this.called.add(key);
    this.mismatches.push(...this.check(method, pattern, r.status, r.body));
    return { status: r.status, body: r.body as T };
  }

  /** A call that must succeed: its 2xx body, or a thrown error naming the route and the answer. */
  async ok<T = Json>(key: string, o: CallOptions = {}): Promise<T> {
    const r = await this.call<T>(key, o);
    if (r.status >= 300) throw new Error(`${key} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  }

  private async rawRequest(method: string, path: string, raw: RawBody): Promise<{ status: number; body: unknown }> {
    const c = this.client;
    const res = await fetch(c.base + path, { method, headers: { cookie: c.cookie, origin: c.base, 'content-type': raw.type }, body: typeof raw.data === 'string' ? raw.data : new Uint8Array(raw.data) });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) as unknown };
    } catch {
      return { status: res.status, body: text };
    }
  }
}

/** Polls a job route until its status leaves `busy`. */
async function settled(w: RouteWalker, key: string, id: string, busy: string[]): Promise<Json> {
  return waitFor(`${key} ${id} settles`, async () => {
    const job = await w.ok(key, { params: { id } });
    return busy.includes(job.status as string) ? undefined : job;
  });
}

/** Places, device records, users, tokens, the imports and exports. */
export async function walkRecords(w: RouteWalker, seeded: Seeded, password: string): Promise<void> {
  const { room, site } = seeded;
  for (const key of ['GET /api/me', 'GET /api/overview', 'GET /api/kpi', 'GET /api/kinds', 'GET /api/hierarchy', 'GET /api/openapi.json']) await w.ok(key);
  await w.ok('GET /api/hierarchy/tree', { query: { includeRetired: true } });

  const district = await w.ok<{ id: number }>('POST /api/districts', { body: { code: 'D-WALK', name: 'Huyện Bảo Thắng' } });
  const school = await w.ok<{ id: number }>('POST /api/schools', { body: { code: 'S-WALK', name: 'Trường THCS Phố Lu', level: 'thcs', districtId: district.id, pupils: 500 } });
  const newSite = await w.ok<{ id: number }>('POST /api/sites', { body: { schoolId: school.id, name: 'Điểm lẻ' } });
  const newRoom = await w.ok<{ id: number }>('POST /api/rooms', { body: { siteId: newSite.id, code: 'P.W1', name: 'Phòng STEM', type: 'stem_room', capacity: 30 } });
  for (const [level, id, patch] of [['districts', district.id, { name: 'Huyện Bảo Thắng mới' }], ['schools', school.id, { pupils: 520 }], ['sites', newSite.id, { name: 'Điểm lẻ 2' }], ['rooms', newRoom.id, { capacity: 32 }]] as const) {
    await w.ok(`PATCH /api/${level}/:id`, { params: { id }, body: patch });
  }
  // A place is retired after what it holds, and restored before it.
  const levels = [['rooms', newRoom.id], ['sites', newSite.id], ['schools', school.id], ['districts', district.id]] as const;
  for (const [level, id] of levels) await w.ok(`POST /api/${level}/:id/retire`, { params: { id } });
  for (const [level, id] of [...levels].reverse()) await w.ok(`POST /api/${level}/:id/restore`, { params: { id } });

  const created = await w.ok<{ record: { id: string } }>('POST /api/devices', { body: { kind: 'board', roomId: room.id, name: 'Bảng tương tác mới', issueCredentials: true, costVnd: 45_000_000, inServiceDate: '2024-09-05' } });
  const id = created.record.id;
  await w.ok('GET /api/devices', { query: { includeRetired: true } });
  await w.ok('GET /api/devices/:id', { params: { id } });
  await w.ok('GET /api/devices/:id/record', { params: { id } });
  await w.ok('PATCH /api/devices/:id', { params: { id }, body: { notes: 'Kiểm tra định kỳ', serial: 'SN-001' } });
  await w.ok('POST /api/devices/:id/maintenance', { params: { id }, body: { text: 'Thay bút cảm ứng' } });
  await w.ok('POST /api/devices/:id/credentials', { params: { id } });
  await w.ok('POST /api/devices/:id/revoke', { params: { id } });
  await w.ok('POST /api/devices/:id/retire', { params: { id } });
  await w.ok('POST /api/provision', { body: { roomId: room.id } });
  await w.ok('GET /api/labels.pdf', { query: { roomId: room.id } });
  await w.call('GET /api/devices/:id', { params: { id: 'khong-co' } }); // a 404, checked as the error body

  const users = await w.ok<Array<{ id: number }>>('GET /api/users');
  const user = await w.ok<{ id: number }>('POST /api/users', { body: { username: 'walk-viewer', password, role: 'viewer', scope: { schoolIds: [seeded.school.id] } } });
  await w.ok('PATCH /api/users/:id', { params: { id: user.id }, body: { displayName: 'Người xem' } });
  await w.ok('GET /api/audit', { query: { limit: 20 } });
  await w.call('PATCH /api/users/:id', { params: { id: users[0]!.id }, body: { role: 'sếp' } }); // a 400
  await w.ok('GET /api/tokens');
  const token = await w.ok<{ view: { id: number } }>('POST /api/tokens', { body: { name: 'Máy tổng hợp', role: 'planner', expiresAt: Date.now() + 86_400_000 } });
  await w.ok('POST /api/tokens/:id/revoke', { params: { id: token.view.id } });

  const started = await w.ok<{ id: string }>('POST /api/imports', { query: { name: 'thiet-bi.csv' }, raw: { type: 'text/csv', data: `Mã thiết bị,Loại thiết bị,Mã trường,Điểm trường,Phòng\nTB-W1,Bảng tương tác,${seeded.school.code},${site.name},${room.code}\n` } });
  await settled(w, 'GET /api/imports/:id', started.id, ['planning']);
  await w.call('POST /api/imports/:id/apply', { params: { id: started.id }, body: { applyValid: true } });
  const places = await w.ok<{ id: string }>('POST /api/imports/places', { query: { name: 'truong.csv' }, raw: { type: 'text/csv', data: fixture('truong-mau.csv') } });
  await settled(w, 'GET /api/imports/places/:id', places.id, ['planning']);
  await w.ok('POST /api/imports/places/:id/apply', { params: { id: places.id }, body: { applyValid: true } });
  for (const format of ['csv', 'xlsx']) {
    await w.ok('GET /api/register.:format', { params: { format } });
    await w.ok('GET /api/places.:format', { params: { format } });
  }
}

/** Usage, planning, report files, timetables and subscriptions. */
export async function walkUsage(w: RouteWalker, seeded: Seeded): Promise<void> {
  await w.ok('GET /api/usage', { query: { schoolId: seeded.school.id } });
  await w.ok('GET /api/planning', { query: { rooms: 3 } });
  const job = await w.ok<{ id: string }>('POST /api/usage/exports', { body: { format: 'csv', schoolId: seeded.school.id } });
  await settled(w, 'GET /api/usage/exports/:id', job.id, ['running']);
  await w.ok('GET /api/usage/exports/:id/file', { params: { id: job.id } });
  await w.ok('GET /api/schools/:id/timetable', { params: { id: seeded.school.id } });
  await w.ok('PUT /api/schools/:id/timetable', { params: { id: seeded.school.id }, body: { terms: [] } });
  await w.ok('GET /api/reports/subscriptions');
  const sub = await w.ok<{ id: number }>('POST /api/reports/subscriptions', { body: { email: 'kehoach@laocai.edu.vn', districtId: null } });
  await w.ok('DELETE /api/reports/subscriptions/:id', { params: { id: sub.id } });
}

/** Health, alerts, silences, rules and notification recipients. */
export async function walkAlerts(w: RouteWalker, reg: RegistryStore, seeded: Seeded, sensor: Device): Promise<void> {
  const place = { deviceId: sensor.id, schoolId: seeded.school.id, roomId: seeded.room.id };
  const first = await insertAlert(reg, { ...place, rule: 'co2_high', severity: 'warning', value: 1800, field: 'co2' });
  const second = await insertAlert(reg, { ...place, rule: 'room_hot', value: 36, field: 'temperature' });
  await w.ok('GET /api/health/devices', { query: { schoolId: seeded.school.id } });
  await w.ok('GET /api/health/summary', { query: { level: 'site', parentId: seeded.school.id } });
  await w.ok('GET /api/rooms/:id/devices', { params: { id: seeded.room.id } });
  await w.ok('GET /api/devices/:id/history', { params: { id: sensor.id }, query: { window: '24h' } });
  await w.ok('GET /api/devices/:id/events', { params: { id: sensor.id } });

  await w.ok('GET /api/alerts', { query: { state: 'all' } });
  await w.ok('GET /api/alerts/:id', { params: { id: first } });
  await w.ok('POST /api/alerts/:id/ack', { params: { id: first }, body: { comment: 'Đã mở cửa sổ' } });
  await w.ok('POST /api/alerts/ack', { body: { ids: [first, second] } });
  await w.ok('POST /api/alerts/:id/resolve', { params: { id: second }, body: { reason: 'Đã sửa điều hoà' } });
  await w.call('POST /api/alerts/:id/resolve', { params: { id: second }, body: { reason: 'lần nữa' } }); // a 409
  const silence = await w.ok<{ id: number }>('POST /api/silences', { body: { targetType: 'device', targetId: sensor.id, until: Date.now() + 3_600_000, reason: 'Đang bảo trì' } });
  await w.ok('GET /api/silences');
  await w.ok('POST /api/silences/:id/end', { params: { id: silence.id } });
  await w.ok('GET /api/alert-rules');
  const override = await w.ok<{ id: number }>('PUT /api/alert-rules/:rule/overrides', { params: { rule: 'room_hot' }, body: { schoolId: seeded.school.id, params: { threshold: 33 } } });
  await w.ok('DELETE /api/alert-rules/overrides/:id', { params: { id: override.id } });

  await w.ok('GET /api/notifications/recipients');
  // A loopback receiver the stack allows (alerts.webhookAllowedTargets in openapi.test.ts); nothing is sent to it here.
  const hook = await w.ok<{ id: number }>('POST /api/notifications/recipients', {
    body: { schoolId: seeded.school.id, districtId: null, minSeverity: 'warning', channel: 'webhook', address: `http://${WEBHOOK_TARGET}/edufleet`, language: 'vi', digest: false },
  });
  await w.ok('POST /api/notifications/recipients/:id/secret', { params: { id: hook.id } });
  await w.ok('GET /api/notifications/attempts', { query: { limit: 10 } });
  await w.ok('DELETE /api/notifications/recipients/:id', { params: { id: hook.id } });
}

/** Commands, bulk runs, schedules and edge nodes. */
export async function walkCommands(w: RouteWalker, seeded: Seeded, sensor: Device): Promise<void> {
  const command = await w.ok<{ id: string }>('POST /api/devices/:id/commands', { params: { id: sensor.id }, body: { name: 'calibrate' } });
  await w.ok('GET /api/devices/:id/commands', { params: { id: sensor.id }, query: { limit: 5 } });
  await w.ok('POST /api/commands/:id/cancel', { params: { id: command.id } });
  await w.ok('GET /api/schools/:id/commands', { params: { id: seeded.school.id } });
  const target = { type: 'school', id: String(seeded.school.id) };
  await w.ok('POST /api/command-runs/preview', { body: { target, name: 'calibrate' } });
  const run = await w.ok<{ id: number }>('POST /api/command-runs', { body: { target, name: 'calibrate', ratePerMin: 10 } });
  await w.ok('GET /api/command-runs', { query: { schoolId: seeded.school.id } });
  await w.ok('GET /api/command-runs/:id', { params: { id: run.id } });
  await w.ok('POST /api/command-runs/:id/cancel', { params: { id: run.id } });

  const schedule = {
    schoolId: seeded.school.id, name: 'Đo lại cảm biến buổi chiều', target, command: 'calibrate', days: [1, 2, 3, 4, 5], at: '17:30',
    until: null, skipHolidays: true, enabled: true,
  };
  await w.ok('GET /api/schedules', { query: { schoolId: seeded.school.id } });
  await w.ok('POST /api/schedules/preview', { body: schedule });
  const saved = await w.ok<{ id: number }>('POST /api/schedules', { body: schedule });
  await w.ok('GET /api/schedules/:id', { params: { id: saved.id } });
  await w.ok('PUT /api/schedules/:id', { params: { id: saved.id }, body: { ...schedule, enabled: false } });
  await w.ok('DELETE /api/schedules/:id', { params: { id: saved.id } });

  await w.ok('GET /api/edges');
  const edge = await w.ok<{ id: string }>('POST /api/edges', { body: edgeRegistration(seeded.school.code, 'Máy trạm biên') });
  await w.ok('GET /api/edges/:id/bundle', { params: { id: edge.id } });
  await w.ok('POST /api/edges/:id/revoke', { params: { id: edge.id } });
  // Not an export file: the job fails, and says so in its own shape.
  const imported = await w.ok<{ id: string }>('POST /api/edges/imports', { query: { name: 'truong.efe' }, raw: { type: 'application/octet-stream', data: Buffer.from('không phải tệp xuất') } });
  await settled(w, 'GET /api/edges/imports/:id', imported.id, ['importing']);
}
