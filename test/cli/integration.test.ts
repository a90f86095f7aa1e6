/** `edufleet integration add | list | revoke` (cli/integration-commands.ts) against the registry of a data directory. */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openRegistryStore } from '../../registry/index.js';
import { verifySecret } from '../../registry/secrets.js';
import { seedSchool, tempDir } from '../helpers/stack.js';

const run = promisify(execFile);
const dir = tempDir('edufleet-cli-integration-');
const edufleet = (...args: string[]) => run(process.execPath, ['bin/edufleet.mjs', '--data-dir', dir, ...args], { env: { ...process.env, EDUFLEET_LOG_LEVEL: 'warn' } });

describe('the edufleet integration commands', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('adds an account of a district named by its code, prints the secret once, lists it and revokes it', async () => {
    const reg = await openRegistryStore({ dataDir: dir });
    const { district } = await seedSchool(reg);
    await reg.close();

    const out = (await edufleet('integration', 'add', '--name', 'ioc-tp-lao-cai', '--read', 'edu/v1/+/telemetry', '--read', 'edu/v1/+/status',
      '--write', 'ioc/#', '--client-id', 'ioc-*', '--district', 'TP-LAO-CAI', '--user', 'quan.tri')).stdout;
    const secret = /secret: (\S+)/.exec(out)?.[1];
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(out).toContain('shown only this once');

    const check = await openRegistryStore({ dataDir: dir });
    const [login] = await check.integrations.logins();
    const audit = await check.auditLog({ entity: 'integration_account' });
    await check.close();
    expect(login).toMatchObject({ name: 'ioc-tp-lao-cai', districtId: district.id, clientIdPattern: 'ioc-*', readPatterns: ['edu/v1/+/telemetry', 'edu/v1/+/status'], writePatterns: ['ioc/#'] });
    expect(await verifySecret(secret!, login!.secretHash)).toBe(true);
    expect(audit.entries[0]).toMatchObject({ byUser: 'quan.tri', action: 'integration.add', entityId: 'ioc-tp-lao-cai' });

    const list = (await edufleet('integration', 'list')).stdout;
    expect(list).toContain('ioc-tp-lao-cai\tactive');
    expect(list).not.toContain(secret);
    await edufleet('integration', 'revoke', 'ioc-tp-lao-cai');
    const listed = JSON.parse((await edufleet('integration', 'list', '--json')).stdout) as { name: string; revokedAt: number | null }[];
    expect(listed).toEqual([expect.objectContaining({ name: 'ioc-tp-lao-cai', revokedAt: expect.any(Number) as unknown })]);
  });

  it('refuses an unknown district code and a pattern that is not a topic filter with coded errors', async () => {
    const unknown = await edufleet('integration', 'add', '--name', 'x', '--read', '#', '--district', 'KHONG-CO').then(() => null, (e: { stderr: string }) => e);
    expect(unknown?.stderr).toContain('EDUFLEET_ERR_REGISTRY_NOT_FOUND');
    const bad = await edufleet('integration', 'add', '--name', 'y', '--read', 'a/#/b').then(() => null, (e: { stderr: string }) => e);
    expect(bad?.stderr).toContain('EDUFLEET_ERR_REGISTRY_INVALID');
    expect(bad?.stderr).toContain("'a/#/b' is not an MQTT topic filter");
  });
});
