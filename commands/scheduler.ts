/**
 * Command schedules (docs/commands.md, "Schedules"): fires each enabled schedule at its local times
 * (Asia/Ho_Chi_Minh), skipping the school's holidays and non-teaching days when asked; each fire is claimed in the
 * registry by its (schedule, fire time) key, so of several processes exactly one starts its run. The run and the
 * fire's `done` commit in one transaction, only while the claim is still this process's: a claim left by a process
 * killed half-way is taken over, once a lease old, by the next to look, which makes the run then.
 * With a lease ("job:scheduler", app/jobs.ts) only its holder fires; a process that takes it over (its holder died)
 * looks again at once at every schedule since its last fire, so a fire due during the failover runs once, late,
 * within `commands.graceMin` (docs/commands.md, "Schedules").
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import schedule from 'node-schedule';
import type { Config } from '../config/index.js';
import type { SchoolLevel } from '../domain/index.js';
import type { Clock } from '../lib/clock.js';
import { guardedInterval, Health, type Component, type ComponentHealth } from '../lib/component.js';
import type { Logger } from '../lib/logger.js';
import { formatDate, formatHourMinute } from '../lib/vn/format.js';
import type { JobLease, RegistryStore, ScheduleRecord, User } from '../registry/index.js';
import type { TermTimetable } from '../timetable/index.js';
import { startRun } from './runs.js';
import { fireTimes, recurrenceOf, schoolDaySkips, type FireTime } from './schedule-times.js';

export interface SchedulerOptions {
  config: Readonly<Config>; registry: RegistryStore; clock: Clock; log: Logger;
  /**
   * Whether `user` may command the devices of this school today (the dashboard's permission table, passed down
   * because this layer may not import it): a schedule fires on the rights of the user who answers for it.
   */
  mayCommand: (user: User, school: { schoolId: number; districtId: number | null }) => boolean;
  /** The leader lease of the timed fires; without it, this scheduler's timers always fire. */
  lease?: JobLease;
}

/** How far back a (re)started process looks for runs it did not make. */
const LOOKBACK_MS = 7 * 86_400_000;

export class Scheduler implements Component {
  readonly name = 'scheduler';
  /** This process's name in the claims: who fired what (the one its lease names, when it has one). */
  readonly owner: string;
  private readonly state: Health;
  private schedules: ScheduleRecord[] = [];
  private timetables = new Map<number, TermTimetable[]>();
  private levels = new Map<number, SchoolLevel>();
  /** Per schedule, up to when this process has handled its fire times (the timer and tick() never redo a window). */
  private checked = new Map<number, number>();
  private jobs: schedule.Job[] = [];
  private stopReload: (() => void) | undefined;
  /** Ticks and reloads run one after another, whoever calls them (a timer, the reload, a test). */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly o: SchedulerOptions) {
    this.owner = o.lease?.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.state = new Health(this.name, o.log);
  }

  health(): ComponentHealth {
    const h = this.state.snapshot();
    return this.o.lease ? this.o.lease.annotate(h) : h;
  }

  async start(): Promise<void> {
    await this.reload();
    this.state.started();
    this.stopReload = guardedInterval(this.state, 'reloading schedules', this.o.config.commands.scheduleReloadMs, () => this.reload());
    // Taken over: every schedule is looked at again from its last fire, not from where this process last looked.
    this.o.lease?.keep(this.state, () => {
      this.checked.clear();
      return this.reload();
    });
  }

  async stop(): Promise<void> {
    this.stopReload?.();
    this.stopReload = undefined;
    this.disarm();
    await this.queue;
    await this.o.lease?.stop();
    this.state.stopped();
  }

  /** Re-reads the schedules and timetables (any process may edit them), re-arms the timers and fires what is due. */
  reload(): Promise<void> {
    return this.serial(async () => {
      const [list, timetables, schools] = await Promise.all([
        this.o.registry.listSchedules({ enabledOnly: true }), this.o.registry.allTimetables(), this.o.registry.schools(),
      ]);
      this.schedules = list;
      this.timetables = timetables;
      this.levels = new Map(schools.map((s) => [s.id, s.level]));
      this.arm();
      if (await this.leading()) await this.due();
    });
  }

  /** Whether the timed fires are this process's: it holds the lease (or has none); checked before each. */
  private async leading(): Promise<boolean> {
    return !this.o.lease || this.o.lease.hold();
  }

  /** Fires every fire time due since the last check (tests call it on a controlled clock). */
  tick(): Promise<void> {
    return this.serial(() => this.due());
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** node-schedule wakes the process at each local fire time; what to do is decided by `due()` from the registry. */
  private arm(): void {
    this.disarm();
    const wake = this.state.guard('firing schedules', () => this.serial(async () => {
      if (await this.leading()) await this.due();
    }));
    for (const s of this.schedules) {
      this.jobs.push(schedule.scheduleJob(recurrenceOf(s.days, s.at), wake));
      if (s.until) {
        const nextDay = s.until.at <= s.at;
        this.jobs.push(schedule.scheduleJob(recurrenceOf(nextDay ? s.days.map((d) => (d % 7) + 1) : s.days, s.until.at), wake));
      }
    }
  }

  private disarm(): void {
    for (const j of this.jobs) j.cancel();
    this.jobs = [];
  }

  /**
   * Every schedule's fire times since it was last checked: for a schedule this process has not checked yet (it just
   * started, or the schedule is new), since its last fire, its last edit or a week ago, whichever is latest. Of
   * the ones due, the last within the grace window fires; any earlier one is recorded as missed.
   */
  private async due(): Promise<void> {
    const now = this.o.clock.now();
    const graceMs = this.o.config.commands.graceMin * 60_000;
    for (const s of this.schedules) {
      const from = Math.max(this.checked.get(s.id) ?? -Infinity, s.lastFireAt ?? -Infinity, s.updatedAt, now - LOOKBACK_MS);
      const times = fireTimes(s, from, now);
      const skip = this.skipCheck(s);
      const reasons = times.map((t) => skip(t.date));
      let toFire = -1;
      times.forEach((t, i) => { if (reasons[i] === null && now - t.at <= graceMs) toFire = i; });
      let checked = now;
      for (const [i, t] of times.entries()) {
        const reason = reasons[i];
        if (reason) await this.record(s, t, 'skipped', reason, now);
        // A fire another process claimed and has not ended yet is looked at again until it ends or its claim runs out.
        else if (i === toFire) { if ((await this.authorisedFire(s, t, now)) === 'open') checked = Math.min(checked, t.at - 1); }
        else await this.record(s, t, 'missed', `EduFleet không chạy lúc ${formatHourMinute('vi', t.at)} ${formatDate('vi', t.at)}, quá ${this.o.config.commands.graceMin} phút cho phép`, now);
      }
      // Only once handled: a registry error leaves the window to the next tick or reload (the claims stop doubles).
      this.checked.set(s.id, checked);
    }
  }

  private skipCheck(s: ScheduleRecord): (date: string) => string | null {
    const level = this.levels.get(s.schoolId);
    if (!s.skipHolidays || !level) return () => null;
    return schoolDaySkips(this.timetables.get(s.schoolId) ?? [], level);
  }

  /** A fire not made (skipped or missed), recorded by whichever process claims it first. */
  private async record(s: ScheduleRecord, t: FireTime, state: 'skipped' | 'missed', note: string, now: number): Promise<void> {
    const won = (await this.take(s, t, now, { state, note })) === 'mine';
    if (won) await this.audit(s, t, { outcome: state, note });
  }

  /**
   * Fires, or records the fire skipped when the schedule may no longer act (`refusal`). The schedule is read again
   * first: the list is up to `scheduleReloadMs` old, and who answers for it may have changed since (a take-over).
   * One deleted or switched off since then fires nothing.
   */
  private async authorisedFire(cached: ScheduleRecord, t: FireTime, now: number): Promise<'open' | void> {
    const s = await this.o.registry.schedule(cached.id);
    if (!s?.enabled) return;
    const refused = await this.refusal(s);
    if (refused) await this.record(s, t, 'skipped', refused, now);
    else return this.fire(s, t);
  }

  /**
   * Why the schedule may not act now, or null: it is authorised again at each fire, on today's rights and places
   * rather than those of the day it was saved. The user who answers for it (its creator, or whoever saved it last)
   * must still be allowed to command its school, and its room or site must still be in that school. A fire refused
   * is recorded skipped, with this reason, and sends nothing.
   */
  private async refusal(s: ScheduleRecord): Promise<string | null> {
    const reg = this.o.registry;
    const school = await reg.places.ref('school', s.schoolId);
    if (!school) return 'trường của lịch không còn trong danh sách; không gửi lệnh nào';
    const owner = await reg.userByName(s.createdBy);
    if (!owner || owner.disabled || !this.o.mayCommand(owner, { schoolId: s.schoolId, districtId: school.districtId })) {
      return `người tạo lịch (${s.createdBy}) có thể không còn quyền ra lệnh cho trường này; lịch không chạy cho đến khi một người có quyền lưu lại lịch`;
    }
    if (s.target.type !== 'room' && s.target.type !== 'site') return null;
    const id = Number(s.target.id);
    const place = await reg.places.ref(s.target.type, id);
    if (place?.schoolId === s.schoolId) return null;
    return `${place ? await this.placeName(s.target.type, id) : `${s.target.type === 'room' ? 'phòng' : 'điểm trường'} ${id}`} đã chuyển sang trường khác; không gửi lệnh nào`;
  }

  /** "phòng Phòng 10A1", "điểm trường Điểm chính": a moved place as its fire's note names it. */
  private async placeName(type: 'room' | 'site', id: number): Promise<string> {
    if (type === 'room') return `phòng ${(await this.o.registry.roomPlaces([id])).get(id)?.roomName ?? id}`;
    return `điểm trường ${(await this.o.registry.places.tree(undefined, true)).sites.find((x) => x.id === id)?.name ?? id}`;
  }

  /**
   * Claims the fire, then starts its run and records the fire done in the run's transaction, only while the claim is
   * still this process's: a process killed between its claim and that commit leaves a claim with no run, which the
   * next holder of the scheduler takes over once it is a lease old (`take`), and the run exists exactly once.
   * 'open' when another process's claim of it has not ended yet: `due()` looks at it again at its next turn.
   */
  private async fire(s: ScheduleRecord, t: FireTime): Promise<'open' | void> {
    const reg = this.o.registry;
    const now = this.o.clock.now();
    const taken = await this.take(s, t, now);
    if (taken !== 'mine') return taken === 'open' ? 'open' : undefined;
    const args = (t.part === 'until' ? s.until?.args : s.args) ?? {};
    try {
      await startRun(reg, {
        target: s.target, name: t.command, args: args as Record<string, unknown>,
        // Only the devices in the schedule's school now, whatever moved between the check above and this run.
        scope: { schoolIds: [s.schoolId], districtIds: [] },
        origin: { by: 'schedule', scheduleId: s.id }, at: now, ratePerMin: s.ratePerMin, abortFailedPct: s.abortFailedPct, scheduleId: s.id,
        ...(s.ttlMs ? { ttlMs: s.ttlMs } : {}),
      }, async (tx, runId, devices) => {
        if (!(await tx.markFire({ scheduleId: s.id, fireAt: t.at, owner: this.owner, state: 'done', runId, at: this.o.clock.now() }))) throw new FireTakenOver();
        await this.audit(s, t, { outcome: 'done', runId, devices: devices.length }, tx);
      });
    } catch (err) {
      if (err instanceof FireTakenOver) {
        this.o.log.warn({ scheduleId: s.id, fireAt: t.at, part: t.part }, 'schedule run not started: another process took its fire over');
        return;
      }
      // A run that reaches no device (they were all retired) or a registry error: the fire is missed, and says why.
      const note = err instanceof Error ? err.message : String(err);
      this.o.log.warn({ scheduleId: s.id, fireAt: t.at, part: t.part, error: note }, 'schedule run not started');
      await reg.markFire({ scheduleId: s.id, fireAt: t.at, owner: this.owner, state: 'missed', note, at: this.o.clock.now() });
      await this.audit(s, t, { outcome: 'missed', note });
    }
  }

  /**
   * Claims a fire, or takes over one a dead process claimed at least a lease ago and never ended. 'open': another
   * process's claim has not ended yet (it may be making the run, or have died: look again later); 'ended': another
   * process made or recorded it.
   */
  private async take(s: ScheduleRecord, t: FireTime, now: number, ended?: { state: 'missed' | 'skipped'; note: string }): Promise<'mine' | 'open' | 'ended'> {
    const reg = this.o.registry;
    const f = { scheduleId: s.id, fireAt: t.at, owner: this.owner, at: now, ...ended };
    // Read before writing: on SQLite a second writer in the same process would wait, blocking, for the first.
    const row = (await reg.scheduleFires(s.id, 50)).find((x) => x.fireAt === t.at);
    if (!row) return (await reg.claimFire({ ...f, part: t.part })) ? 'mine' : this.take(s, t, now, ended);
    if (row.state !== 'claimed') return 'ended';
    const staleBefore = now - this.o.config.jobs.leaseMs;
    if (row.claimedAt >= staleBefore) return 'open';
    return (await reg.reclaimFire({ ...f, staleBefore })) ? 'mine' : 'open';
  }

  private audit(s: ScheduleRecord, t: FireTime, detail: Record<string, unknown>, reg: RegistryStore = this.o.registry): Promise<void> {
    return reg.audit(`schedule:${s.id}`, 'schedule.fire', 'schedule', s.id, { fireAt: t.at, part: t.part, command: t.command, ...detail });
  }
}

/** Thrown inside a run's transaction when this process's claim of the fire was taken over meanwhile: the run rolls back. */
class FireTakenOver extends Error {}
