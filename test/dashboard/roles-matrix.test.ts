/**
 * Role × scope × route: every REST route and every Socket.IO subscription, for every kind of user, against things
 * in three schools: A (district 1), B (district 2) and C (directly under the Sở). The expectation is written out
 * below as a table, independently of the server's permission code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun } from '../../commands/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { newApiToken } from '../../dashboard/server/security/api-tokens.js';
import type { EdgeImportJob, EdgeListResponse, LiveView } from '../../api/index.js';
import { topics } from '../../protocol/index.js';
import type { RegistryStore } from '../../registry/index.js';
import { ENGINES, useEngines } from '../helpers/engines.js';
import { connectDevice, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { ApiClient, connectSocket, type LiveSocket } from './client.js';
import { addEdge, edgeRegistration } from './edge-helpers.js';

const PASSWORD = 'mật-khẩu-đủ-dài';
type School = 'A' | 'B' | 'C';
const SCHOOLS: School[] = ['A', 'B', 'C'];
type UserName = 'admin' | 'planner-province' | 'planner-d1' | 'tech-a' | 'tech-noscope' | 'viewer-a' | 'anonymous';
const USERS: UserName[] = ['admin', 'planner-province', 'planner-d1', 'tech-a', 'tech-noscope', 'viewer-a', 'anonymous'];

/** THE EXPECTATION. Which schools each user may read, and where they may change records / devices. */
const READS: Record<UserName, School[]> = {
  admin: ['A', 'B', 'C'],
  'planner-province': ['A', 'B', 'C'],
  'planner-d1': ['A'],
  'tech-a': ['A'],
  // A technician with no school assigned yet reads the province but may change nothing.
  'tech-noscope': ['A', 'B', 'C'],
  'viewer-a': ['A'],
  anonymous: [],
};
const WRITES: Record<UserName, School[]> = {
  admin: ['A', 'B', 'C'], 'tech-a': ['A'],
  'planner-province': [], 'planner-d1': [], 'tech-noscope': [], 'viewer-a': [], anonymous: [],
};
const ADMIN_ONLY: Record<UserName, boolean> = {
  admin: true, 'planner-province': false, 'planner-d1': false, 'tech-a': false, 'tech-noscope': false, 'viewer-a': false, anonymous: false,
};
/**
 * Whose edge nodes each user sees (the edges screen): planners within their scope, a technician their own school's
 * (read only: registering, bundles and imports are the Sở's admins'); viewers and an unassigned technician none.
 */
const EDGE_READS: Record<UserName, School[]> = {
  admin: ['A', 'B', 'C'], 'planner-province': ['A', 'B', 'C'], 'planner-d1': ['A'], 'tech-a': ['A'],
  'tech-noscope': [], 'viewer-a': [], anonymous: [],
};
/** Each school's edge node sits on a site of its own, with no devices: the matrix's devices stay the province's to command. */
const EDGE_SITE = 'Điểm trường biên';

interface Place { schoolId: number; code: string; siteId: number; roomId: number; deviceId: string; secret: string; districtId: number | null; edgeId: string }

async function seed(reg: RegistryStore): Promise<Record<School, Place>> {
  const d1 = await reg.ensureDistrict({ code: 'TP-LAO-CAI', name: 'Thành phố Lào Cai' });
  const d2 = await reg.ensureDistrict({ code: 'TX-SA-PA', name: 'Thị xã Sa Pa' });
  const out = {} as Record<School, Place>;
  for (const [key, code, districtId] of [['A', 'LC-THCS-A', d1.id], ['B', 'SP-THCS-B', d2.id], ['C', 'LC-THPT-C', null]] as const) {
    const school = await reg.ensureSchool({ code, name: `Trường ${key}`, level: key === 'C' ? 'thpt' : 'thcs', districtId });
    const site = await reg.ensureSite({ schoolId: school.id, name: 'Điểm chính' });
    const room = await reg.ensureRoom({ siteId: site.id, code: 'P.TM1', name: `Phòng thông minh ${key}`, type: 'smart_classroom' });
    const { device, secret } = await reg.addDevice({ kind: 'sensor', roomId: room.id, id: `sensor-${key.toLowerCase()}`, name: `Cảm biến ${key}` });
    await reg.ensureSite({ schoolId: school.id, name: EDGE_SITE });
    const edge = await addEdge(reg, `${code}:${EDGE_SITE}`, `Máy trạm biên ${key}`);
    out[key] = { schoolId: school.id, code, siteId: site.id, roomId: room.id, deviceId: device.id, secret: secret!, districtId, edgeId: edge.id };
  }
  await reg.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
  await reg.addUser({ username: 'planner-province', password: PASSWORD, role: 'planner' });
  await reg.addUser({ username: 'planner-d1', password: PASSWORD, role: 'planner', scope: { districtIds: [d1.id] } });
  await reg.addUser({ username: 'tech-a', password: PASSWORD, role: 'technician', scope: { schoolIds: [out.A.schoolId] } });
  await reg.addUser({ username: 'tech-noscope', password: PASSWORD, role: 'technician' });
  await reg.addUser({ username: 'viewer-a', password: PASSWORD, role: 'viewer', scope: { schoolIds: [out.A.schoolId] } });
  return out;
}

const engines = useEngines();

// The same matrix, with the same expectations, on the embedded SQLite files and on PostgreSQL.
describe.each(ENGINES)('role × scope × route, on %s', (engine) => {
  let s: TestStack;
  let places: Record<School, Place>;
  const clients = {} as Record<UserName, ApiClient>;
  let n = 0;
  /** A fresh device in a school, for routes that change what they touch (revoke, retire, move). */
  const freshDevice = async (school: School) =>
    (await s.registry.addDevice({ kind: 'tablet', roomId: places[school].roomId, id: `tablet-m${++n}`, name: `Máy tính bảng ${n}` })).device.id;
  /** A schedule of a school (sensors' reading interval, the devices the matrix seeds), for the routes on one. */
  const schedule = (school: School) => ({
    schoolId: places[school].schoolId, name: `Lịch ${++n}`, target: { type: 'school' as const, id: String(places[school].schoolId) }, command: 'interval',
    args: { seconds: 60 }, days: [1, 2, 3, 4, 5], at: '17:30', skipHolidays: true, enabled: true,
  });
  const freshSchedule = async (school: School) => (await s.registry.createSchedule(schedule(school), 'admin', Date.now())).id;
  /** A running bulk run on a school's devices, started by an admin. */
  const freshRun = async (school: School) => (await startRun(s.registry, {
    target: { type: 'school', id: String(places[school].schoolId) }, name: 'calibrate', origin: { by: 'user', username: 'admin' }, at: Date.now(),
  })).runId;
  /** An active API token, for the route that revokes one. */
  const freshToken = async () => {
    const { token, prefix } = newApiToken();
    return (await s.registry.apiTokens.add({ name: `Máy ${++n}`, token, prefix, role: 'viewer', scope: {}, write: false, expiresAt: Date.now() + 86_400_000 }, 'admin', Date.now())).id;
  };
  const freshIntegration = async () => (await s.registry.integrations.add({ name: `ioc-${++n}`, readPatterns: ['ioc/#'], writePatterns: [] }, 'admin', Date.now())).account.name;
  const freshRoom = async (school: School) => (await s.registry.ensureRoom({ siteId: places[school].siteId, code: `P.${++n}`, name: `Phòng ${n}`, type: 'classroom' })).id;
  const edgeSite = (school: School) => `${places[school].code}:${EDGE_SITE}`;
  /** Waits for an admin's edge file import to end (the upload admission takes one file per user at a time). */
  const edgeImportEnds = async (id: string) => waitFor(`edge import ${id} ends`, async () => (await clients.admin.get<EdgeImportJob>(`/api/edges/imports/${id}`)).status !== 'importing');
  let edgeJob: Promise<string> | undefined;
  /** An edge file import of the admin (of a file that is no export: the job fails, and is still theirs to follow). */
  const adminEdgeJob = () => edgeJob ??= (async () => {
    const r = await send('admin', ['POST', '/api/edges/imports?name=khong-phai.efe', Buffer.from('không phải tệp xuất')]);
    const id = (r.body as EdgeImportJob).id;
    await edgeImportEnds(id);
    return id;
  })();

  beforeAll(async () => {
    s = await startTestStack({ dashboard: startDashboard, overrides: { registry: { url: await engines.url(engine) } } });
    places = await seed(s.registry);
    await s.directory.refresh();
    for (const u of USERS) {
      clients[u] = new ApiClient(s.dashboard!.url);
      if (u !== 'anonymous') await clients[u].login(u, PASSWORD);
    }
  });
  afterAll(async () => { await s?.close(); });

  /** A request against something in `school`; `allowed` says who must get a 2xx. */
  interface Case { name: string; allowed: (u: UserName, school: School) => boolean; request: (school: School) => Promise<[method: string, path: string, body?: unknown]> }
  const reads = (u: UserName, sc: School) => READS[u].includes(sc);
  const writes = (u: UserName, sc: School) => WRITES[u].includes(sc);
  const adminOnly = (u: UserName) => ADMIN_ONLY[u];
  const P = (sc: School) => places[sc];

  const CASES: Case[] = [
    { name: 'GET a device', allowed: reads, request: async (sc) => ['GET', `/api/devices/${P(sc).deviceId}`] },
    { name: 'GET a device record', allowed: reads, request: async (sc) => ['GET', `/api/devices/${P(sc).deviceId}/record`] },
    { name: 'PATCH a device record', allowed: writes, request: async (sc) => ['PATCH', `/api/devices/${P(sc).deviceId}`, { notes: 'Kiểm tra định kỳ' }] },
    { name: 'add a maintenance entry', allowed: writes, request: async (sc) => ['POST', `/api/devices/${P(sc).deviceId}/maintenance`, { text: 'Thay pin' }] },
    { name: 'create a device record', allowed: writes, request: async (sc) => ['POST', '/api/devices', { kind: 'board', roomId: P(sc).roomId, name: 'Bảng mới' }] },
    // Moving needs the right on both rooms: from A into the school under test.
    { name: 'move a device from A', allowed: (u, sc) => writes(u, 'A') && writes(u, sc), request: async (sc) => ['PATCH', `/api/devices/${await freshDevice('A')}`, { roomId: P(sc).roomId }] },
    { name: 'retire a device', allowed: writes, request: async (sc) => ['POST', `/api/devices/${await freshDevice(sc)}/retire`] },
    { name: 'issue credentials', allowed: writes, request: async (sc) => ['POST', `/api/devices/${await freshDevice(sc)}/credentials`] },
    { name: 'revoke a device', allowed: writes, request: async (sc) => ['POST', `/api/devices/${await freshDevice(sc)}/revoke`] },
    { name: 'bulk credentials for a room', allowed: writes, request: async (sc) => ['POST', '/api/provision', { roomId: P(sc).roomId }] },
    { name: 'labels of a school', allowed: writes, request: async (sc) => ['GET', `/api/labels.pdf?schoolId=${P(sc).schoolId}`] },
    { name: 'create a site', allowed: writes, request: async (sc) => ['POST', '/api/sites', { schoolId: P(sc).schoolId, name: `Điểm lẻ ${++n}` }] },
    { name: 'create a room', allowed: writes, request: async (sc) => ['POST', '/api/rooms', { siteId: P(sc).siteId, code: `P.${++n}`, name: 'Phòng STEM', type: 'stem_room' }] },
    { name: 'edit a room', allowed: writes, request: async (sc) => ['PATCH', `/api/rooms/${P(sc).roomId}`, { capacity: 42 }] },
    { name: 'retire a room', allowed: writes, request: async (sc) => ['POST', `/api/rooms/${await freshRoom(sc)}/retire`] },
    { name: 'room usage of a school', allowed: reads, request: async (sc) => ['GET', `/api/usage?schoolId=${P(sc).schoolId}`] },
    { name: 'room usage of a room', allowed: reads, request: async (sc) => ['GET', `/api/usage?roomId=${P(sc).roomId}`] },
    { name: 'export the usage of a school', allowed: reads, request: async (sc) => ['POST', '/api/usage/exports', { format: 'csv', schoolId: P(sc).schoolId }] },
    { name: 'read a timetable', allowed: reads, request: async (sc) => ['GET', `/api/schools/${P(sc).schoolId}/timetable`] },
    { name: 'edit a timetable', allowed: writes, request: async (sc) => ['PUT', `/api/schools/${P(sc).schoolId}/timetable`, { terms: [] }] },
    // Device health (issue 10): every reader but planners, within scope.
    { name: 'device health of a school', allowed: (u, sc) => reads(u, sc) && !u.startsWith('planner'), request: async (sc) => ['GET', `/api/health/devices?schoolId=${P(sc).schoolId}`] },
    { name: 'health rollup of a school', allowed: (u, sc) => reads(u, sc) && !u.startsWith('planner'), request: async (sc) => ['GET', `/api/health/summary?level=site&parentId=${P(sc).schoolId}`] },
    { name: 'devices of a room', allowed: (u, sc) => reads(u, sc) && !u.startsWith('planner'), request: async (sc) => ['GET', `/api/rooms/${P(sc).roomId}/devices`] },
    // Schedules (issue 11): commands.send on the school, to read them too (like runs).
    { name: 'schedules of a school', allowed: writes, request: async (sc) => ['GET', `/api/schedules?schoolId=${P(sc).schoolId}`] },
    { name: 'read a schedule', allowed: writes, request: async (sc) => ['GET', `/api/schedules/${await freshSchedule(sc)}`] },
    { name: 'create a schedule', allowed: writes, request: async (sc) => ['POST', '/api/schedules', schedule(sc)] },
    { name: 'preview a schedule', allowed: writes, request: async (sc) => ['POST', '/api/schedules/preview', schedule(sc)] },
    { name: 'edit a schedule', allowed: writes, request: async (sc) => ['PUT', `/api/schedules/${await freshSchedule(sc)}`, schedule(sc)] },
    { name: 'delete a schedule', allowed: writes, request: async (sc) => ['DELETE', `/api/schedules/${await freshSchedule(sc)}`] },
    // Remote commands and bulk runs (issue 11): commands.send where they act, also to read runs and histories.
    { name: 'send a command to a device', allowed: writes, request: async (sc) => ['POST', `/api/devices/${P(sc).deviceId}/commands`, { name: 'calibrate' }] },
    { name: 'preview a command run on a room', allowed: writes, request: async (sc) => ['POST', '/api/command-runs/preview', { target: { type: 'room', id: String(P(sc).roomId) }, name: 'calibrate' }] },
    { name: 'start a command run on a school', allowed: writes, request: async (sc) => ['POST', '/api/command-runs', { target: { type: 'school', id: String(P(sc).schoolId) }, name: 'calibrate' }] },
    { name: 'follow a command run', allowed: writes, request: async (sc) => ['GET', `/api/command-runs/${await freshRun(sc)}`] },
    { name: 'cancel a command run', allowed: writes, request: async (sc) => ['POST', `/api/command-runs/${await freshRun(sc)}/cancel`] },
    { name: 'command history of a school', allowed: writes, request: async (sc) => ['GET', `/api/schools/${P(sc).schoolId}/commands`] },
    // Edge nodes (issue 21): registering one, and its down bundle (credential verifiers, encrypted for it), are the Sở's admins'.
    { name: 'register an edge node', allowed: (u) => adminOnly(u), request: async (sc) => ['POST', '/api/edges', edgeRegistration(edgeSite(sc), `Máy trạm ${++n}`)] },
    { name: 'download an edge node\'s bundle', allowed: (u) => adminOnly(u), request: async (sc) => ['GET', `/api/edges/${P(sc).edgeId}/bundle`] },
    { name: 'revoke an edge node', allowed: (u) => adminOnly(u), request: async (sc) => ['POST', `/api/edges/${(await addEdge(s.registry, edgeSite(sc), `Máy trạm ${++n}`)).id}/revoke`] },
    { name: 'edit a school', allowed: (u) => adminOnly(u), request: async (sc) => ['PATCH', `/api/schools/${P(sc).schoolId}`, { pupils: 900 }] },
    { name: 'create a school', allowed: (u) => adminOnly(u), request: async (sc) => ['POST', '/api/schools', { code: `NEW-${++n}`, name: 'Trường mới', level: 'tieu_hoc', districtId: P(sc).districtId }] },
  ];
  /** Routes that are not about one school. */
  const GLOBAL: {
    name: string; allowed: (u: UserName) => boolean; request: () => [string, string, unknown?] | Promise<[string, string, unknown?]>;
    /** Runs after each user's request (a job it started that must end before the next upload). */
    settle?: (u: UserName, r: { status: number; body: unknown }) => Promise<void>;
  }[] = [
    { name: 'create a district', allowed: adminOnly, request: () => ['POST', '/api/districts', { code: `D-${++n}`, name: 'Huyện mới' }] },
    { name: 'list users', allowed: adminOnly, request: () => ['GET', '/api/users'] },
    { name: 'create a user', allowed: adminOnly, request: () => ['POST', '/api/users', { username: `u${++n}`, password: PASSWORD, role: 'viewer' }] },
    { name: 'edit a user', allowed: adminOnly, request: () => ['PATCH', '/api/users/2', { displayName: 'Kế hoạch tỉnh' }] },
    { name: 'read the audit log', allowed: adminOnly, request: () => ['GET', '/api/audit'] },
    // API tokens (issue 22): the Sở's admins, with a session; a token never reaches them (api-tokens.test.ts).
    { name: 'list API tokens', allowed: adminOnly, request: () => ['GET', '/api/tokens'] },
    { name: 'create an API token', allowed: adminOnly, request: () => ['POST', '/api/tokens', { name: `Máy ${++n}`, role: 'viewer', expiresAt: Date.now() + 86_400_000 }] },
    { name: 'revoke an API token', allowed: adminOnly, request: async () => ['POST', `/api/tokens/${await freshToken()}/revoke`] },
    // Integration accounts (issue 22, MQTT): the Sở's admins, with a session (integration-accounts.test.ts refuses tokens).
    { name: 'list integration accounts', allowed: adminOnly, request: () => ['GET', '/api/integrations'] },
    { name: 'create an integration account', allowed: adminOnly, request: () => ['POST', '/api/integrations', { name: `ioc-${++n}`, readPatterns: ['ioc/#'], writePatterns: [] }] },
    { name: 'revoke an integration account', allowed: adminOnly, request: async () => ['POST', `/api/integrations/${await freshIntegration()}/revoke`] },
    { name: 'start an import', allowed: (u) => WRITES[u].length > 0, request: () => ['POST', '/api/imports?name=x.csv', 'Mã thiết bị,Loại thiết bị,Mã trường,Phòng\n'] },
    { name: 'list command runs', allowed: (u) => WRITES[u].length > 0, request: () => ['GET', '/api/command-runs'] },
    { name: 'the overview', allowed: (u) => u !== 'anonymous', request: () => ['GET', '/api/overview'] },
    // The API's description and its viewer (issue 22): public, they describe and grant nothing (docs/security.md).
    { name: 'the OpenAPI document', allowed: () => true, request: () => ['GET', '/api/openapi.json'] },
    { name: 'the API viewer', allowed: () => true, request: () => ['GET', '/api/docs'] },
    { name: 'the KPI', allowed: (u) => u !== 'anonymous', request: () => ['GET', '/api/kpi'] },
    // The operations-centre wall (issue 22): admins and planners preview it with a session; a wall token reads only it (wall.test.ts).
    { name: 'the operations-centre wall', allowed: (u) => u === 'admin' || u.startsWith('planner'), request: () => ['GET', '/api/wall'] },
    { name: 'the tree', allowed: (u) => u !== 'anonymous', request: () => ['GET', '/api/hierarchy/tree'] },
    { name: 'the device list', allowed: (u) => u !== 'anonymous', request: () => ['GET', '/api/devices'] },
    { name: 'the room usage in scope', allowed: (u) => u !== 'anonymous', request: () => ['GET', '/api/usage'] },
    { name: 'the budget planner in scope', allowed: (u) => u !== 'anonymous', request: () => ['GET', '/api/planning'] },
    // The monthly feed (issue 22, data upward): planners and admins, within scope (which schools: the test below).
    { name: 'the monthly feed as JSON', allowed: (u) => u === 'admin' || u.startsWith('planner'), request: () => ['GET', '/api/feed/v1/monthly'] },
    { name: 'the monthly feed as CSV', allowed: (u) => u === 'admin' || u.startsWith('planner'), request: () => ['GET', '/api/feed/v1/monthly.csv'] },
    { name: 'the register export in scope', allowed: (u) => u !== 'anonymous', request: () => ['GET', '/api/register.csv'] },
    // The province-wide monthly report is for province-wide planners and admins.
    { name: 'subscribe to the province report', allowed: (u) => u === 'admin' || u === 'planner-province', request: () => ['POST', '/api/reports/subscriptions', { email: `kh${++n}@laocai.edu.vn`, districtId: null }] },
    // Edge nodes: the list for those with edges in their scope (which edges: the test below); a file's import for the Sở's admins.
    { name: 'the edge node list', allowed: (u) => EDGE_READS[u].length > 0, request: () => ['GET', '/api/edges'] },
    { name: 'follow an edge file import', allowed: adminOnly, request: async () => ['GET', `/api/edges/imports/${await adminEdgeJob()}`] },
    {
      name: 'import an edge export file', allowed: adminOnly, request: () => ['POST', '/api/edges/imports?name=truong.efe', Buffer.from('không phải tệp xuất')],
      settle: async (u, r) => { if (r.status === 202) await edgeImportEnds((r.body as EdgeImportJob).id); },
    },
  ];

  const send = async (u: UserName, [method, path, body]: [string, string, unknown?]) => {
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      const type = Buffer.isBuffer(body) ? 'application/octet-stream' : 'text/csv';
      const res = await fetch(clients[u].base + path, { method, headers: { 'content-type': type, origin: clients[u].base, ...(clients[u].cookie ? { cookie: clients[u].cookie } : {}) },
        body: Buffer.isBuffer(body) ? new Uint8Array(body) : body });
      return { status: res.status, body: (await res.json()) as unknown };
    }
    return clients[u].request(method, path, body);
  };
  const expectCell = (label: string, allowed: boolean, u: UserName, r: { status: number; body: unknown }) => {
    const cell = `${label} as ${u}`;
    if (allowed) {
      expect(r.status, `${cell}: ${JSON.stringify(r.body)}`).toBeGreaterThanOrEqual(200);
      expect(r.status, `${cell}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
    } else {
      expect(r.status, cell).toBe(u === 'anonymous' ? 401 : 403);
      // A refusal carries its coded error and nothing else.
      expect(Object.keys(r.body as object).sort(), cell).toEqual(['code', 'message']);
    }
  };

  for (const c of CASES) {
    it(`REST: ${c.name}`, async () => {
      for (const u of USERS) for (const sc of SCHOOLS) expectCell(`${c.name} in ${sc}`, c.allowed(u, sc), u, await send(u, await c.request(sc)));
    });
  }
  for (const c of GLOBAL) {
    it(`REST: ${c.name}`, async () => {
      for (const u of USERS) {
        const r = await send(u, await c.request());
        expectCell(c.name, c.allowed(u), u, r);
        await c.settle?.(u, r);
      }
    });
  }

  it('REST: the edge node list shows each user the edges of the schools in their edge scope, and nothing else', async () => {
    const schoolOf = new Map(SCHOOLS.map((sc) => [P(sc).schoolId, sc]));
    for (const u of USERS.filter((x) => EDGE_READS[x].length > 0)) {
      const { edges } = await clients[u].get<EdgeListResponse>('/api/edges');
      expect([...new Set(edges.map((e) => schoolOf.get(e.schoolId)))].sort(), u).toEqual(EDGE_READS[u]);
      // The edges the matrix seeded are among them (the rows above may have registered more).
      expect(edges.map((e) => e.id), u).toEqual(expect.arrayContaining(EDGE_READS[u].map((sc) => P(sc).edgeId)));
    }
  });

  it('REST lists, filters and the tree show nothing of a school outside the scope, whatever the filter', async () => {
    const schoolOf = new Map(SCHOOLS.map((sc) => [P(sc).schoolId, sc]));
    for (const u of USERS.filter((x) => x !== 'anonymous')) {
      const seen = new Set<School>();
      const note = (id: number) => { const sc = schoolOf.get(id); if (sc) seen.add(sc); };
      for (const sc of SCHOOLS) {
        for (const q of [`schoolId=${P(sc).schoolId}`, `roomId=${P(sc).roomId}`, `districtId=${P(sc).districtId ?? 1}`, `q=${P(sc).deviceId}`, 'includeRetired=true']) {
          const list = await clients[u].get<{ devices: { schoolId: number }[] }>(`/api/devices?${q}`);
          list.devices.forEach((d) => note(d.schoolId));
        }
      }
      const tree = await clients[u].get<{ schools: { id: number }[]; rooms: { schoolId: number }[] }>('/api/hierarchy/tree?includeRetired=true');
      tree.schools.forEach((x) => note(x.id));
      tree.rooms.forEach((x) => note(x.schoolId));
      const overview = await clients[u].get<{ bySchool: { schoolId: number }[] }>('/api/overview');
      overview.bySchool.forEach((x) => note(x.schoolId));
      const kpi = await clients[u].get<{ schools: { schoolId: number }[] }>('/api/kpi');
      kpi.schools.forEach((x) => note(x.schoolId));
      if (u === 'admin' || u.startsWith('planner')) {
        const feed = await clients[u].get<{ schools: { schoolCode: string }[] }>('/api/feed/v1/monthly');
        feed.schools.forEach((x) => note(SCHOOLS.map(P).find((p) => p.code === x.schoolCode)?.schoolId ?? 0));
      }
      if (u === 'admin' || u.startsWith('planner')) {
        // The wall counts per district: a district it shows stands for the matrix's schools in it.
        const wall = await clients[u].get<{ districts: { districtId: number | null }[] }>('/api/wall');
        wall.districts.forEach((d) => SCHOOLS.filter((sc) => P(sc).districtId === d.districtId).forEach((sc) => note(P(sc).schoolId)));
      }
      expect([...seen].sort(), u).toEqual(READS[u]);
    }
  });

  it('Socket.IO: each user gets the live updates of their schools only, and may watch only their devices', async () => {
    const sockets = new Map<UserName, { socket: LiveSocket; ids: Set<string> }>();
    const users = USERS.filter((u) => u !== 'anonymous');
    try {
      await expect(connectSocket(s.dashboard!.url)).rejects.toThrow(/Log in first/);
      for (const u of users) {
        const socket = await connectSocket(s.dashboard!.url, clients[u].cookie);
        const ids = new Set<string>();
        socket.on('devices', (batch: LiveView[]) => batch.forEach((v) => ids.add(v.id)));
        sockets.set(u, { socket, ids });
        for (const sc of SCHOOLS) {
          const ack = await socket.emitWithAck('watch', P(sc).deviceId);
          expect(ack, `${u} watching ${sc}`).toEqual(reads(u, sc) ? { ok: true } : expect.objectContaining({ code: 'EDUFLEET_ERR_AUTH_FORBIDDEN' }));
        }
      }
      for (const sc of SCHOOLS) {
        const device = await connectDevice(s.mqttUrl, P(sc).deviceId, P(sc).secret);
        await device.publishAsync(topics.telemetry(P(sc).deviceId), JSON.stringify({ ts: Date.now(), co2: 700, temperature: 27, occupancy: 30 }), { qos: 1 });
        await device.endAsync();
      }
      const expected = (u: UserName) => READS[u].map((sc) => P(sc).deviceId).sort();
      for (const u of users) {
        const { ids } = sockets.get(u)!;
        await waitFor(`${u} receives the devices of ${READS[u].join(', ')}`, () => expected(u).every((id) => ids.has(id)));
      }
      // Every socket has had the tick that carried all three readings; now nothing else may have arrived.
      for (const u of users) {
        const ids = [...sockets.get(u)!.ids].filter((id) => SCHOOLS.some((sc) => P(sc).deviceId === id)).sort();
        expect(ids, u).toEqual(expected(u));
      }
    } finally {
      for (const { socket } of sockets.values()) socket.close();
    }
  });
});
