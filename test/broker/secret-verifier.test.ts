/**
 * Device secret verifiers (issue 13 item 5): a secret that passed scrypt once is checked by its fast verifier after a
 * broker restart, on both registry engines; rotation and revocation still end it; the stored column never holds the
 * secret. Each "restart" is a new broker stack on the same data directory and registry, with a fresh directory.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGINES, useEngines } from '../helpers/engines.js';
import { connectDevice, refusalCode, seedSchool, startTestStack, tempDir, type TestStack } from '../helpers/stack.js';

const engines = useEngines();

describe.each(ENGINES)('device secret verifiers on %s', (engine) => {
  const dir = tempDir(`edufleet-verifier-${engine}-`);
  let url = '';
  const started: TestStack[] = [];
  afterAll(async () => {
    for (const s of started) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A broker-only stack on the shared data directory and registry: what a restarted process starts with. */
  const broker = async () => {
    url ||= await engines.url(engine);
    // No InfluxDB at all (the gateway spools and retries, silently): only authentication is under test here.
    const s = await startTestStack({ dir, only: ['broker'], overrides: { logLevel: 'silent', registry: { url }, influx: { url: 'http://127.0.0.1:9' } } });
    started.push(s);
    return s;
  };

  it('keeps a verified secret valid across a restart without scrypt, and refuses wrong, rotated and revoked ones', async () => {
    let s = await broker();
    const { room } = await seedSchool(s.registry);
    const a = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    const b = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    const c = await s.registry.addDevice({ kind: 'board', roomId: room.id });
    for (const d of [a, b, c]) (await connectDevice(s.mqttUrl, d.device.id, d.secret!)).end(true);
    expect(s.directory.checks).toEqual({ scrypt: 3, verifier: 0 });
    await s.close();

    s = await broker();
    for (const d of [a, b, c]) (await connectDevice(s.mqttUrl, d.device.id, d.secret!)).end(true);
    expect(s.directory.checks).toEqual({ scrypt: 0, verifier: 3 });
    // A wrong secret does not match the verifier and still goes through scrypt, which refuses it.
    expect(await refusalCode(s.mqttUrl, a.device.id, a.device.id, `${a.secret!.slice(0, -1)}x`)).toBe(4);
    expect(s.directory.checks.scrypt).toBe(1);

    const fresh = await s.registry.rotateSecret(b.device.id);
    await s.registry.revokeDevice(c.device.id);
    await s.close();

    s = await broker();
    expect(await refusalCode(s.mqttUrl, b.device.id, b.device.id, b.secret!)).toBe(4);
    expect(await refusalCode(s.mqttUrl, c.device.id, c.device.id, c.secret!)).toBe(5);
    (await connectDevice(s.mqttUrl, b.device.id, fresh)).end(true);
    (await connectDevice(s.mqttUrl, a.device.id, a.secret!)).end(true);
    expect(s.directory.checks.verifier).toBe(1);
    expect(s.directory.checks.scrypt).toBe(2);

    // What is at rest: a keyed digest, never the secret; none for the revoked device.
    await s.directory.flushVerifiers();
    const stored = new Map((await s.registry.secretVerifiers()).map((v) => [v.id, v.verifier]));
    expect([...stored.keys()].sort()).toEqual([a.device.id, b.device.id].sort());
    for (const [id, secret] of [[a.device.id, a.secret!], [b.device.id, fresh]] as const) {
      expect(stored.get(id)).toMatch(/^hmac-sha256\$[A-Za-z0-9_-]{43}$/);
      expect(stored.get(id)).not.toContain(secret);
    }
  });
});

/** Several nodes exist only on PostgreSQL (docs/operations.md): a device moves to a node that started before it logged in. */
describe('device secret verifiers across nodes', () => {
  const dir = tempDir('edufleet-verifier-nodes-');
  const started: TestStack[] = [];
  afterAll(async () => {
    for (const s of started) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const node = async (name: string, url: string) => {
    const s = await startTestStack({ dir: mkdirSync(path.join(dir, name), { recursive: true })!, only: ['broker'], overrides: { logLevel: 'silent', registry: { url }, influx: { url: 'http://127.0.0.1:9' } } });
    started.push(s);
    return s;
  };

  it('checks a device that moves to a node already running by the verifier the first node saved, not by scrypt', async () => {
    const url = await engines.url('postgres');
    const first = await node('node-1', url);
    const second = await node('node-2', url);
    const { room } = await seedSchool(first.registry, 'MOVE-1');
    const d = await first.registry.addDevice({ kind: 'tablet', roomId: room.id });
    await Promise.all([first.directory.refresh(), second.directory.refresh()]);
    (await connectDevice(first.mqttUrl, d.device.id, d.secret!)).end(true);
    expect(first.directory.checks.scrypt).toBe(1);
    await first.directory.flushVerifiers();

    // The failover: the second node loaded its verifiers before this device ever logged in.
    const before = { ...second.directory.checks };
    (await connectDevice(second.mqttUrl, d.device.id, d.secret!)).end(true);
    expect(second.directory.checks).toEqual({ scrypt: before.scrypt, verifier: before.verifier + 1 });
    // A wrong secret matches no verifier, in memory or saved, and scrypt refuses it.
    expect(await refusalCode(second.mqttUrl, d.device.id, d.device.id, `${d.secret!.slice(0, -1)}x`)).toBe(4);
    expect(second.directory.checks.scrypt).toBe(before.scrypt + 1);
  });
});
