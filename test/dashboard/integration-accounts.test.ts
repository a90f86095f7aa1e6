/**
 * Integration accounts through the web app's REST routes (issue 22; docs/integration.md, "Integration accounts (MQTT)"):
 * an admin with a session creates one (its secret answered once, audited under the admin's name), lists it, and
 * revokes it, which closes a connected MQTT client of the account; the registry's rules answer bad patterns, a pattern
 * outside the account's scope and a taken name with coded errors; a planner and any API token are refused.
 */
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntegrationAccountList, IntegrationAccountView, NewIntegrationAccountInput, NewIntegrationAccountResponse } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { newApiToken } from '../../dashboard/server/security/api-tokens.js';
import { seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { connectAccount } from '../broker/integration-helpers.js';
import { ApiClient } from './client.js';

const PASSWORD = 'tài-khoản-tích-hợp-2026';

describe('integration accounts through the REST API', () => {
  let s: TestStack;
  let admin: ApiClient;
  let planner: ApiClient;
  let districtId = 0;
  let otherDevice = '';
  const open: MqttClient[] = [];

  beforeAll(async () => {
    s = await startTestStack({ dashboard: startDashboard });
    const { district, room } = await seedSchool(s.registry);
    districtId = district.id;
    const other = await s.registry.ensureDistrict({ code: 'BAT-XAT', name: 'Huyện Bát Xát' });
    const school = await s.registry.ensureSchool({ code: 'BX-THCS-BAN-VUOC', name: 'Trường THCS Bản Vược', level: 'thcs', districtId: other.id });
    const far = await s.registry.ensureRoom({ siteId: (await s.registry.ensureSite({ schoolId: school.id, name: 'Điểm chính' })).id, code: 'P.TIN', name: 'Phòng Tin học', type: 'computer_room' });
    otherDevice = (await s.registry.addDevice({ kind: 'tablet', roomId: far.id, id: 'tablet-bat-xat' })).device.id;
    await s.registry.addDevice({ kind: 'tablet', roomId: room.id, id: 'tablet-lao-cai' });
    await s.directory.refresh();
    await s.registry.addUser({ username: 'quan-tri', password: PASSWORD, role: 'admin' });
    await s.registry.addUser({ username: 'ke-hoach', password: PASSWORD, role: 'planner' });
    admin = new ApiClient(s.dashboard!.url);
    await admin.login('quan-tri', PASSWORD);
    planner = new ApiClient(s.dashboard!.url);
    await planner.login('ke-hoach', PASSWORD);
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.endAsync(true)));
    await s?.close();
  });

  const create = (body: Partial<NewIntegrationAccountInput>) =>
    admin.request('POST', '/api/integrations', { name: 'ioc-lao-cai', readPatterns: ['edu/v1/+/telemetry'], writePatterns: [], ...body });
  const codeOf = (r: { body: unknown }) => (r.body as { code?: string }).code;
  const messageOf = (r: { body: unknown }) => (r.body as { message?: string }).message ?? '';

  it('creates an account whose secret is answered once, lists it without the secret and audits it under the admin', async () => {
    const r = await create({ name: 'ioc-tp-lao-cai', clientIdPattern: 'ioc-*', writePatterns: ['ioc/#'], districtId });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const { secret, account } = r.body as NewIntegrationAccountResponse;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(account).toEqual({
      name: 'ioc-tp-lao-cai', clientIdPattern: 'ioc-*', readPatterns: ['edu/v1/+/telemetry'], writePatterns: ['ioc/#'], districtId, schoolId: null,
      createdBy: 'quan-tri', createdAt: expect.any(Number) as unknown, revokedAt: null, lastConnectedAt: null, state: 'active',
    });
    const list = await admin.request('GET', '/api/integrations');
    expect(list.headers.get('cache-control')).toBe('no-store');
    expect((list.body as IntegrationAccountList).accounts.map((a) => a.name)).toEqual(['ioc-tp-lao-cai']);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    const audit = await admin.get<{ entries: { action: string; user: string; entityId: string }[] }>('/api/audit?entity=integration_account');
    expect(audit.entries).toEqual([expect.objectContaining({ action: 'integration.add', entityId: 'ioc-tp-lao-cai' })]);
    expect(JSON.stringify(audit)).toContain('quan-tri');
    expect(JSON.stringify(audit)).not.toContain(secret);
  });

  it('revokes an account: its connected MQTT client is closed, the list and the audit log say so, and it cannot log in again', async () => {
    const { secret } = (await create({ name: 'ioc-revoke-me' })).body as NewIntegrationAccountResponse;
    // The broker reads the accounts each second; now rather than at its next poll.
    await s.integrations!.reload();
    const { client } = await connectAccount(s.mqttUrl, 'ioc-revoke-me', secret, 'ioc-1');
    open.push(client);
    let closed = false;
    client.on('close', () => { closed = true; });
    // Its login shows as its last connection.
    await waitFor('the last connection noted', async () => (await admin.get<IntegrationAccountList>('/api/integrations')).accounts.find((a) => a.name === 'ioc-revoke-me')?.lastConnectedAt);

    const r = await admin.request('POST', '/api/integrations/ioc-revoke-me/revoke');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ name: 'ioc-revoke-me', state: 'revoked', revokedAt: expect.any(Number) as unknown });
    await waitFor('the client closed by the broker', () => closed, 10_000);
    await expect(connectAccount(s.mqttUrl, 'ioc-revoke-me', secret, 'ioc-2')).rejects.toThrow();
    const again = await admin.request('POST', '/api/integrations/ioc-revoke-me/revoke');
    expect((again.body as IntegrationAccountView).revokedAt).toBe((r.body as IntegrationAccountView).revokedAt);
    const audit = await admin.get<{ entries: { action: string; entityId: string }[] }>('/api/audit?entity=integration_account');
    expect(audit.entries.filter((e) => e.entityId === 'ioc-revoke-me').map((e) => e.action)).toEqual(['integration.revoke', 'integration.add']);
    expect((await admin.request('POST', '/api/integrations/khong-co/revoke')).status).toBe(404);
  });

  it('answers a bad pattern, a pattern outside the account\'s scope and a taken name with coded errors', async () => {
    const bad = await create({ name: 'ioc-bad', readPatterns: ['edu/#/telemetry'], writePatterns: ['edu/v1/+/cmd/#'] });
    expect(bad.status).toBe(400);
    expect(codeOf(bad)).toBe('EDUFLEET_ERR_REGISTRY_INVALID');
    expect(messageOf(bad)).toContain("read pattern 'edu/#/telemetry' is not an MQTT topic filter");
    expect(messageOf(bad)).toContain("write pattern 'edu/v1/+/cmd/#' reaches devices' commands");

    const outside = await create({ name: 'ioc-outside', readPatterns: [`edu/v1/${otherDevice}/telemetry`], writePatterns: ['edu/v1/+/status'], districtId });
    expect(outside.status).toBe(400);
    expect(codeOf(outside)).toBe('EDUFLEET_ERR_REGISTRY_INVALID');
    expect(messageOf(outside)).toContain(`names device '${otherDevice}', which is not a device of the account's district ${districtId}`);
    expect(messageOf(outside)).toContain("write pattern 'edu/v1/+/status' reaches the devices of the whole province");
    // Its own district's device by id is within its scope.
    expect((await create({ name: 'ioc-own-device', readPatterns: [], writePatterns: ['edu/v1/tablet-lao-cai/attributes'], districtId })).status).toBe(201);

    const taken = await create({ name: 'ioc-tp-lao-cai' });
    expect(taken.status).toBe(409);
    expect(codeOf(taken)).toBe('EDUFLEET_ERR_REGISTRY_CONFLICT');
    const twoScopes = await create({ name: 'ioc-two', districtId, schoolId: 1 });
    expect(codeOf(twoScopes)).toBe('EDUFLEET_ERR_REGISTRY_INVALID');
    const badName = await create({ name: 'tài khoản' });
    expect(badName.status).toBe(400);
    expect(codeOf(badName)).toBe('EDUFLEET_ERR_REQUEST_INVALID');
    expect((await admin.get<IntegrationAccountList>('/api/integrations')).accounts.map((a) => a.name)).not.toContain('ioc-outside');
  });

  it('refuses a planner, and any API token even an admin\'s that may write', async () => {
    for (const [method, path, body] of [['GET', '/api/integrations'], ['POST', '/api/integrations', { name: 'ioc-planner', readPatterns: ['#'], writePatterns: [] }],
      ['POST', '/api/integrations/ioc-tp-lao-cai/revoke']] as const) {
      const r = await planner.request(method, path, body);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(codeOf(r)).toBe('EDUFLEET_ERR_AUTH_FORBIDDEN');
    }
    const { token, prefix } = newApiToken();
    await s.registry.apiTokens.add({ name: 'Quản trị tự động', token, prefix, role: 'admin', scope: {}, write: true, expiresAt: Date.now() + 86_400_000 }, 'quan-tri', Date.now());
    for (const [method, path] of [['GET', '/api/integrations'], ['POST', '/api/integrations/ioc-tp-lao-cai/revoke']] as const) {
      const res = await fetch(s.dashboard!.url + path, { method, headers: { authorization: `Bearer ${token}` } });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(((await res.json()) as { code: string }).code).toBe('EDUFLEET_ERR_AUTH_FORBIDDEN');
    }
    expect((await admin.get<IntegrationAccountList>('/api/integrations')).accounts.find((a) => a.name === 'ioc-tp-lao-cai')?.state).toBe('active');
  });
});
