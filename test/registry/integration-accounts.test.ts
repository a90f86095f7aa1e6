/**
 * Integration accounts in the registry (registry/store/integration-accounts.ts) on both engines: the secret shown once
 * and kept as scrypt, patterns checked, a scope of one district or one school, revoked and audited.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifySecret } from '../../registry/secrets.js';
import { ENGINES, useEngines } from '../helpers/engines.js';
import { seedSchool } from '../helpers/stack.js';

const engines = useEngines();

describe.each(ENGINES)('integration accounts in the registry on %s', (engine) => {
  const open = async () => {
    const store = await engines.open(engine, mkdtempSync(path.join(tmpdir(), 'edufleet-integration-')));
    return { store, ...(await seedSchool(store)) };
  };

  it('adds an account, returns its secret once, keeps only a scrypt hash, lists, revokes and audits it', async () => {
    const { store, district } = await open();
    const { account, secret } = await store.integrations.add(
      { name: 'ioc-lao-cai', readPatterns: ['edu/v1/+/telemetry'], writePatterns: ['ioc/#'], clientIdPattern: 'ioc-*', districtId: district.id }, 'admin', 1000);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(account).toEqual({
      name: 'ioc-lao-cai', clientIdPattern: 'ioc-*', readPatterns: ['edu/v1/+/telemetry'], writePatterns: ['ioc/#'],
      districtId: district.id, schoolId: null, createdBy: 'admin', createdAt: 1000, revokedAt: null, lastConnectedAt: null,
    });
    expect(JSON.stringify(await store.integrations.list())).not.toContain(secret);
    const [login] = await store.integrations.logins();
    expect(login!.secretHash).toMatch(/^scrypt\$1024\$/);
    expect(login!.secretHash).not.toContain(secret);
    expect(await verifySecret(secret, login!.secretHash)).toBe(true);
    await expect(store.integrations.add({ name: 'ioc-lao-cai', readPatterns: ['#'], writePatterns: [] }, 'admin', 2000))
      .rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_CONFLICT' });

    await store.integrations.revoke('ioc-lao-cai', 'admin', 3000);
    // Revoking twice changes nothing and writes no second entry.
    await store.integrations.revoke('ioc-lao-cai', 'admin', 4000);
    expect(await store.integrations.get('ioc-lao-cai')).toMatchObject({ revokedAt: 3000 });
    await expect(store.integrations.revoke('khong-co', 'admin', 4000)).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_NOT_FOUND' });
    const log = await store.auditLog({ entity: 'integration_account' });
    expect(log.entries.map((e) => e.action)).toEqual(['integration.revoke', 'integration.add']);
    expect(log.entries[1]!.detail).toEqual({ clientIdPattern: 'ioc-*', readPatterns: ['edu/v1/+/telemetry'], writePatterns: ['ioc/#'], districtId: district.id, schoolId: null });
  });

  it('refuses bad patterns, `$` topics, writing devices\' commands, a device\'s id as name and two scopes, all in one message', async () => {
    const { store, district, school, room } = await open();
    const err = await store.integrations.add({ name: 'bad', readPatterns: ['a/#/b', '$SYS/#'], writePatterns: ['edu/#'], districtId: district.id, schoolId: school.id }, 'admin', 1)
      .then(() => ({ code: 'accepted', message: '' }), (e: unknown) => e as { code: string; message: string });
    expect(err).toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_INVALID' });
    expect(err.message).toContain("read pattern 'a/#/b' is not an MQTT topic filter");
    expect(err.message).toContain("read pattern '$SYS/#'");
    expect(err.message).toContain("write pattern 'edu/#' reaches devices' commands");
    expect(err.message).toContain('one district or one school, not both');
    const { device } = await store.addDevice({ kind: 'sensor', roomId: room.id });
    await expect(store.integrations.add({ name: device.id, readPatterns: ['#'], writePatterns: [] }, 'admin', 1))
      .rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_INVALID', message: expect.stringContaining('is a device id') as unknown });
    await expect(store.integrations.add({ name: 'x', readPatterns: [], writePatterns: [] }, 'admin', 1))
      .rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_INVALID' });
    const scoped = await store.integrations.add({ name: 'truong-chuyen', readPatterns: ['edu/v1/#'], writePatterns: [], schoolId: school.id }, 'admin', 1);
    expect(scoped.account).toMatchObject({ schoolId: school.id, districtId: null, clientIdPattern: '' });
  });
});
