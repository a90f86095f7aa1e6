/**
 * GET /api/edges (dashboard/server/edges.ts): each edge of the sites a user may see, with its link state, backlog,
 * "data complete until" and own health as it last reported them, worst first; scoped like the rest of the province's
 * data, and refused to those who have no business with edges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EdgeListResponse, EdgeView } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { ApiClient } from './client.js';
import { addEdge, DAY, freshKeys, GIB, hearFrom, HOUR } from './edge-helpers.js';

const PASSWORD = 'máy-trạm-biên-2026';

describe('the provincial view of its edges over the API', () => {
  let s: TestStack;
  const ids = { linked: '', filed: '', silent: '', revoked: '', dropped: '' };
  const now = Date.now();

  beforeAll(async () => {
    s = await startTestStack({ only: ['dashboard'], dashboard: startDashboard });
    const r = s.registry;
    // District A: a school on 4G (an edge on its link) and a second, silent edge of the same site.
    const a = await seedSchool(r, 'LC-THCS-A');
    // District B: a school with no network at all, whose edge's data comes by USB.
    const districtB = await r.ensureDistrict({ code: 'BAT-XAT', name: 'Huyện Bát Xát' });
    const b = await r.ensureSchool({ code: 'BX-TH-B', name: 'Trường TH Bản Vược', level: 'tieu_hoc', districtId: districtB.id });
    await r.ensureSite({ schoolId: b.id, name: 'Điểm chính' });

    const linked = await addEdge(r, 'LC-THCS-A', 'Máy trạm điểm chính', now - 30 * DAY);
    await hearFrom(r, linked, now - 20_000, {
      via: 'link', at: now - 20_000 + 1500, pendingRecords: 120, oldestPendingAt: now - 90_000, completeUntil: now - 90_000, pendingBytes: 48_000,
      health: { diskFreeBytes: 20 * GIB, diskTotalBytes: 64 * GIB, spoolBytes: 4096, spoolOldestMs: 800, clockOffsetMs: null },
    });
    const silent = await addEdge(r, 'LC-THCS-A', 'Máy trạm dự phòng', now - 2 * DAY);
    const filed = await addEdge(r, 'BX-TH-B', 'Máy trạm Bản Vược', now - 30 * DAY);
    await hearFrom(r, filed, now - 3 * DAY, {
      via: 'file', at: now - 3 * DAY - HOUR, pendingRecords: 0, oldestPendingAt: null, completeUntil: now - 3 * DAY - HOUR,
      health: { diskFreeBytes: 2 * GIB, diskTotalBytes: 32 * GIB, spoolBytes: 0, spoolOldestMs: null, clockOffsetMs: -240_000 },
    });
    // A second edge there on 4G whose link just dropped: its last will says so, a few seconds ago.
    const dropped = await addEdge(r, 'BX-TH-B', 'Máy trạm 4G', now - 30 * DAY);
    await hearFrom(r, dropped, now - 5_000, {
      via: 'link', link: 'down', at: now - HOUR, pendingRecords: 40, oldestPendingAt: now - 10 * 60_000, completeUntil: now - 10 * 60_000, pendingBytes: 9_000,
    });
    const revoked = await addEdge(r, 'BX-TH-B', 'Máy trạm cũ (mất)', now - 60 * DAY);
    await r.edges.revoke(revoked.id, 'admin', now - 10 * DAY);
    Object.assign(ids, { linked: linked.id, filed: filed.id, silent: silent.id, revoked: revoked.id, dropped: dropped.id });

    await r.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    await r.addUser({ username: 'ke-hoach-so', password: PASSWORD, role: 'planner' });
    await r.addUser({ username: 'ke-hoach-a', password: PASSWORD, role: 'planner', scope: { districtIds: [a.district.id] } });
    await r.addUser({ username: 'ke-hoach-b', password: PASSWORD, role: 'planner', scope: { districtIds: [districtB.id] } });
    await r.addUser({ username: 'ktv-a', password: PASSWORD, role: 'technician', scope: { schoolIds: [a.school.id] } });
    await r.addUser({ username: 'ktv-b', password: PASSWORD, role: 'technician', scope: { schoolIds: [b.id] } });
    await r.addUser({ username: 'ktv-chua-giao', password: PASSWORD, role: 'technician' });
    await r.addUser({ username: 'xem-a', password: PASSWORD, role: 'viewer', scope: { schoolIds: [a.school.id] } });
  });

  afterAll(async () => {
    await s?.close();
  });

  const as = async (username: string) => {
    const c = new ApiClient(s.dashboard!.url);
    await c.login(username, PASSWORD);
    return c;
  };
  const edgesOf = async (username: string): Promise<string[]> => (await (await as(username)).get<EdgeListResponse>('/api/edges')).edges.map((e) => e.id);

  it('shows an admin every edge, worst first: the furthest behind first (one never heard from counts from its registration), the revoked last', async () => {
    expect(await edgesOf('admin')).toEqual([ids.filed, ids.silent, ids.dropped, ids.linked, ids.revoked]);
  });

  it('shows the province planner every edge and a district planner only the edges of their district', async () => {
    expect((await edgesOf('ke-hoach-so')).sort()).toEqual(Object.values(ids).sort());
    expect(await edgesOf('ke-hoach-a')).toEqual([ids.silent, ids.linked]);
    expect(await edgesOf('ke-hoach-b')).toEqual([ids.filed, ids.dropped, ids.revoked]);
  });

  it('shows a school\'s technician the edges of their own school only', async () => {
    expect(await edgesOf('ktv-a')).toEqual([ids.silent, ids.linked]);
    expect(await edgesOf('ktv-b')).toEqual([ids.filed, ids.dropped, ids.revoked]);
  });

  it('refuses viewers, technicians with no school assigned and anonymous callers', async () => {
    const viewer = await (await as('xem-a')).request('GET', '/api/edges');
    expect(viewer).toMatchObject({ status: 403, body: { code: 'EDUFLEET_ERR_AUTH_FORBIDDEN' } });
    const unassigned = await (await as('ktv-chua-giao')).request('GET', '/api/edges');
    expect(unassigned).toMatchObject({ status: 403, body: { code: 'EDUFLEET_ERR_AUTH_FORBIDDEN', message: expect.stringContaining('no schools assigned') } });
    expect((await new ApiClient(s.dashboard!.url).request('GET', '/api/edges')).status).toBe(401);
    expect(((await (await as('xem-a')).request('GET', '/api/me')).body as { permissions: { readEdges: boolean } }).permissions.readEdges).toBe(false);
    expect(((await (await as('ktv-a')).request('GET', '/api/me')).body as { permissions: { readEdges: boolean } }).permissions.readEdges).toBe(true);
  });

  it('says each edge\'s link state, last contact, backlog, data complete until and own health as last reported', async () => {
    const list = (await (await as('admin')).get<EdgeListResponse>('/api/edges')).edges;
    const by = (id: string) => list.find((e) => e.id === id)!;
    const linked: EdgeView = by(ids.linked);
    expect(linked).toMatchObject({
      name: 'Máy trạm điểm chính', schoolCode: 'LC-THCS-A', siteName: 'Điểm chính', districtName: 'Thành phố Lào Cai',
      link: { state: 'connected', since: now - 20_000, via: 'link' }, lastContactAt: now - 20_000,
      backlog: { records: 120, bytes: 48_000, oldestAt: now - 90_000 }, completeUntil: now - 90_000, revokedAt: null,
      // Not measured by the edge: its report's time against the province's at receipt.
      health: { diskFreeBytes: 20 * GIB, diskTotalBytes: 64 * GIB, spoolBytes: 4096, spoolOldestMs: 800, clockOffsetMs: 1500 },
    });
    expect(linked.backlog.ageMs).toBeGreaterThanOrEqual(90_000);
    expect(by(ids.filed)).toMatchObject({
      schoolName: 'Trường TH Bản Vược', districtName: 'Huyện Bát Xát', link: { state: 'cut', since: now - 3 * DAY, via: 'file' },
      backlog: { records: 0, bytes: null, oldestAt: null, ageMs: null }, completeUntil: now - 3 * DAY - HOUR,
      health: { diskFreeBytes: 2 * GIB, clockOffsetMs: -240_000 },
    });
    expect(by(ids.filed).lagMs).toBeGreaterThanOrEqual(3 * DAY + HOUR);
    expect(by(ids.silent)).toMatchObject({ link: { state: 'never', since: null, via: null }, lastContactAt: null, completeUntil: null, health: null,
      backlog: { records: null, bytes: null, oldestAt: null, ageMs: null } });
    expect(by(ids.revoked)).toMatchObject({ revokedAt: now - 10 * DAY, lagMs: null });
    // A last will: cut at once, however recent; its time is when the will was set, so no clock offset from it.
    expect(by(ids.dropped)).toMatchObject({ link: { state: 'cut', since: now - 5_000, via: 'link' }, backlog: { records: 40, bytes: 9_000 }, health: null });
  });

  it('lets an admin register an edge with the keys printed at the school, audited, and nobody else', async () => {
    const keys = freshKeys();
    const body = { site: 'BX-TH-B', name: 'Máy trạm mới', signKey: keys.signKey, boxKey: keys.boxKey };
    const planner = await (await as('ke-hoach-so')).request('POST', '/api/edges', body);
    expect(planner).toMatchObject({ status: 403, body: { code: 'EDUFLEET_ERR_AUTH_FORBIDDEN' } });
    expect((await (await as('ktv-b')).request('POST', '/api/edges', body)).status).toBe(403);
    const admin = await as('admin');
    expect(await admin.request('POST', '/api/edges', { ...body, signKey: 'bm90IGEga2V5' })).toMatchObject({ status: 400, body: { code: 'EDUFLEET_ERR_EDGE_KEYS' } });
    expect(await admin.request('POST', '/api/edges', { ...body, site: 'KHONG-CO' })).toMatchObject({ status: 400, body: { code: 'EDUFLEET_ERR_EDGE_SITE_UNKNOWN' } });
    const created = await admin.request('POST', '/api/edges', body);
    expect(created).toMatchObject({ status: 201, body: { id: keys.id, name: 'Máy trạm mới', schoolName: 'Trường TH Bản Vược', link: { state: 'never' } } });
    expect(await admin.request('POST', '/api/edges', body)).toMatchObject({ status: 409, body: { code: 'EDUFLEET_ERR_REGISTRY_CONFLICT' } });
    expect(await edgesOf('ktv-b')).toContain(keys.id);
    expect((await s.registry.auditLog({ entity: 'edge' })).entries.find((a) => a.entityId === keys.id)).toMatchObject({ action: 'edge.add', byUser: 'admin' });
  });
});
