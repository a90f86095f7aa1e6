/**
 * The fuzzer's world: a province seeded with the usage helpers (two districts, a school each, boards with a day of
 * analysed use), plus sensors, alerts, a silence, a schedule, a bulk run, a recipient, a subscription, an edge node, a
 * saved timetable and a victim user and token; the pools of their ids (and of ids that exist nowhere, or only outside
 * the planner token's district); and the three callers, kept signed in whatever the fuzzed requests do to them.
 */
import fc from 'fast-check';
import { startRun } from '../../commands/index.js';
import { newApiToken } from '../../dashboard/server/security/api-tokens.js';
import { insertAlert } from '../helpers/alerts-seed.js';
import type { TestStack } from '../helpers/stack.js';
import { seedUsage } from '../helpers/usage-seed.js';
import { ApiClient } from '../dashboard/client.js';
import { addEdge } from '../dashboard/edge-helpers.js';
import type { Hint, JsonSchema } from './arbitraries.js';
import type { Who } from './recipe.js';

const PASSWORD = 'mật-khẩu-thử-nghiệm-2026';
const DAY = 86_400_000;
/** Ids that exist nowhere: past a 32-bit column, far out, zero, negative, and text where a number goes. */
const MISSING: (string | number)[] = [999_999, 2 ** 31, 0, -1, 'khong-ton-tai'];
/** Each pool keeps its first ids and at most this many more that the run created. */
const POOL_MAX = 40;

/** Body and query fields that carry the id of a resource, by the pool they draw from. */
const FIELD_POOLS: Record<string, string> = {
  schoolId: 'schools', schoolIds: 'schools', districtId: 'districts', districtIds: 'districts', siteId: 'sites', roomId: 'rooms',
  roomIds: 'rooms', deviceId: 'devices', deviceIds: 'devices', ids: 'alerts', alertIds: 'alerts', rule: 'alert-rules', targetId: 'devices',
};

export class World {
  /** Ids by resource (the path segment before the param: `devices`, `schools`, `alert-rules`…). */
  readonly pools = new Map<string, (string | number)[]>();
  private readonly clients = new Map<'admin', ApiClient>();
  private plannerToken = '';
  private renewals = 0;
  districtOne = 0;

  constructor(private readonly s: TestStack) {}

  get base(): string {
    return this.s.dashboard!.url;
  }

  async seed(): Promise<void> {
    const reg = this.s.registry;
    const { ids } = await seedUsage(this.s, PASSWORD);
    this.districtOne = ids.d1;
    const now = Date.now();
    const sensorA = (await reg.addDevice({ kind: 'sensor', roomId: ids.roomA, id: 'sensor-a', name: 'Cảm biến phòng A' })).device.id;
    const sensorB = (await reg.addDevice({ kind: 'sensor', roomId: ids.roomB, id: 'sensor-b', name: 'Cảm biến phòng B' })).device.id;
    await this.s.directory.refresh();
    const alertA = await insertAlert(reg, { deviceId: 'board-a', schoolId: ids.schoolA, roomId: ids.roomA });
    const alertB = await insertAlert(reg, { deviceId: 'sensor-b', schoolId: ids.schoolB, roomId: ids.roomB, rule: 'no_data', severity: 'warning' });
    const victim = await reg.addUser({ username: 'giao-vien-a', password: PASSWORD, role: 'viewer', scope: { schoolIds: [ids.schoolA] } });
    const silence = await reg.createSilence({ targetType: 'device', targetId: sensorA, until: now + DAY, reason: 'Bảo trì định kỳ', byUser: 'quan-tri', at: now });
    const schedule = await reg.createSchedule({
      schoolId: ids.schoolA, name: 'Đo định kỳ', target: { type: 'school', id: String(ids.schoolA) }, command: 'interval', args: { seconds: 60 },
      days: [1, 2, 3, 4, 5], at: '17:30', skipHolidays: true, enabled: true,
    }, 'quan-tri', now);
    const run = await startRun(reg, { target: { type: 'school', id: String(ids.schoolB) }, name: 'calibrate', origin: { by: 'user', username: 'quan-tri' }, at: now });
    const recipient = await reg.addRecipient({
      schoolId: ids.schoolA, districtId: null, minSeverity: 'warning', channel: 'email', address: 'ky-thuat@laocai.edu.vn', secret: null,
      language: 'vi', digest: false, createdBy: 'quan-tri',
    }, now);
    const subscription = await reg.addSubscription({ email: 'ke-hoach@laocai.edu.vn', districtId: ids.d1, createdBy: 'quan-tri' });
    // An edge node on a site of its own, with no devices (as in the role matrix): the devices stay the province's to command.
    const edgeSite = await reg.ensureSite({ schoolId: ids.schoolA, name: 'Điểm trường biên' });
    const edge = await addEdge(reg, 'LC-THPT-A:Điểm trường biên', 'Máy trạm biên A');
    const spare = await this.addToken('Máy sẽ bị thu hồi', {});
    const integration = (await reg.integrations.add({ name: 'ioc-lao-cai', readPatterns: ['edu/v1/+/telemetry'], writePatterns: [], districtId: ids.d1 }, 'quan-tri', now)).account.name;

    await this.renewAdmin();
    const admin = this.clients.get('admin')!;
    // A saved timetable (the school level's default, saved as the school's own) and a command waiting for its device.
    const timetable = await admin.request('GET', `/api/schools/${ids.schoolA}/timetable`);
    await admin.request('PUT', `/api/schools/${ids.schoolA}/timetable`, { terms: (timetable.body as { terms: unknown[] }).terms });
    const command = await admin.request('POST', `/api/devices/${sensorA}/commands`, { name: 'calibrate' });
    await this.renewPlanner();

    const pools: Record<string, (string | number)[]> = {
      devices: ['board-a', 'board-b', sensorA, sensorB], schools: [ids.schoolA, ids.schoolB], districts: [ids.d1, ids.d2],
      rooms: [ids.roomA, ids.roomB], sites: [(await reg.ensureSite({ schoolId: ids.schoolA, name: 'Điểm chính' })).id, edgeSite.id], alerts: [alertA, alertB], users: [victim.id],
      tokens: [spare], silences: [silence.id], schedules: [schedule.id], 'command-runs': [run.runId], commands: [(command.body as { id?: string }).id ?? 'khong-co'],
      recipients: [recipient.id], subscriptions: [subscription.id], edges: [edge.id], 'alert-rules': ['board_overheat', 'no_data', 'low_battery'],
      overrides: [1], exports: ['khong-co'], imports: ['khong-co'], places: ['khong-co'], integrations: [integration],
    };
    for (const [k, v] of Object.entries(pools)) this.pools.set(k, [...v, ...MISSING]);
  }

  /** Draws from a pool as it is at generation time, so ids the run created are tried by the routes after it. */
  private fromPool(name: string): fc.Arbitrary<string | number> | undefined {
    const pool = this.pools.get(name);
    return pool ? fc.nat().map((i) => pool[i % pool.length]!) : undefined;
  }

  /** The hints for `SchemaArbitraries`: `path:<resource>` for path params, and the fields of FIELD_POOLS. */
  readonly hint: Hint = (name: string, schema: JsonSchema) => {
    const pool = this.fromPool(name.startsWith('path:') ? name.slice(5) : FIELD_POOLS[name] ?? '');
    if (!pool) return undefined;
    return schema.type === 'array' ? fc.array(pool, { maxLength: 3 }) : pool;
  };

  /** Notes the id of a thing a request created, under its resource. */
  created(resource: string, body: unknown): void {
    const b = body as { id?: unknown; view?: { id?: unknown }; device?: { id?: unknown } } | null;
    const id = b?.id ?? b?.view?.id ?? b?.device?.id;
    const pool = this.pools.get(resource);
    if (pool && (typeof id === 'string' || typeof id === 'number') && pool.length < MISSING.length + POOL_MAX + 20) pool.push(id);
  }

  /** The headers of a caller. The admin sends the dashboard's Origin, like the web app; nobody sends it too, to reach the routes' own checks. */
  headers(who: Who): Record<string, string> {
    const origin = new URL(this.base).origin;
    if (who === 'admin') return { origin, cookie: this.clients.get('admin')!.cookie };
    if (who === 'planner') return { authorization: `Bearer ${this.plannerToken}` };
    return { origin };
  }

  /**
   * After a request: the fuzz may have logged the admin out, disabled them, changed their role or password, or revoked
   * the planner's token. Then the caller is renewed (a new admin user or token where the old one is lost).
   */
  async after(who: Who, key: string, status: number): Promise<void> {
    if (who === 'planner' && status === 401) await this.renewPlanner();
    if (who !== 'admin') return;
    if (status !== 401 && !/ \/api\/(login|logout|users)/.test(key)) return;
    const me = await this.clients.get('admin')!.request('GET', '/api/me');
    if (me.status !== 200 || (me.body as { role?: string }).role !== 'admin') await this.renewAdmin();
  }

  private async renewAdmin(): Promise<void> {
    const username = `quan-tri-${++this.renewals}`;
    await this.s.registry.addUser({ username, password: PASSWORD, role: 'admin', displayName: 'Quản trị kiểm thử' });
    const client = new ApiClient(this.base);
    await client.login(username, PASSWORD);
    this.clients.set('admin', client);
  }

  /** A read-only planner token of district 1 (the district of school A): school B is another scope's. */
  private async renewPlanner(): Promise<void> {
    const { token, prefix } = newApiToken();
    await this.s.registry.apiTokens.add({ name: `Kế hoạch ${++this.renewals}`, token, prefix, role: 'planner', scope: { districtIds: [this.districtOne] }, write: false, expiresAt: Date.now() + DAY }, 'quan-tri', Date.now());
    this.plannerToken = token;
  }

  private async addToken(name: string, scope: { districtIds?: number[] }): Promise<number> {
    const { token, prefix } = newApiToken();
    return (await this.s.registry.apiTokens.add({ name, token, prefix, role: 'viewer', scope, write: false, expiresAt: Date.now() + DAY }, 'quan-tri', Date.now())).id;
  }
}
