/**
 * Delivery under trouble, against real HTTP receivers on loopback (allowed targets, as an admin would list an internal
 * receiver): a receiver that never answers holds up only itself; two dispatchers on one registry with a holder that
 * stalls past its lease send each message once (the fencing check before each send), every delivery carrying an id
 * a receiver can de-duplicate on; a message that keeps failing is given up after alerts.notifyMaxAttempts.
 * Leases and back-off follow a controlled clock; only the webhook timeout is real time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationDispatcher } from '../../alerts/notify/index.js';
import { loadConfig } from '../../config/index.js';
import { createLogger } from '../../lib/logger.js';
import type { RegistryStore } from '../../registry/index.js';
import { useEngines } from '../helpers/engines.js';
import { tempDir } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { alertEvent, startReceiver, type Receiver } from './webhook-receiver.js';

const T0 = Date.parse('2026-03-10T02:14:00Z');

describe('notification delivery with slow, stalled and failing receivers', () => {
  const engines = useEngines();
  let registry: RegistryStore;
  let now = T0;
  const clock = { now: () => now };
  const receivers: Receiver[] = [];
  const dispatchers: NotificationDispatcher[] = [];
  let places: { schoolId: number; schoolName: string; roomId: number; districtId: number | null }[];

  const receiver = async (...a: Parameters<typeof startReceiver>) => {
    const r = await startReceiver(...a);
    receivers.push(r);
    return r;
  };
  const dispatcher = (alerts: Record<string, unknown>, leaseMs = 60_000) => {
    const config = loadConfig({ env: {}, overrides: { alerts: { webhookAllowedTargets: ['127.0.0.1'], ...alerts } } });
    const d = new NotificationDispatcher({ config, registry, log: createLogger('silent'), clock, leaseMs, backoff: { baseMs: 1000, maxMs: 60_000 } });
    dispatchers.push(d);
    return d;
  };
  const hook = (schoolId: number, url: string) => registry.addRecipient({
    schoolId, districtId: null, minSeverity: 'warning', channel: 'webhook', address: url, secret: 'khoá-thử', language: 'vi', digest: false, createdBy: 'admin',
  }, now);
  const queue = (recipientId: number, place: (typeof places)[number], n: number, from: number) => registry.enqueueNotifications(
    Array.from({ length: n }, (_, i) => ({ recipientId, schoolId: place.schoolId, event: JSON.stringify(alertEvent(from + i, place, now)), at: now, dueAt: now })));

  beforeAll(async () => {
    registry = await engines.open('sqlite', tempDir());
    places = [];
    for (const [code, name] of [['THCS-COC-LEU', 'Trường THCS Cốc Lếu'], ['THCS-SA-PA', 'Trường THCS Sa Pa']] as const) {
      const school = await registry.ensureSchool({ code, name, level: 'thcs', districtId: null });
      const site = await registry.ensureSite({ schoolId: school.id, name: 'Điểm chính' });
      const room = await registry.ensureRoom({ siteId: site.id, code: '6A1', name: 'Phòng 6A1', type: 'classroom' });
      places.push({ schoolId: school.id, schoolName: name, roomId: room.id, districtId: null });
    }
  });
  afterAll(async () => {
    for (const d of dispatchers) await d.stop();
    for (const r of receivers) await r.close();
  });

  it('delivers to every other recipient while one receiver never answers, and fails that one at the webhook timeout', async () => {
    const silent = await receiver(() => 'hold');
    const ok = await receiver();
    // The silent receiver's recipient comes first: one message after another would keep the others waiting behind it.
    const stuck = await hook(places[0]!.schoolId, `${silent.url}/edufleet`);
    const others = [await hook(places[0]!.schoolId, `${ok.url}/a`), await hook(places[0]!.schoolId, `${ok.url}/b`), await hook(places[1]!.schoolId, `${ok.url}/c`)];
    for (const r of [stuck, ...others]) await queue(r.id, r.schoolId === places[0]!.schoolId ? places[0]! : places[1]!, 2, 100 + r.id * 10);
    const d = dispatcher({ webhookTimeoutMs: 2000 });
    const pass = d.dispatchDue();
    await waitFor('the other recipients\' messages', () => ok.requests.length === 3);
    // Delivered while the silent receiver still holds its request open.
    expect(silent.held).toHaveLength(1);
    expect(ok.requests.map((r) => r.path).sort()).toEqual(['/a', '/b', '/c']);
    expect(await pass).toBe(3);
    const [attempt] = await registry.notificationAttempts({ recipientIds: [stuck.id] });
    expect(attempt).toMatchObject({ ok: false, status: null, error: 'no answer within 2000 ms', gaveUp: false });
    expect(await registry.pendingNotifications()).toBe(2);
    // Clear the silent recipient's rows for the tests below.
    await registry.removeRecipient(stuck.id, now);
  });

  it('sends each message once with two dispatchers and a holder that stalls past its lease, each with a delivery id to de-duplicate on', async () => {
    now = T0 + 3_600_000;
    // The very first request is held: its sender stalls there, mid-send, past its lease.
    let heldId = '';
    const rec = await receiver((x) => {
      if (heldId) return { status: 204 };
      heldId = x.deliveryId;
      return 'hold';
    });
    const r = await hook(places[0]!.schoolId, `${rec.url}/edufleet`);
    await queue(r.id, places[0]!, 3, 300); // school A: one message
    await queue(r.id, places[1]!, 2, 400); // school B: a second message to the same recipient
    const one = dispatcher({ webhookTimeoutMs: 30_000 });
    const two = dispatcher({ webhookTimeoutMs: 30_000 });

    const first = one.dispatchDue();
    await waitFor('the first process\'s request', () => rec.held.length === 1);
    now += 120_000; // the first process's lease (60 s) runs out while it waits
    expect(await two.dispatchDue()).toBe(2);
    rec.release();
    await first;
    // The first process found its lease taken before its second send and skipped it (the fencing check).
    const ids = rec.requests.map((x) => x.deliveryId);
    expect(new Set(ids).size).toBe(2);
    expect(ids.filter((x) => x === heldId)).toHaveLength(2); // the one sent when the holder stalled mid-send, repeated with its id
    expect(ids.filter((x) => x !== heldId)).toHaveLength(1); // the one not yet sent: sent once
    for (const x of rec.requests) {
      expect(x.deliveryId).toMatch(new RegExp(`^${r.id}-\\d+$`));
      expect((JSON.parse(x.body) as { deliveryId: string }).deliveryId).toBe(x.deliveryId);
    }
    const bodies = rec.requests.map((x) => JSON.parse(x.body) as { alerts: unknown[] });
    expect(bodies.map((b) => b.alerts.length).sort()).toEqual([2, 3, 3]);
    expect(await registry.pendingNotifications()).toBe(0);
    now += 600_000;
    expect(await one.dispatchDue() + await two.dispatchDue()).toBe(0);
  });

  it('gives a message up after alerts.notifyMaxAttempts attempts, with one delivery id throughout, and shows it in the delivery log', async () => {
    now = T0 + 7_200_000;
    const rec = await receiver(() => ({ status: 500 }));
    const r = await hook(places[1]!.schoolId, `${rec.url}/edufleet`);
    await queue(r.id, places[1]!, 2, 500);
    const d = dispatcher({ notifyMaxAttempts: 3 });
    for (let i = 0; i < 3; i++) {
      expect(await d.dispatchDue()).toBe(0);
      now += 60_000; // past the back-off
    }
    expect(rec.requests).toHaveLength(3);
    expect(new Set(rec.requests.map((x) => x.deliveryId)).size).toBe(1);
    const log = await registry.notificationAttempts({ recipientIds: [r.id] });
    expect(log.map((a) => [a.ok, a.gaveUp, a.error])).toEqual([[false, true, 'HTTP 500'], [false, false, 'HTTP 500'], [false, false, 'HTTP 500']]);
    expect(log.every((a) => a.deliveryId === rec.requests[0]!.deliveryId)).toBe(true);
    expect(await registry.pendingNotifications()).toBe(0);
    now += 3_600_000;
    expect(await d.dispatchDue()).toBe(0);
    expect(rec.requests).toHaveLength(3);
  });
});
