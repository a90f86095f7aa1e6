import { rmSync } from 'node:fs';
import type { Client, PublishPacket } from 'aedes';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAuthenticate } from '../../broker/auth/authenticate.js';
import { makeAuthorizePublish } from '../../broker/auth/authorize-publish.js';
import { createMetrics } from '../../lib/metrics.js';
import { topics } from '../../protocol/index.js';
import { DeviceDirectory, openRegistryStore, type RegistryStore } from '../../registry/index.js';
import { seedSchool, tempDir } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

/** A logger whose error lines the test reads. */
function capturingLogger() {
  const lines: { msg: string; deviceId?: string }[] = [];
  const log = pino({ level: 'error' }, { write: (s: string) => void lines.push(JSON.parse(s) as { msg: string }) });
  return { log, lines };
}

/** Records unhandled rejections while a test runs (one would end a real process). */
function watchRejections() {
  const seen: unknown[] = [];
  const on = (reason: unknown) => void seen.push(reason);
  process.on('unhandledRejection', on);
  return { seen, off: () => void process.off('unhandledRejection', on) };
}

describe('the broker hooks answer aedes outside their promise', () => {
  const dir = tempDir('edufleet-auth-cb-');
  let registry: RegistryStore;
  let device: { id: string; secret: string };

  beforeAll(async () => {
    registry = await openRegistryStore({ dataDir: dir });
    const { room } = await seedSchool(registry);
    const d = await registry.addDevice({ kind: 'tablet', roomId: room.id });
    device = { id: d.device.id, secret: d.secret! };
  });
  afterAll(async () => {
    await registry?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs a throw from the CONNACK callback instead of rejecting unhandled', async () => {
    const { log, lines } = capturingLogger();
    const rejections = watchRejections();
    try {
      const authenticate = makeAuthenticate(new DeviceDirectory(registry), createMetrics(), log);
      const answers: (boolean | null)[] = [];
      authenticate({ id: device.id } as Client, device.id, Buffer.from(device.secret), (_err, ok) => {
        answers.push(ok);
        throw new Error('aedes broke while writing CONNACK');
      });
      await waitFor('the error line', () => lines.find((l) => l.deviceId === device.id));
      expect(answers).toEqual([true]);
      expect(rejections.seen).toEqual([]);
    } finally {
      rejections.off();
    }
  });

  it('logs a throw from the PUBACK callback, after success and after a refused ingest, and calls it once each', async () => {
    const { log, lines } = capturingLogger();
    const rejections = watchRejections();
    try {
      let fail = false;
      const ingest = () => (fail ? Promise.reject(new Error('spool full')) : Promise.resolve());
      const authorize = makeAuthorizePublish(ingest, 4096, createMetrics(), log);
      const packet = { topic: topics.telemetry(device.id), payload: Buffer.from('{}') } as PublishPacket;
      const calls: (Error | null | undefined)[] = [];
      const done = (err?: Error | null) => {
        calls.push(err);
        throw new Error('aedes broke while writing PUBACK');
      };
      authorize(null, { ...packet, clientId: device.id } as PublishPacket, done);
      await waitFor('the first error line', () => lines.length === 1);
      fail = true;
      authorize(null, { ...packet, clientId: device.id } as PublishPacket, done);
      await waitFor('the second error line', () => lines.length === 2);
      expect(calls.map((c) => c?.message ?? null)).toEqual([null, 'spool full']);
      expect(rejections.seen).toEqual([]);
    } finally {
      rejections.off();
    }
  });
});
