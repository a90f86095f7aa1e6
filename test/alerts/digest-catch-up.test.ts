/**
 * The daily digest across a restart (issue 20, "Background work that survives its process"): the digest is
 * scheduled at `alerts.digestAt` in each process with notifications, so if every such process was down at that
 * minute, the day's digest would never be queued. A process that starts after digestAt queues today's digest; the
 * claim per school and local day (Asia/Ho_Chi_Minh) keeps it to once. Time is a controlled clock; each process's
 * catch-up is over once its stop() returns, so the test reads the outbox without waiting on anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationDispatcher } from '../../alerts/notify/index.js';
import { loadConfig } from '../../config/index.js';
import { createLogger } from '../../lib/logger.js';
import type { RegistryStore } from '../../registry/index.js';
import { useEngines } from '../helpers/engines.js';
import { tempDir } from '../helpers/stack.js';

/** An instant given in Hà Nội local time (UTC+7). */
const local = (s: string) => Date.parse(`${s}+07:00`);

describe('the daily digest after a restart across alerts.digestAt', () => {
  const engines = useEngines();
  let registry: RegistryStore;
  let now = local('2026-03-12T06:59:00');
  const clock = { now: () => now };
  const config = loadConfig({ env: {}, overrides: { alerts: { digestAt: '07:00' } } });

  /** One process's notifications component: started at `at`, stopped (its catch-up done); what it queued. */
  const runProcessAt = async (at: string): Promise<number> => {
    now = local(at);
    const before = await registry.pendingNotifications();
    // Polls for due rows once an hour: the test looks at the outbox, nothing is sent.
    const d = new NotificationDispatcher({ config, registry, log: createLogger('silent'), clock, pollMs: 3_600_000 });
    await d.start();
    await d.stop();
    return (await registry.pendingNotifications()) - before;
  };

  beforeAll(async () => {
    registry = await engines.open('sqlite', tempDir());
    const district = await registry.ensureDistrict({ code: 'TP-LC', name: 'Thành phố Lào Cai' });
    const school = await registry.ensureSchool({ code: 'THCS-COC-LEU', name: 'Trường THCS Cốc Lếu', level: 'thcs', districtId: district.id });
    await registry.addRecipient({ schoolId: school.id, districtId: null, minSeverity: 'warning', channel: 'email', address: 'hieutruong@cocleu.edu.vn', language: 'vi', digest: true, createdBy: 'admin', secret: null }, now);
  });
  afterAll(async () => {
    await registry?.close();
  });

  it('queues nothing when a process starts before digestAt: the scheduled job will queue it', async () => {
    expect(await runProcessAt('2026-03-12T06:59:00')).toBe(0);
  });

  it('queues today\'s digest when the process comes back after digestAt (down at 6:59, back at 7:02)', async () => {
    expect(await runProcessAt('2026-03-12T07:02:00')).toBe(1);
  });

  it('queues it once: another process, or a later restart the same day, finds it claimed', async () => {
    expect(await runProcessAt('2026-03-12T07:02:30')).toBe(0);
    expect(await runProcessAt('2026-03-12T23:59:00')).toBe(0);
  });

  it('counts the day in Hà Nội: the next morning waits for digestAt again, then queues that day\'s digest', async () => {
    // 06:30 on the 13th in Hà Nội is still the 12th in UTC: neither day's digest is due again.
    expect(await runProcessAt('2026-03-13T06:30:00')).toBe(0);
    expect(await runProcessAt('2026-03-13T08:15:00')).toBe(1);
  });
});
