/**
 * GET /api/edges (dashboard/server/edges.ts): each edge of the sites a user may see, with its link state, backlog,
 * "data complete until" and own health as it last reported them, worst first; scoped like the rest of the province's
 * data, and refused to those who have no business with edges. Registering and revoking one; and the edge a device's
 * data comes through, on the device list and page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceDetail, DeviceListResponse, EdgeListResponse, EdgeView } from '../../api/index.js';
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

  it('names on the device list and page the edge each device\'s data comes through: the one a queued command waits for, else a revoked one', async () => {
    const r = s.registry;
    const room = async (school: string, site: string) => {
      const sc = (await r.school(school))!;
      const t = await r.ensureSite({ schoolId: sc.id, name: site });
      return (await r.ensureRoom({ siteId: t.id, code: `P.${site.length}`, name: `Phòng ${site}`, type: 'classroom' })).id;
    };
    // A school whose only edge was revoked, and a site of school A with no edge at all.
    const c = await r.ensureSchool({ code: 'BX-TH-C', name: 'Trường TH Cốc Mỳ', level: 'tieu_hoc', districtId: (await r.school('BX-TH-B'))!.districtId });
    await r.ensureSite({ schoolId: c.id, name: 'Điểm chính' });
    const old = await addEdge(r, 'BX-TH-C', 'Máy trạm Cốc Mỳ', now - 9 * DAY);
    await r.edges.revoke(old.id, 'admin', now - DAY);
    const devices = { a: 'sensor-edge-a', b: 'sensor-edge-b', c: 'sensor-edge-c', direct: 'sensor-direct' };
    const rooms = { a: await room('LC-THCS-A', 'Điểm chính'), b: await room('BX-TH-B', 'Điểm chính'), c: await room('BX-TH-C', 'Điểm chính'), direct: await room('LC-THCS-A', 'Điểm lẻ') };
    for (const k of ['a', 'b', 'c', 'direct'] as const) await r.addDevice({ kind: 'sensor', roomId: rooms[k], id: devices[k], name: `Cảm biến ${k}` });

    const admin = await as('admin');
    const list = await admin.get<DeviceListResponse>('/api/devices?q=sensor-');
    const edgeOf = (id: string) => list.devices.find((d) => d.id === id)!.edge;
    // Two active edges on a site: the first by name, as a queued command names it; a revoked one only when no other.
    expect(edgeOf(devices.a)).toEqual({ id: ids.silent, name: 'Máy trạm dự phòng', link: { state: 'never', since: null, via: null }, revokedAt: null });
    expect(edgeOf(devices.b)).toEqual({ id: ids.dropped, name: 'Máy trạm 4G', link: { state: 'cut', since: now - 5_000, via: 'link' }, revokedAt: null });
    expect(edgeOf(devices.c)).toMatchObject({ id: old.id, name: 'Máy trạm Cốc Mỳ', revokedAt: now - DAY });
    expect(edgeOf(devices.direct)).toBeNull();
    for (const k of ['a', 'b'] as const) {
      expect((await admin.get<DeviceDetail>(`/api/devices/${devices[k]}`)).device.edge).toEqual(edgeOf(devices[k]));
      expect((await admin.request('POST', `/api/devices/${devices[k]}/commands`, { name: 'calibrate' })).status).toBe(201);
      expect((await r.commandsOfDevice(devices[k]))[0]).toMatchObject({ state: 'queued', edgeName: edgeOf(devices[k])!.name });
    }
    // A viewer of school A sees which edge too (no keys, no report in it).
    expect((await (await as('xem-a')).get<DeviceDetail>(`/api/devices/${devices.a}`)).device.edge).toEqual(edgeOf(devices.a));
  });

  it('lets an admin revoke an edge, audited, once; nobody else; an unknown edge is not found', async () => {
    const edge = await addEdge(s.registry, 'BX-TH-B', 'Máy trạm bị mất', now - DAY);
    for (const u of ['ke-hoach-so', 'ktv-b']) {
      expect(await (await as(u)).request('POST', `/api/edges/${edge.id}/revoke`), u).toMatchObject({ status: 403, body: { code: 'EDUFLEET_ERR_AUTH_FORBIDDEN' } });
    }
    const admin = await as('admin');
    const first = await admin.request('POST', `/api/edges/${edge.id}/revoke`);
    expect(first).toMatchObject({ status: 200, body: { id: edge.id, name: 'Máy trạm bị mất', lagMs: null } });
    expect((first.body as EdgeView).revokedAt).toEqual(expect.any(Number));
    // Again: the same answer, the first revocation kept, audited once.
    expect(await admin.request('POST', `/api/edges/${edge.id}/revoke`)).toMatchObject({ status: 200, body: { revokedAt: (first.body as EdgeView).revokedAt } });
    expect((await s.registry.auditLog({ entity: 'edge' })).entries.filter((a) => a.entityId === edge.id && a.action === 'edge.revoke')).toHaveLength(1);
    expect(await admin.request('POST', '/api/edges/edge-0000000000000000/revoke')).toMatchObject({ status: 404, body: { code: 'EDUFLEET_ERR_REGISTRY_NOT_FOUND' } });
  });
});
