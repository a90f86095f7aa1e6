/**
 * The outbox claim on both engines: two processes (two stores on one database) claiming at once never take the
 * same row; a lease that ran out (its process died) is taken again; a digest is claimed once per school and day; the
 * fencing check before a send fails for a claim that lost its rows and renews the holder's lease; a recipient with a
 * live lease is not claimed again; a given-up row is never claimed again; a webhook's secret is replaced.
 */
import { describe, expect, it } from 'vitest';
import { ENGINES, useEngines } from '../helpers/engines.js';
import { tempDir } from '../helpers/stack.js';

describe.each(ENGINES)('notification outbox leases (%s)', (engine) => {
  const engines = useEngines();

  it('never hands one row to two processes, and takes back an expired lease', async () => {
    const dir = tempDir();
    const url = await engines.url(engine);
    const one = await engines.store(url, dir);
    const two = await engines.store(url, dir);
    const school = await one.ensureSchool({ code: 'THCS-COC-LEU', name: 'Trường THCS Cốc Lếu', level: 'thcs', districtId: null });
    const recipients = [];
    for (let i = 0; i < 6; i++) {
      recipients.push(await one.addRecipient({ schoolId: school.id, districtId: null, minSeverity: 'warning', channel: 'email', address: `ktv${i}@cocleu.edu.vn`, language: 'vi', digest: false, createdBy: 'admin', secret: null }, 1000));
    }
    await one.enqueueNotifications(recipients.flatMap((r) => [1, 2, 3].map((k) => ({ recipientId: r.id, schoolId: school.id, event: `{"k":${k}}`, at: 1000, dueAt: 1000 }))));
    const [a, b] = await Promise.all([one.claimOutbox({ owner: 'p1', now: 2000, leaseMs: 60_000 }), two.claimOutbox({ owner: 'p2', now: 2000, leaseMs: 60_000 })]);
    const ids = [...a, ...b].flatMap((c) => c.rows.map((r) => r.id));
    expect(ids).toHaveLength(18);
    expect(new Set(ids).size).toBe(18);
    // One claim per recipient: its three rows go out as one message.
    for (const c of [...a, ...b]) expect(c.rows.every((r) => r.recipientId === c.recipientId)).toBe(true);

    expect(await two.claimOutbox({ owner: 'p2', now: 30_000, leaseMs: 60_000 })).toEqual([]);
    const first = a[0] ?? b[0]!;
    await one.outboxSent(first.rows.map((r) => r.id), first.token, 3000);
    // p1 and p2 died: after their leases run out the rest is taken again, the sent rows are not.
    const again = await two.claimOutbox({ owner: 'p3', now: 62_001, leaseMs: 60_000 });
    expect(again.flatMap((c) => c.rows)).toHaveLength(15);
    expect(await one.pendingNotifications()).toBe(15);
    // A stale token cannot mark rows another claim now holds.
    const stale = (a.concat(b)).find((c) => c.recipientId === again[0]!.recipientId)!;
    await one.outboxSent(stale.rows.map((r) => r.id), stale.token, 63_000);
    expect(await one.pendingNotifications()).toBe(15);

    const claims = await Promise.all([one.claimDigest(school.id, '2026-03-12', 'p1', 1), two.claimDigest(school.id, '2026-03-12', 'p2', 1)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await one.claimDigest(school.id, '2026-03-13', 'p1', 1)).toBe(true);
  });

  it('fences each send by the claim\'s token, keeps one claim per recipient, and never claims a given-up row again', async () => {
    const dir = tempDir();
    const url = await engines.url(engine);
    const one = await engines.store(url, dir);
    const two = await engines.store(url, dir);
    const school = await one.ensureSchool({ code: 'THCS-SA-PA', name: 'Trường THCS Sa Pa', level: 'thcs', districtId: null });
    const hook = await one.addRecipient({ schoolId: school.id, districtId: null, minSeverity: 'warning', channel: 'webhook', address: 'https://hooks.sapa.edu.vn/', language: 'vi', digest: false, createdBy: 'admin', secret: 'cũ' }, 1000);
    await one.enqueueNotifications([1, 2].map((k) => ({ recipientId: hook.id, schoolId: school.id, event: `{"k":${k}}`, at: 1000, dueAt: 1000 })));
    const [stale] = await one.claimOutbox({ owner: 'p1', now: 2000, leaseMs: 60_000 });
    const ids = stale!.rows.map((r) => r.id);
    expect(await one.outboxFence(ids, stale!.token, { now: 3000, leaseMs: 60_000, deliveryId: `${hook.id}-${ids[0]}` })).toBe(true);
    // A new row for a recipient whose lease is live is not claimed by another process: one message in flight to it.
    await one.enqueueNotifications([{ recipientId: hook.id, schoolId: school.id, event: '{"k":3}', at: 3500, dueAt: 3500 }]);
    expect(await two.claimOutbox({ owner: 'p2', now: 4000, leaseMs: 60_000 })).toEqual([]);
    // p1 stalls past its renewed lease (63 s); p2 takes the rows, which keep their delivery id.
    const [fresh] = await two.claimOutbox({ owner: 'p2', now: 64_000, leaseMs: 60_000 });
    expect(fresh!.rows.map((r) => r.deliveryId)).toEqual([`${hook.id}-${ids[0]}`, `${hook.id}-${ids[0]}`, null]);
    expect(await one.outboxFence(ids, stale!.token, { now: 65_000, leaseMs: 60_000, deliveryId: `${hook.id}-${ids[0]}` })).toBe(false);
    expect(await two.outboxFence(ids, fresh!.token, { now: 65_000, leaseMs: 60_000, deliveryId: `${hook.id}-${ids[0]}` })).toBe(true);

    await two.outboxGiveUp(ids, fresh!.token, 66_000, 'gave up after 12 attempts: HTTP 500');
    await two.outboxRetry([fresh!.rows[2]!.id], fresh!.token, 70_000, 'HTTP 500');
    expect(await one.pendingNotifications()).toBe(1);
    const [later] = await one.claimOutbox({ owner: 'p1', now: 10_000_000, leaseMs: 60_000 });
    expect(later!.rows.map((r) => r.id)).toEqual([fresh!.rows[2]!.id]);

    expect(await one.setRecipientSecret(hook.id, 'mới')).toBe(true);
    expect((await two.recipient(hook.id))!.secret).toBe('mới');
  });
});
