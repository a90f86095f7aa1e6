/**
 * The alert inbox, silences and rule overrides over REST and Socket.IO, in a dashboard-only process (no gateway:
 * the live push reads the registry): roles, scope, audit, and the `alerts` batches of one school only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import type { AlertDetail, AlertListResponse, AlertRuleView, AlertView, AuditResponse, BulkAckResponse, SilenceView } from '../../api/index.js';
import { insertAlert, insertAlerts } from '../helpers/alerts-seed.js';
import { seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { ApiClient, connectSocket, type LiveSocket } from './client.js';

const PASSWORD = 'mật-khẩu-đủ-dài';

describe('alerts API and live push', () => {
  let s: TestStack;
  const c: Record<'admin' | 'techA' | 'techB' | 'viewer' | 'planner', ApiClient> = {} as never;
  let A: Awaited<ReturnType<typeof seedSchool>>;
  let B: Awaited<ReturnType<typeof seedSchool>>;
  let boardA: string;
  let boardB: string;
  let alertA: number;
  let alertB: number;
  const sockets: LiveSocket[] = [];

  beforeAll(async () => {
    s = await startTestStack({ only: ['dashboard'], dashboard: startDashboard });
    A = await seedSchool(s.registry, 'A');
    B = await seedSchool(s.registry, 'B');
    boardA = (await s.registry.addDevice({ kind: 'board', roomId: A.room.id, name: 'Bảng A' })).device.id;
    boardB = (await s.registry.addDevice({ kind: 'board', roomId: B.room.id, name: 'Bảng B' })).device.id;
    await s.registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    await s.registry.addUser({ username: 'techA', password: PASSWORD, role: 'technician', scope: { schoolIds: [A.school.id] } });
    await s.registry.addUser({ username: 'techB', password: PASSWORD, role: 'technician', scope: { schoolIds: [B.school.id] } });
    await s.registry.addUser({ username: 'viewer', password: PASSWORD, role: 'viewer', scope: { schoolIds: [A.school.id] } });
    await s.registry.addUser({ username: 'planner', password: PASSWORD, role: 'planner' });
    for (const u of ['admin', 'techA', 'techB', 'viewer', 'planner'] as const) {
      c[u] = new ApiClient(s.dashboard!.url);
      await c[u].login(u, PASSWORD);
    }
    alertA = await insertAlert(s.registry, { deviceId: boardA, schoolId: A.school.id, roomId: A.room.id, value: 63 });
    alertB = await insertAlert(s.registry, { deviceId: boardB, schoolId: B.school.id, roomId: B.room.id, value: 61 });
  });
  afterAll(async () => {
    for (const so of sockets) so.close();
    await s?.close();
  });

  it('lets viewers read, keeps planners out, and scopes every read', async () => {
    expect((await c.planner.request('GET', '/api/alerts')).status).toBe(403);
    const mine = await c.viewer.get<AlertListResponse>('/api/alerts');
    expect(mine.alerts.map((a) => a.id)).toEqual([alertA]);
    expect((await c.admin.get<AlertListResponse>('/api/alerts')).total).toBe(2);
    expect((await c.techA.request('GET', `/api/alerts/${alertB}`)).status).toBe(403);
    expect((await c.techA.request('GET', '/api/alerts/999999')).status).toBe(404);
    expect((await c.techA.request('GET', '/api/alerts?state=bogus')).status).toBe(400);
    const d = await c.techA.get<AlertDetail>(`/api/alerts/${alertA}`);
    expect(d.alert).toMatchObject({ deviceName: 'Bảng A', value: 63, state: 'firing' });
  });

  it('acknowledges within scope only, audits it, and refuses a second acknowledgement', async () => {
    expect((await c.viewer.request('POST', `/api/alerts/${alertA}/ack`, {})).status).toBe(403);
    expect((await c.techB.request('POST', `/api/alerts/${alertA}/ack`, {})).status).toBe(403);
    const r = await c.techA.request('POST', `/api/alerts/${alertA}/ack`, { comment: 'Đang xử lý' });
    expect(r.status).toBe(200);
    expect(r.body as AlertView).toMatchObject({ state: 'acknowledged', ackedBy: 'techA', ackComment: 'Đang xử lý' });
    expect((await c.techA.request('POST', `/api/alerts/${alertA}/ack`, {})).status).toBe(409);
    const audit = await c.admin.get<AuditResponse>('/api/audit?entity=alert');
    expect(audit.entries.some((e) => e.action === 'alert.ack' && e.byUser === 'techA' && e.entityId === String(alertA))).toBe(true);
  });

  it('bulk-acknowledges what it may and skips the rest', async () => {
    const mine = await insertAlert(s.registry, { rule: 'error_events', deviceId: boardA, schoolId: A.school.id, roomId: A.room.id, severity: 'warning' });
    const r = await c.techA.request('POST', '/api/alerts/ack', { ids: [mine, alertB, alertA, 424242], comment: 'Hàng loạt' });
    expect(r.body as BulkAckResponse).toEqual({ acknowledged: [mine], skipped: [alertB, alertA, 424242] });
  });

  it('resolves by hand with a reason', async () => {
    expect((await c.techB.request('POST', `/api/alerts/${alertB}/resolve`, {})).status).toBe(400);
    const r = await c.techB.request('POST', `/api/alerts/${alertB}/resolve`, { reason: 'Đã thay quạt' });
    expect(r.body as AlertView).toMatchObject({ state: 'resolved', resolvedBy: 'techB', resolveReason: 'Đã thay quạt' });
  });

  it('silences within scope, audited, listed, ended early', async () => {
    const until = Date.now() + 3600_000;
    expect((await c.techA.request('POST', '/api/silences', { targetType: 'device', targetId: boardB, until, reason: 'x' })).status).toBe(403);
    expect((await c.techA.request('POST', '/api/silences', { targetType: 'room', targetId: String(A.room.id), until: Date.now() - 1, reason: 'x' })).status).toBe(400);
    const r = await c.techA.request('POST', '/api/silences', { targetType: 'room', targetId: String(A.room.id), until, reason: 'Sửa điện' });
    expect(r.status).toBe(201);
    const sil = r.body as SilenceView;
    expect((await c.techA.get<AlertDetail>(`/api/alerts/${alertA}`)).alert.silenced).toBe(true);
    expect((await c.techB.get<SilenceView[]>('/api/silences')).map((x) => x.id)).not.toContain(sil.id);
    expect((await c.techB.request('POST', `/api/silences/${sil.id}/end`)).status).toBe(403);
    expect((await c.techA.request('POST', `/api/silences/${sil.id}/end`)).body as SilenceView).toMatchObject({ endedBy: 'techA' });
    expect((await c.techA.get<AlertDetail>(`/api/alerts/${alertA}`)).alert.silenced).toBe(false);
    const audit = await c.admin.get<AuditResponse>('/api/audit?entity=silence');
    expect(audit.entries.map((e) => e.action).sort()).toEqual(['silence.create', 'silence.end']);
  });

  it('configures rule overrides: validation, province for admins, schools in scope for technicians', async () => {
    const put = (u: ApiClient, rule: string, body: unknown) => u.request('PUT', `/api/alert-rules/${rule}/overrides`, body);
    expect((await put(c.viewer, 'board_overheat', { params: { threshold: 65 } })).status).toBe(403);
    expect((await put(c.techA, 'board_overheat', { params: { threshold: 65 } })).status).toBe(403); // province-wide
    const bad = await put(c.admin, 'board_overheat', { params: { threshold: 50 } }); // clearAt 55 above 50
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/clear at or below/);
    expect((await put(c.admin, 'low_battery', { params: { clearAt: 10 } })).status).toBe(400);
    expect((await put(c.admin, 'co2_high', { kind: 'board', params: { threshold: 1600 } })).status).toBe(400);
    expect((await put(c.admin, 'no_such_rule', { params: { threshold: 1 } })).status).toBe(404);
    expect((await put(c.admin, 'board_overheat', { params: { threshold: 65, clearAt: 58 } })).status).toBe(200);
    expect((await put(c.techA, 'board_overheat', { schoolId: B.school.id, params: { enabled: false } })).status).toBe(403);
    const own = await put(c.techA, 'board_overheat', { schoolId: A.school.id, roomType: 'smart_classroom', params: { severity: 'warning' } });
    expect(own.status).toBe(200);
    const rules = await c.techB.get<AlertRuleView[]>('/api/alert-rules');
    const overheat = rules.find((r) => r.id === 'board_overheat')!;
    expect(overheat.defaults.threshold).toBe(60);
    expect(overheat.overrides.map((o) => o.schoolId)).toEqual([0]); // school A's is not techB's to see
    expect((await c.techB.request('DELETE', `/api/alert-rules/overrides/${(own.body as { id: number }).id}`)).status).toBe(403);
    expect((await c.techA.request('DELETE', `/api/alert-rules/overrides/${(own.body as { id: number }).id}`)).status).toBe(200);
  });

  it('pushes changed alerts to the school room only, one batch per school per tick, with no gateway in the process', async () => {
    const got: Record<string, AlertView[][]> = { a: [], b: [] };
    const sa = await connectSocket(s.dashboard!.url, c.techA.cookie);
    const sb = await connectSocket(s.dashboard!.url, c.techB.cookie);
    sockets.push(sa, sb);
    sa.on('alerts', (batch) => got.a!.push(batch));
    sb.on('alerts', (batch) => got.b!.push(batch));
    const now = Date.now() + 1000;
    // A burst in school A: one room of many devices.
    const devices = await s.registry.addDevices(Array.from({ length: 50 }, (_, i) => ({ kind: 'tablet', roomId: A.room.id, name: `Máy ${i}` })));
    await insertAlerts(s.registry, devices.map((d) => ({ rule: 'low_battery' as const, deviceId: d.device.id, schoolId: A.school.id, roomId: A.room.id, updatedAt: now, startedAt: now })));
    await waitFor('school A received the burst', () => got.a!.flat().filter((x) => x.rule === 'low_battery').length >= 50);
    expect(got.a!.filter((b) => b.some((x) => x.rule === 'low_battery'))).toHaveLength(1);
    expect(got.a!.flat().every((x) => x.schoolId === A.school.id)).toBe(true);
    expect(got.b!.flat().every((x) => x.schoolId === B.school.id)).toBe(true);
    expect(got.b!.flat().some((x) => x.rule === 'low_battery')).toBe(false);
  });
});
