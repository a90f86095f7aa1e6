/** The registry over REST: places, device records, provisioning, users and the audit log, against a real stack. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import type { AuditResponse, CredentialsResponse, DeviceRecord, ImportJob, TreeResponse, UserRow } from '../../api/index.js';
import { topics } from '../../protocol/index.js';
import { ENGINES, useEngines } from '../helpers/engines.js';
import { connectDevice, refusalCode, seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { LOI, MAU, sampleRecords, seedSchools } from '../helpers/samples.js';
import { waitFor } from '../helpers/wait.js';
import { ApiClient } from './client.js';

const PASSWORD = 'mật-khẩu-đủ-dài';

const engines = useEngines();

// The web import among them: the same tests, in the same order, on the embedded SQLite files and on PostgreSQL.
describe.each(ENGINES)('records, places, provisioning and users over REST, on %s', (engine) => {
  let s: TestStack;
  let admin: ApiClient;
  let tech: ApiClient;
  let seeded: Awaited<ReturnType<typeof seedSchool>>;

  const ok = async <T>(c: ApiClient, method: string, path: string, body?: unknown): Promise<T> => {
    const r = await c.request(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body as T;
  };
  const upload = async (c: ApiClient, name: string, data: Buffer): Promise<ImportJob> => {
    const res = await fetch(`${c.base}/api/imports?name=${encodeURIComponent(name)}`, { method: 'POST', headers: { cookie: c.cookie, 'content-type': 'text/csv', origin: c.base }, body: new Uint8Array(data) });
    expect(res.status).toBe(202);
    const job = (await res.json()) as ImportJob;
    return waitFor(`import ${name} planned`, async () => {
      const j = await c.get<ImportJob>(`/api/imports/${job.id}`);
      return j.status !== 'planning' ? j : undefined;
    });
  };

  beforeAll(async () => {
    s = await startTestStack({ dashboard: startDashboard, overrides: { registry: { url: await engines.url(engine) } } });
    seeded = await seedSchool(s.registry);
    await seedSchools(s.registry);
    await s.registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    await s.registry.addUser({ username: 'ktv', password: PASSWORD, role: 'technician', scope: { schoolIds: [seeded.school.id] } });
    admin = new ApiClient(s.dashboard!.url);
    await admin.login('admin', PASSWORD);
    tech = new ApiClient(s.dashboard!.url);
    await tech.login('ktv', PASSWORD);
  });
  afterAll(async () => { await s?.close(); });

  it('drops a device revoked over REST within a second, and it cannot reconnect', async () => {
    const created = await ok<{ record: DeviceRecord } & CredentialsResponse>(tech, 'POST', '/api/devices', { kind: 'tablet', roomId: seeded.room.id, name: 'Máy tính bảng 07', issueCredentials: true });
    const { deviceId, secret } = created.credentials[0]!;
    const client = await connectDevice(s.mqttUrl, deviceId, secret);
    let closedAt = 0;
    client.once('close', () => { closedAt = Date.now(); });
    const revokedAt = Date.now();
    await ok(tech, 'POST', `/api/devices/${deviceId}/revoke`);
    await waitFor('the revoked device dropped', () => closedAt, 1000, 10);
    expect(closedAt - revokedAt).toBeLessThan(1000);
    client.end(true);
    expect(await refusalCode(s.mqttUrl, deviceId, deviceId, secret)).toBe(5);
    const record = await ok<DeviceRecord>(tech, 'GET', `/api/devices/${deviceId}/record`);
    expect(record).toMatchObject({ hasCredentials: false, name: 'Máy tính bảng 07' });
    expect(record.history.map((h) => h.action)).toEqual(['device.revoke', 'device.create']);
  });

  it('rotates a secret over REST: the old one is dropped and refused, the new one connects', async () => {
    const { device, secret } = await s.registry.addDevice({ kind: 'board', roomId: seeded.room.id });
    await s.directory.refresh();
    const client = await connectDevice(s.mqttUrl, device.id, secret!);
    let closed = false;
    client.once('close', () => { closed = true; });
    const rotated = await ok<CredentialsResponse>(tech, 'POST', `/api/devices/${device.id}/credentials`);
    await waitFor('the old session dropped', () => closed, 1000, 10);
    client.end(true);
    expect(await refusalCode(s.mqttUrl, device.id, device.id, secret!)).toBe(4);
    // Devices are given the port the broker really listens on (the tests let the system choose it).
    expect(rotated.mqttUrl).toMatch(new RegExp(`^mqtt://.+:${s.broker!.port}$`));
    expect(await refusalCode(s.mqttUrl, device.id, device.id, rotated.credentials[0]!.secret)).toBe('accepted');
  });

  it('issues credentials in bulk to the devices of a room that have none, once; the secrets work', async () => {
    const room = await s.registry.ensureRoom({ siteId: seeded.site.id, code: 'P.MAY', name: 'Phòng máy', type: 'computer_room' });
    const ids: string[] = [];
    for (let i = 1; i <= 3; i++) ids.push((await s.registry.addDevice({ kind: 'tablet', roomId: room.id, issueSecret: false })).device.id);
    const first = await ok<CredentialsResponse>(tech, 'POST', '/api/provision', { roomId: room.id });
    expect(first.credentials.map((c) => c.deviceId).sort()).toEqual(ids.sort());
    expect(new Set(first.credentials.map((c) => c.secret)).size).toBe(3);
    const again = await ok<CredentialsResponse>(tech, 'POST', '/api/provision', { roomId: room.id });
    expect(again.credentials).toEqual([]);
    const c = first.credentials[1]!;
    expect(await refusalCode(s.mqttUrl, c.deviceId, c.deviceId, c.secret)).toBe('accepted');
    const pdf = await fetch(`${tech.base}/api/labels.pdf?roomId=${room.id}`, { headers: { cookie: tech.cookie } });
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('edits a record: fields set and cleared, bad dates and duplicate codes refused, history kept', async () => {
    const { device } = await s.registry.addDevice({ kind: 'vr', roomId: seeded.room.id, code: 'VR-01', issueSecret: false });
    await s.registry.addDevice({ kind: 'vr', roomId: seeded.room.id, code: 'VR-02', issueSecret: false });
    const edited = await ok<DeviceRecord>(tech, 'PATCH', `/api/devices/${device.id}`, {
      model: 'Pico 4 Enterprise', costVnd: 15_500_000, inServiceDate: '2024-09-05', serviceLifeYears: 5, fundingSource: 'Ngân sách tỉnh', state: 'in_repair',
    });
    expect(edited).toMatchObject({ model: 'Pico 4 Enterprise', costVnd: 15_500_000, inServiceDate: '2024-09-05', state: 'in_repair' });
    expect((await ok<DeviceRecord>(tech, 'PATCH', `/api/devices/${device.id}`, { model: null })).model).toBeNull();
    expect((await tech.request('PATCH', `/api/devices/${device.id}`, { inServiceDate: '2024-02-30x' })).status).toBe(400);
    expect((await tech.request('PATCH', `/api/devices/${device.id}`, { code: 'VR-02' })).body).toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_CONFLICT' });
    expect((await tech.request('PATCH', `/api/devices/${device.id}`, { secretHash: 'x' })).status).toBe(400);
    await ok(tech, 'POST', `/api/devices/${device.id}/maintenance`, { text: 'Thay dây đeo, vệ sinh ống kính' });
    const retired = await ok<DeviceRecord>(tech, 'POST', `/api/devices/${device.id}/retire`);
    expect(retired).toMatchObject({ state: 'retired', hasCredentials: false });
    // A retired device keeps its record, maintenance log and history.
    const record = await ok<DeviceRecord>(admin, 'GET', `/api/devices/${device.id}/record`);
    expect(record.maintenance).toEqual([expect.objectContaining({ byUser: 'ktv', text: 'Thay dây đeo, vệ sinh ống kính' })]);
    expect(record.history.map((h) => h.action)).toEqual(['device.retire', 'device.maintenance', 'device.update', 'device.update']);
    expect((await ok<{ device: { id: string } }>(admin, 'GET', `/api/devices/${device.id}`)).device.id).toBe(device.id);
  });

  it('creates, moves and retires places; a room with devices cannot be retired; moved devices are tagged with the new place', async () => {
    const district = await ok<{ id: number }>(admin, 'POST', '/api/districts', { code: 'H-BAT-XAT', name: 'Huyện Bát Xát' });
    const school = await ok<{ id: number }>(admin, 'POST', '/api/schools', { code: 'BX-THCS-1', name: 'Trường THCS Bát Xát', level: 'thcs', districtId: district.id, pupils: 640 });
    expect((await admin.request('POST', '/api/schools', { code: 'BX-THCS-1', name: 'Trùng mã', level: 'thcs', districtId: null })).status).toBe(409);
    const site = await ok<{ id: number }>(admin, 'POST', '/api/sites', { schoolId: school.id, name: 'Điểm trường Mường Hum' });
    const site2 = await ok<{ id: number }>(admin, 'POST', '/api/sites', { schoolId: school.id, name: 'Điểm chính' });
    const room = await ok<{ id: number }>(admin, 'POST', '/api/rooms', { siteId: site.id, code: 'P.STEM', name: 'Phòng STEM', type: 'stem_room', capacity: 35 });
    const { device } = await s.registry.addDevice({ kind: 'sensor', roomId: room.id, issueSecret: false });
    await s.directory.refresh();
    await ok(admin, 'PATCH', `/api/rooms/${room.id}`, { siteId: site2.id, name: 'Phòng STEM 1' });
    expect(s.directory.get(device.id)).toMatchObject({ siteId: site2.id, roomId: room.id, schoolId: school.id });
    await ok(admin, 'PATCH', `/api/schools/${school.id}`, { districtId: null });
    expect(s.directory.get(device.id)?.districtId).toBeNull();

    const refused = await admin.request('POST', `/api/rooms/${room.id}/retire`);
    expect(refused.status).toBe(409);
    expect((refused.body as { message: string }).message).toMatch(/1 device/);
    await ok(admin, 'POST', `/api/devices/${device.id}/retire`);
    await ok(admin, 'POST', `/api/rooms/${room.id}/retire`);
    const tree = await ok<TreeResponse>(admin, 'GET', '/api/hierarchy/tree');
    expect(tree.rooms.find((r) => r.id === room.id)).toBeUndefined();
    const all = await ok<TreeResponse>(admin, 'GET', '/api/hierarchy/tree?includeRetired=true');
    expect(all.rooms.find((r) => r.id === room.id)).toMatchObject({ retired: true, name: 'Phòng STEM 1', siteId: site2.id });
    expect((await admin.request('POST', '/api/rooms', { siteId: site.id, code: 'P.X', name: 'X', type: 'hall' })).status).toBe(400);
    expect(all.permissions).toMatchObject({ editSchools: true, manageUsers: true });
    expect((await ok<TreeResponse>(tech, 'GET', '/api/hierarchy/tree')).permissions).toMatchObject({ editRecords: true, provision: true, editSchools: false, manageUsers: false });
  });

  it('manages users: a disabled user is logged out at once, an admin cannot lock themselves out, passwords stay out of the audit log', async () => {
    const created = await ok<UserRow>(admin, 'POST', '/api/users', { username: 'kh.sapa', password: PASSWORD, role: 'planner', displayName: 'Kế hoạch Sa Pa', scope: { districtIds: [1] } });
    const planner = new ApiClient(s.dashboard!.url);
    await planner.login('kh.sapa', PASSWORD);
    expect((await planner.request('GET', '/api/me')).status).toBe(200);
    await ok(admin, 'PATCH', `/api/users/${created.id}`, { disabled: true });
    expect((await planner.request('GET', '/api/me')).status).toBe(401);
    expect((await new ApiClient(s.dashboard!.url).request('POST', '/api/login', { username: 'kh.sapa', password: PASSWORD })).status).toBe(401);
    await ok(admin, 'PATCH', `/api/users/${created.id}`, { disabled: false, password: 'mật-khẩu-mới-123' });
    await planner.login('kh.sapa', 'mật-khẩu-mới-123');
    const me = (await admin.get<{ id: number }>('/api/me')).id;
    expect((await admin.request('PATCH', `/api/users/${me}`, { role: 'viewer' })).status).toBe(400);
    expect((await admin.request('POST', '/api/users', { username: 'kh.sapa', password: PASSWORD, role: 'viewer' })).status).toBe(409);
    const audit = await ok<AuditResponse>(admin, 'GET', '/api/audit?entity=user');
    expect(audit.entries.map((e) => e.action)).toEqual(['user.update', 'user.update', 'user.create']);
    expect(JSON.stringify(audit.entries)).not.toContain('mật-khẩu');
  });

  it('imports the sample list from the web API: preview, confirm, then a re-import changes nothing', async () => {
    const expected = sampleRecords(MAU).length;
    const job = await upload(admin, 'thiet-bi-mau.csv', readFileSync(MAU));
    expect(job).toMatchObject({ status: 'planned', plan: { counts: { create: expected, update: 0, unchanged: 0, refused: 0 } } });
    expect(await s.registry.deviceByCode(sampleRecords(MAU)[0]!['Mã thiết bị']!)).toBeUndefined();
    const applied = await ok<ImportJob>(admin, 'POST', `/api/imports/${job.id}/apply`, {});
    expect(applied.status).toBe('applied');
    expect(Object.keys(applied.created ?? {})).toHaveLength(expected);
    const again = await upload(admin, 'thiet-bi-mau.csv', readFileSync(MAU));
    expect(again.plan?.counts).toEqual({ create: 0, update: 0, unchanged: expected, refused: 0 });
    // The same job cannot be applied twice.
    expect((await admin.request('POST', `/api/imports/${job.id}/apply`, {})).status).toBe(409);
  });

  it('explains the faulty list row by row and applies the valid rows only when asked; a technician cannot touch other schools', async () => {
    const job = await upload(tech, 'thiet-bi-loi.csv', readFileSync(LOI));
    expect(job.plan!.refused.map((r) => r.line)).toEqual(expect.arrayContaining([4, 5, 6, 7, 8, 9]));
    const refused = await tech.request('POST', `/api/imports/${job.id}/apply`, {});
    expect(refused.status).toBe(400);
    expect((refused.body as { message: string }).message).toMatch(/refused/);
    const before = (await s.registry.listDevices()).total;
    const applied = await ok<ImportJob>(tech, 'POST', `/api/imports/${job.id}/apply`, { applyValid: true });
    expect(applied.status).toBe('applied');
    expect((await s.registry.listDevices()).total - before).toBe(applied.plan!.counts.create);
    // The technician's scope is one school: rows of every other school are refused for that reason, with their line.
    const mau = await upload(tech, 'thiet-bi-mau.csv', readFileSync(MAU));
    const otherSchools = sampleRecords(MAU).filter((r) => r['Mã trường'] !== seeded.school.code).length;
    expect(otherSchools).toBeGreaterThan(0);
    expect(mau.plan!.refused).toHaveLength(otherSchools);
    for (const r of mau.plan!.refused) expect(r.reason).toMatch(/^line \d+: (device code '.+' is already registered in a school|school '.+' is) outside your scope/);
    const fresh = await upload(tech, 'moi.csv', Buffer.from('Mã thiết bị,Loại thiết bị,Mã trường,Phòng\nSP-NEW-1,Cảm biến,' + sampleRecords(MAU).find((r) => r['Mã trường'] !== seeded.school.code)!['Mã trường'] + ',P.1\n'));
    expect(fresh.plan!.refused).toEqual([expect.objectContaining({ line: 2, reason: expect.stringMatching(/school '.+' is outside your scope/) })]);
    // Someone else's job is not there for them.
    expect((await admin.request('GET', `/api/imports/${job.id}`)).status).toBe(404);
    const bad = await fetch(`${tech.base}/api/imports?name=notes.csv`, { method: 'POST', headers: { cookie: tech.cookie, 'content-type': 'text/csv', origin: tech.base }, body: 'a,b\n1,2\n' });
    const badId = ((await bad.json()) as ImportJob).id;
    const failed = await waitFor('the bad file fails', async () => {
      const j = await tech.get<ImportJob>(`/api/imports/${badId}`);
      return j.status === 'failed' ? j : undefined;
    });
    expect(failed.error).toMatchObject({ code: 'EDUFLEET_ERR_IMPORT_COLUMNS' });
  });

  it("exports the register of the user's scope as CSV and XLSX, and the CSV imports back unchanged", async () => {
    const res = await fetch(`${tech.base}/api/register.csv`, { headers: { cookie: tech.cookie } });
    expect(res.headers.get('content-disposition')).toMatch(/so-thiet-bi-\d{4}-\d{2}-\d{2}\.csv/);
    const csv = Buffer.from(await res.arrayBuffer());
    const lines = csv.toString('utf8').trim().split('\n').slice(1);
    expect(lines.length).toBe((await s.registry.listDevices({ schoolId: seeded.school.id, includeRevoked: true })).total);
    expect(lines.every((l) => l.includes(seeded.school.code))).toBe(true);
    const back = await upload(tech, 'so-thiet-bi.csv', csv);
    expect(back.plan!.counts).toMatchObject({ create: 0, update: 0, refused: 0, unchanged: lines.length });
    const xlsx = await fetch(`${admin.base}/api/register.xlsx`, { headers: { cookie: admin.cookie } });
    expect(Buffer.from(await xlsx.arrayBuffer()).subarray(0, 2).toString()).toBe('PK');
    expect((await new ApiClient(s.dashboard!.url).request('GET', '/api/register.csv')).status).toBe(401);
  });

  it('keeps a device connected while its record is edited over REST', async () => {
    const created = await ok<{ record: DeviceRecord } & CredentialsResponse>(tech, 'POST', '/api/devices', { kind: 'tablet', roomId: seeded.room.id, issueCredentials: true });
    const { deviceId, secret } = created.credentials[0]!;
    const client = await connectDevice(s.mqttUrl, deviceId, secret);
    let closed = false;
    client.once('close', () => { closed = true; });
    await ok(tech, 'PATCH', `/api/devices/${deviceId}`, { name: 'Máy tính bảng giáo viên', notes: 'Ốp lưng xanh' });
    await client.publishAsync(topics.telemetry(deviceId), JSON.stringify({ battery: 80 }), { qos: 1 });
    expect(closed).toBe(false);
    await client.endAsync();
  });
});
