/**
 * Device secret verifiers (issue 13 item 5): a secret that passed scrypt once is checked by its fast verifier after a
 * broker restart, on both registry engines; rotation and revocation still end it; the stored column never holds the
 * secret. Each "restart" is a new broker stack on the same data directory and registry, with a fresh directory.
 */
import { rmSync } from 'node:fs';
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
