/**
 * The outbox claim on both engines: two processes (two stores on one database) claiming at once never take the
 * same row; a lease that ran out (its process died) is taken again; a digest is claimed once per school and day.
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
});
