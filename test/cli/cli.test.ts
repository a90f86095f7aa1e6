import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openRegistryStore } from '../../registry/index.js';
import { verifySecret } from '../../registry/secrets.js';
import { seedSchool, tempDir } from '../helpers/stack.js';

const run = promisify(execFile);
const dir = tempDir('edufleet-cli-');
const edufleet = (...args: string[]) => run(process.execPath, ['bin/edufleet.mjs', '--data-dir', dir, ...args], { env: { ...process.env, EDUFLEET_LOG_LEVEL: 'warn' } });

describe('the edufleet CLI', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('adds a device, prints its secret once, stores only a hash, lists and revokes it', async () => {
    const reg = await openRegistryStore({ dataDir: dir });
    const { room } = await seedSchool(reg);
    await reg.close();

    const added = JSON.parse((await edufleet('device', 'add', '--kind', 'tablet', '--room', String(room.id), '--name', 'Máy tính bảng 07', '--json')).stdout) as { id: string; secret: string };
    expect(added.id).toMatch(/^tablet-/);
    expect(added.secret.length).toBeGreaterThanOrEqual(40);

    const check = await openRegistryStore({ dataDir: dir });
    const stored = (await check.secretHashes([added.id])).get(added.id)!;
    await check.close();
    expect(stored.hash).toMatch(/^scrypt\$/);
    expect(stored.hash).not.toContain(added.secret);
    expect(await verifySecret(added.secret, stored.hash!)).toBe(true);

    const list = JSON.parse((await edufleet('device', 'list', '--json')).stdout) as { id: string; name: string }[];
    expect(list.map((d) => d.name)).toEqual(['Máy tính bảng 07']);

    await edufleet('device', 'revoke', added.id);
    expect(JSON.parse((await edufleet('device', 'list', '--json')).stdout)).toEqual([]);
    const withRevoked = JSON.parse((await edufleet('device', 'list', '--revoked', '--json')).stdout) as { revokedAt: number | null }[];
    expect(withRevoked[0]!.revokedAt).toBeTypeOf('number');
  });

  it('refuses an unknown kind with a coded error that lists the known ones', async () => {
    const err = await edufleet('device', 'add', '--kind', 'toaster', '--room', '1').then(() => null, (e: { stderr: string; code: number }) => e);
    expect(err?.code).toBe(1);
    expect(err?.stderr).toContain('EDUFLEET_ERR_REGISTRY_INVALID');
    expect(err?.stderr).toContain('toaster');
    expect(err?.stderr).toContain('known kinds: board, tablet, vr, sensor');
  });

  it('adds a user with a role and a scope', async () => {
    const out = (await edufleet('user', 'add', '--username', 'ktv.chuyen', '--role', 'technician', '--school', '1', '--password', 'mat-khau-123')).stdout;
    expect(out).toContain('ktv.chuyen (technician)');
    const reg = await openRegistryStore({ dataDir: dir });
    const u = await reg.verifyUser('ktv.chuyen', 'mat-khau-123');
    await reg.close();
    expect(u).toMatchObject({ role: 'technician', scope: { schoolIds: [1] } });
  });

  it('writes a PDF of labels for the devices of a school, with the configured broker address', async () => {
    const reg = await openRegistryStore({ dataDir: dir });
    const room = (await reg.rooms())[0]!;
    await reg.addDevice({ kind: 'board', roomId: room.id, name: 'Bảng tương tác phòng 1', issueSecret: false });
    await reg.close();
    const out = path.join(dir, 'nhan.pdf');
    const res = await run(process.execPath, ['bin/edufleet.mjs', '--data-dir', dir, 'device', 'labels', '--school', '1', '--out', out], { env: { ...process.env, EDUFLEET_MQTT_PUBLIC_URL: 'mqtt://mqtt.sogddt.example:1883' } });
    expect(res.stdout).toMatch(/label\(s\) written .*mqtt:\/\/mqtt\.sogddt\.example:1883/);
    const text = (await run('pdftotext', [out, '-'])).stdout;
    expect(text).toContain('Bảng tương tác phòng 1');
  });

  it('prints its commands in --help', async () => {
    const out = (await edufleet('--help')).stdout;
    for (const c of ['start', 'demo', 'sim', 'device', 'user']) expect(out).toContain(c);
  });
});
