/**
 * API tokens (issue 22; docs/security.md and docs/integration.md, "API tokens"): an admin makes a token that is shown
 * once and stored as a hash; a machine calls the REST API with `Authorization: Bearer` as the token's role and scope,
 * read-only unless the admin said otherwise; expired, revoked and unknown tokens get 401 saying which; a token cannot
 * manage tokens or users, nor open a live socket; each token has its own rate limit.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiTokenListResponse, ApiTokenView, NewApiTokenInput, NewApiTokenResponse } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { newApiToken } from '../../dashboard/server/security/api-tokens.js';
import { seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { ApiClient, connectSocketWithToken } from './client.js';

const PASSWORD = 'mã-truy-cập-2026';
const DAY = 86_400_000;
/** Low, so one test can cross it; every other test sends far fewer requests with each of its tokens. */
const PER_MIN = 12;

describe('API tokens for machines calling the REST API', () => {
  let s: TestStack;
  let admin: ApiClient;
  let schoolId = 0;
  let deviceId = '';

  beforeAll(async () => {
    s = await startTestStack({ only: ['dashboard'], dashboard: startDashboard, overrides: { dashboard: { apiTokenRequestsPerMin: PER_MIN } } });
    const { school, room } = await seedSchool(s.registry);
    schoolId = school.id;
    deviceId = (await s.registry.addDevice({ kind: 'sensor', roomId: room.id, id: 'sensor-token-1', name: 'Cảm biến phòng 1' })).device.id;
    await s.registry.addUser({ username: 'quan-tri', password: PASSWORD, role: 'admin' });
    admin = new ApiClient(s.dashboard!.url);
    await admin.login('quan-tri', PASSWORD);
  });
  afterAll(async () => { await s?.close(); });

  const make = async (body: Partial<NewApiTokenInput> = {}): Promise<NewApiTokenResponse> => {
    const r = await admin.request('POST', '/api/tokens', { name: 'Trung tâm điều hành', role: 'planner', expiresAt: Date.now() + 30 * DAY, ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as NewApiTokenResponse;
  };
  /** A machine's request: the token, no cookie, no Origin. */
  const call = async (token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(s.dashboard!.url + path, {
      method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as unknown, headers: res.headers };
  };
  const codeOf = (r: { body: unknown }) => (r.body as { code?: string }).code;
  const listed = async (id: number) => (await admin.get<ApiTokenListResponse>('/api/tokens')).tokens.find((t) => t.id === id)!;

  it('shows a new token once, lists it without its secret, audits it, and stores only its SHA-256', async () => {
    const { token, view } = await make({ name: 'Cơ sở dữ liệu ngành' });
    expect(token).toMatch(/^efk_[A-Za-z0-9_-]{43}$/);
    expect(view).toMatchObject({ name: 'Cơ sở dữ liệu ngành', role: 'planner', write: false, state: 'active', createdBy: 'quan-tri', lastUsedAt: null });
    expect(token.startsWith(view.prefix)).toBe(true);
    const list = await admin.request('GET', '/api/tokens');
    expect(list.headers.get('cache-control')).toBe('no-store');
    expect(JSON.stringify(list.body)).not.toContain(token);
    expect(JSON.stringify(list.body)).not.toContain(token.slice(view.prefix.length));
    const audit = await admin.get<{ entries: { action: string; entityId: string; detail: unknown }[] }>('/api/audit?entity=api_token');
    const entry = audit.entries.find((e) => e.action === 'token.create' && e.entityId === String(view.id));
    expect(entry?.detail).toMatchObject({ name: 'Cơ sở dữ liệu ngành', prefix: view.prefix, role: 'planner', write: false });
    expect(JSON.stringify(audit)).not.toContain(token.slice(view.prefix.length));

    const db = new Database(join(s.dir, 'registry.sqlite'), { readonly: true });
    try {
      const row = db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(view.id) as Record<string, unknown>;
      expect(row.token_hash).toBe(createHash('sha256').update(token).digest('base64url'));
      expect(row.prefix).toBe(view.prefix);
      for (const value of Object.values(row)) expect(String(value)).not.toContain(token.slice(view.prefix.length));
    } finally {
      db.close();
    }
  });

  it('lets a planner token read room usage and the planner, and refuses it every write with 403 even where the role may write', async () => {
    const { token, view } = await make({ role: 'planner' });
    expect((await call(token, 'GET', `/api/usage?schoolId=${schoolId}`)).status).toBe(200);
    expect((await call(token, 'GET', '/api/planning')).status).toBe(200);
    // Planners may subscribe to the monthly report; a read-only token may not, and needs no Origin to be told so.
    const write = await call(token, 'POST', '/api/reports/subscriptions', { email: 'ioc@laocai.edu.vn', districtId: null });
    expect(write.status).toBe(403);
    expect(codeOf(write)).toBe('EDUFLEET_ERR_AUTH_TOKEN_READ_ONLY');
    // Last use is noted, and not rewritten by the next request within the minute.
    const first = (await listed(view.id)).lastUsedAt;
    expect(first).not.toBeNull();
    expect((await call(token, 'GET', '/api/kpi')).status).toBe(200);
    expect((await listed(view.id)).lastUsedAt).toBe(first);
  });

  it('refuses a read-only technician token a command, and lets a writing one send it within its school without an Origin', async () => {
    const scope = { schoolIds: [schoolId] };
    const readOnly = await make({ name: 'Kỹ thuật chỉ đọc', role: 'technician', scope });
    const refused = await call(readOnly.token, 'POST', `/api/devices/${deviceId}/commands`, { name: 'calibrate' });
    expect(refused.status).toBe(403);
    expect(codeOf(refused)).toBe('EDUFLEET_ERR_AUTH_TOKEN_READ_ONLY');
    expect((await call(readOnly.token, 'GET', `/api/devices/${deviceId}`)).status).toBe(200);

    const writer = await make({ name: 'Kỹ thuật ghi', role: 'technician', scope, write: true });
    const sent = await call(writer.token, 'POST', `/api/devices/${deviceId}/commands`, { name: 'calibrate' });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    // A viewer token that may write still cannot: the role decides what writing is allowed.
    const viewer = await make({ name: 'Người xem ghi', role: 'viewer', scope, write: true });
    const denied = await call(viewer.token, 'POST', `/api/devices/${deviceId}/commands`, { name: 'calibrate' });
    expect(denied.status).toBe(403);
    expect(codeOf(denied)).toBe('EDUFLEET_ERR_AUTH_FORBIDDEN');
  });

  it('answers an expired and a revoked token 401 saying which, and an unknown or malformed one 401 invalid alike', async () => {
    const { token: expired } = newApiToken();
    const past = Date.now() - DAY;
    await s.registry.apiTokens.add({ name: 'Hết hạn', token: expired, prefix: expired.slice(0, 12), role: 'planner', scope: {}, write: false, expiresAt: past }, 'quan-tri', past - DAY);
    const r1 = await call(expired, 'GET', '/api/kpi');
    expect([r1.status, codeOf(r1)]).toEqual([401, 'EDUFLEET_ERR_AUTH_TOKEN_EXPIRED']);

    const { token, view } = await make({ name: 'Sẽ thu hồi' });
    expect((await call(token, 'GET', '/api/kpi')).status).toBe(200);
    const revoked = await admin.request('POST', `/api/tokens/${view.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect((revoked.body as ApiTokenView).state).toBe('revoked');
    const r2 = await call(token, 'GET', '/api/kpi');
    expect([r2.status, codeOf(r2)]).toEqual([401, 'EDUFLEET_ERR_AUTH_TOKEN_REVOKED']);
    const audit = await admin.get<{ entries: { action: string; entityId: string }[] }>('/api/audit?entity=api_token');
    expect(audit.entries.some((e) => e.action === 'token.revoke' && e.entityId === String(view.id))).toBe(true);

    // A made-up token of the right shape, one with a real token's prefix, and garbage: the same answer.
    const unknown = [newApiToken().token, view.prefix + 'A'.repeat(35), 'not-a-token'];
    const answers = await Promise.all(unknown.map((u) => call(u, 'GET', '/api/kpi')));
    for (const a of answers) expect([a.status, a.body]).toEqual([401, answers[0]!.body]);
    expect(codeOf(answers[0]!)).toBe('EDUFLEET_ERR_AUTH_TOKEN_INVALID');
  });

  it('refuses a request that carries both a session cookie and a bearer token', async () => {
    const { token } = await make();
    const r = await call(token, 'GET', '/api/kpi', undefined, { cookie: admin.cookie });
    expect([r.status, codeOf(r)]).toEqual([400, 'EDUFLEET_ERR_AUTH_TOKEN_AMBIGUOUS']);
  });

  it('never lets a token list or create tokens or users, even an admin token that may write', async () => {
    const { token } = await make({ name: 'Quản trị máy', role: 'admin', write: true });
    expect((await call(token, 'GET', '/api/devices')).status).toBe(200);
    const tries = [
      ['GET', '/api/tokens'], ['POST', '/api/tokens', { name: 'x', role: 'admin', write: true, expiresAt: Date.now() + DAY }],
      ['GET', '/api/users'], ['POST', '/api/users', { username: 'may-moi', password: PASSWORD, role: 'admin' }],
    ] as const;
    for (const [method, path, body] of tries) {
      const r = await call(token, method, path, body);
      expect([r.status, codeOf(r)], `${method} ${path}`).toEqual([403, 'EDUFLEET_ERR_AUTH_FORBIDDEN']);
    }
    expect((await admin.get<{ username: string }[]>('/api/users')).map((u) => u.username)).not.toContain('may-moi');
  });

  it('does not open a live socket for a token', async () => {
    const { token } = await make();
    await expect(connectSocketWithToken(s.dashboard!.url, token)).rejects.toThrow(/Log in first/);
  });

  it('answers 429 with Retry-After to a token over its per-minute limit, and not to another token', async () => {
    const busy = await make({ name: 'Tích hợp bận' });
    const calm = await make({ name: 'Tích hợp khác' });
    for (let i = 0; i < PER_MIN; i++) expect((await call(busy.token, 'GET', '/api/kpi')).status).toBe(200);
    const over = await call(busy.token, 'GET', '/api/kpi');
    expect([over.status, codeOf(over)]).toEqual([429, 'EDUFLEET_ERR_AUTH_TOKEN_RATE_LIMITED']);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call(calm.token, 'GET', '/api/kpi')).status).toBe(200);
  });

  it('refuses a token whose expiry is missing, past or more than a year ahead', async () => {
    for (const expiresAt of [undefined, Date.now() - 1000, Date.now() + 400 * DAY]) {
      const r = await admin.request('POST', '/api/tokens', { name: 'Sai hạn', role: 'viewer', ...(expiresAt === undefined ? {} : { expiresAt }) });
      expect([r.status, codeOf(r)], String(expiresAt)).toEqual([400, 'EDUFLEET_ERR_REQUEST_INVALID']);
    }
  });
});
