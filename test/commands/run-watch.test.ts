/**
 * The bulk runs' watcher on a registry with crafted commands, on SQLite and on PostgreSQL: the abort rule stops a
 * rollout (its unreleased commands cancelled), a run with nothing left to wait for ends, and of two watchers on one
 * registry exactly one audits each end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abortReason, RunWatcher, startRun } from '../../commands/index.js';
import { loadConfig } from '../../config/index.js';
import { createLogger } from '../../lib/logger.js';
import type { RegistryStore, RunProgress } from '../../registry/index.js';
import { ENGINES, useEngines } from '../helpers/engines.js';
import { seedSchool, tempDir } from '../helpers/stack.js';

const engines = useEngines();
const T0 = Date.UTC(2026, 2, 2, 10, 30); // 17:30 in Hà Nội

describe('the abort rule', () => {
  const p = (x: Partial<RunProgress>): RunProgress => ({ queued: 0, sent: 0, delivered: 0, succeeded: 0, failed: 0, expired: 0, cancelled: 0, total: 10, ...x });
  it('waits for min(total, 5) finished commands, then stops above the threshold only', () => {
    expect(abortReason(p({ failed: 4 }), 20)).toBeNull();
    expect(abortReason(p({ failed: 4, succeeded: 1 }), 20)).toBe('4 of 5 finished failed (80 % > 20 %)');
    expect(abortReason(p({ failed: 1, succeeded: 4 }), 20)).toBeNull(); // exactly 20 % is not more than 20 %
    expect(abortReason(p({ failed: 1, expired: 2, succeeded: 7 }), 20)).toBe('3 of 10 finished failed (30 % > 20 %)');
    expect(abortReason(p({ failed: 2, total: 2 }), 20)).toBe('2 of 2 finished failed (100 % > 20 %)');
    expect(abortReason(p({ failed: 9, succeeded: 1 }), null)).toBeNull();
  });
});

describe.each(ENGINES)('RunWatcher on %s', (engine) => {
  let reg: RegistryStore;
  let now = T0;
  const clock = { now: () => now };
  const watchers: RunWatcher[] = [];
  let roomId: number;
  const devices: string[] = [];

  beforeAll(async () => {
    const dir = tempDir();
    const url = await engines.url(engine);
    reg = await engines.store(url, dir);
    const config = loadConfig({ env: {}, overrides: { dataDir: dir } });
    // Two processes' watchers on one registry: on PostgreSQL two pools. better-sqlite3 is synchronous, so two SQLite
    // connections in one thread cannot wait for each other's lock: there both watchers share the store, their
    // passes interleave, and each still decides by its own conditional update.
    const other = engine === 'postgres' ? await engines.store(url, dir) : reg;
    for (const r of [reg, other]) watchers.push(new RunWatcher({ config, registry: r, clock, log: createLogger('silent') }));
    roomId = (await seedSchool(reg)).room.id;
    for (let i = 0; i < 10; i++) devices.push((await reg.addDevice({ kind: 'tablet', roomId, id: `tablet-w${String(i).padStart(2, '0')}` })).device.id);
  });
  afterAll(async () => { await reg?.close(); });

  const both = () => Promise.all(watchers.map((w) => w.pass()));
  const audits = async (runId: number, action: string) => (await reg.auditLog({ entity: 'run', entityId: String(runId), limit: 100 })).entries.filter((e) => e.action === action);
  const commands = (runId: number) => reg.commandsOfRun(runId);
  /** Sends and answers a run's command as a device would. */
  const answer = async (id: string, ok: boolean) => {
    now += 100;
    expect(await reg.markCommandSent(id, now)).toBe(true);
    expect(await reg.finishCommand(id, ok, ok ? 'locked' : 'device busy, try again later', now)).toBe(true);
  };

  it('a rollout releases its commands at the rate, and the abort rule stops it after the first few failures', async () => {
    now = T0;
    const { runId } = await startRun(reg, { target: { type: 'room', id: String(roomId) }, name: 'lock', origin: { by: 'user', username: 'tech' }, at: now, ratePerMin: 60, abortFailedPct: 20, ttlMs: 60_000 });
    const rows = await commands(runId);
    expect(rows).toHaveLength(10);
    // 60 per minute: one a second; the first at once.
    expect(rows.map((c) => (c.notBefore ?? T0) - T0)).toEqual(Array.from({ length: 10 }, (_, i) => i * 1000));
    expect(rows.map((c) => c.expiresAt - (c.notBefore ?? T0))).toEqual(Array(10).fill(60_000));

    // Released one a second: the first four answer (three refuse), too few to judge.
    for (const [i, ok] of [false, true, false, false].entries()) {
      now = T0 + i * 1000;
      await answer(rows[i]!.id, ok);
    }
    await both();
    expect((await reg.commandRun(runId))!.state).toBe('running');
    // A command not yet released is not sent.
    expect(await reg.markCommandSent(rows[6]!.id, now)).toBe(false);

    now = T0 + 4000;
    await answer(rows[4]!.id, false);
    await both();
    const run = (await reg.commandRun(runId))!;
    expect(run).toMatchObject({ state: 'aborted', endedBy: 'abort', endReason: '4 of 5 finished failed (80 % > 20 %)' });
    const after = await commands(runId);
    expect(after.filter((c) => c.state === 'cancelled').map((c) => c.deviceId)).toEqual(devices.slice(5));
    expect(after.filter((c) => c.state === 'cancelled').every((c) => c.sentAt === null)).toBe(true);
    // Cancelled rows are never sent, whenever their release time comes.
    now = T0 + 60_000;
    expect(await reg.markCommandSent(rows[9]!.id, now)).toBe(false);
    await both();
    const aborts = await audits(runId, 'command.run.abort');
    expect(aborts).toHaveLength(1);
    expect(aborts[0]).toMatchObject({ byUser: 'abort', detail: { reason: '4 of 5 finished failed (80 % > 20 %)', failed: 4, succeeded: 1, total: 10 } });
    expect(await audits(runId, 'command.run.done')).toHaveLength(0);
  });

  it('a run ends when nothing is queued, sent or delivered; one of two watchers audits it, with the outcome', async () => {
    now = T0 + 3_600_000;
    const at = now;
    const { runId } = await startRun(reg, { target: { type: 'room', id: String(roomId) }, name: 'lock', origin: { by: 'user', username: 'tech' }, at, ratePerMin: null, abortFailedPct: 20, ttlMs: 60_000 });
    const rows = await commands(runId);
    expect(rows.every((c) => c.notBefore === null)).toBe(true);
    for (const [i, c] of rows.entries()) {
      if (i < 8) await answer(c.id, i !== 0); // one refusal in eight: 12.5 %, under the rule
      else if (i === 8) { expect(await reg.markCommandSent(c.id, now)).toBe(true); expect(await reg.markCommandDelivered(c.id, now)).toBe(true); }
    }
    // One delivered and silent, one never reached: the run waits for them.
    await both();
    expect((await reg.commandRun(runId))!.state).toBe('running');
    now = at + 60_000;
    expect((await reg.expireCommands(now)).sort()).toEqual([rows[8]!.id, rows[9]!.id].sort());
    // 3 of 10 finished failed or expired: 30 % > 20 % — the abort rule outranks the end.
    await both();
    expect((await reg.commandRun(runId))!).toMatchObject({ state: 'aborted', endReason: '3 of 10 finished failed (30 % > 20 %)' });
    expect(await audits(runId, 'command.run.abort')).toHaveLength(1);

    const second = await startRun(reg, { target: { type: 'room', id: String(roomId), kind: 'tablet' }, name: 'unlock', origin: { by: 'schedule', scheduleId: 7 }, at: now, ratePerMin: null, abortFailedPct: null });
    const rows2 = await commands(second.runId);
    for (const [i, c] of rows2.entries()) if (i < 9) await answer(c.id, i % 2 === 0);
    await both();
    expect((await reg.commandRun(second.runId))!.state).toBe('running');
    now += 10 * 60_000 + 1;
    await reg.expireCommands(now);
    await Promise.all([both(), both()]);
    expect((await reg.commandRun(second.runId))!).toMatchObject({ state: 'done', endedAt: now, endReason: null });
    const done = await audits(second.runId, 'command.run.done');
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ byUser: 'system', detail: { total: 10, succeeded: 5, failed: 4, expired: 1, cancelled: 0 } });
    expect(await audits(second.runId, 'command.run')).toHaveLength(1);
  });
});
