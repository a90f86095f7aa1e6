/**
 * The alert engine (docs/alerts.md): judges devices from the signals the gateways record in the registry, moves
 * each (rule, device) along its lifecycle (alerts/lifecycle.ts) and writes each device's health. It keeps nothing
 * that matters in memory: alerts, durations and hold-offs live in the registry, so a restarted engine carries on
 * where the last one stopped, and several engines on one registry change each alert once (conditional updates)
 * and notify once (listeners run in the transaction of the change that won). With a lease ("job:alerts"), of the
 * processes that run an engine only the holder passes, and another takes over when it dies: the passes are
 * idempotent anyway, the lease only spares the registry the same work done N times.
 */
import { setImmediate as setImmediateP } from 'node:timers/promises';
import type { Config } from '../config/index.js';
import { emptySignals, type AlertState, type DeviceSignals, type HealthLevel, type HealthReason, type RuleId } from '../domain/index.js';
import type { Clock } from '../lib/clock.js';
import { Health, guardedInterval, type Component, type ComponentHealth } from '../lib/component.js';
import type { Logger } from '../lib/logger.js';
import { isSilenced, type ActiveSilence, type JobLease, type AlertRow, type DeviceDirectory, type DevicePlacement, type HealthRow, type RegistryStore, type RoomPlace } from '../registry/index.js';
import { evaluate, type DeviceContext, type ParamsOf, type Verdict } from './conditions.js';
import type { AlertEvent, AlertListener } from './events.js';
import { deviceHealth, sameHealth } from './health.js';
import { step, type BlockReason, type OpenAlert, type Step } from './lifecycle.js';
import { effectiveParams, type RuleOverride, type RuleParams } from './rules.js';
import { SchoolHours } from './school-hours.js';

const HOURS_REFRESH_MS = 5 * 60_000;
/** Devices judged between two turns of the event loop. */
const YIELD_EVERY = 250;

export interface AlertEngineOptions {
  config: Readonly<Config>;
  registry: RegistryStore;
  directory: DeviceDirectory;
  clock: Clock;
  log: Logger;
  listeners?: AlertListener[];
  /** The school day (default: one on this registry and clock). */
  schoolHours?: SchoolHours;
  /** The leader lease of the timed passes (app/jobs.ts); without it, this engine's timers always pass. */
  lease?: JobLease;
}

type Open = OpenAlert & { rule: RuleId };

/** What one pass knows besides the device: silences and room names, read once per pass. */
interface Pass {
  now: number;
  silences: ActiveSilence[];
  places: Map<number, RoomPlace>;
}

export class AlertEngine implements Component {
  readonly name = 'alerts';
  private readonly state: Health;
  private readonly hours: SchoolHours;
  private readonly listeners: AlertListener[];
  private stops: (() => void)[] = [];
  private overrides: RuleOverride[] = [];
  private hoursAt = -Infinity;
  /** The newest signals write judged so far (registry time of the gateways that wrote it). */
  private cursor = 0;
  /** Passes run one at a time: a sweep and an evaluation overlapping would only do the same work twice. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: AlertEngineOptions) {
    this.state = new Health(this.name, o.log);
    this.hours = o.schoolHours ?? new SchoolHours({ registry: o.registry, clock: o.clock });
    this.listeners = o.listeners ?? [];
  }

  /** Adds a listener (notifications, live updates) after construction; it sees the changes of later passes. */
  listen(l: AlertListener): void {
    this.listeners.push(l);
  }

  async start(): Promise<void> {
    if (this.stops.length) return;
    this.state.started();
    const a = this.o.config.alerts;
    if (!a.enabled) return;
    // The first sweep may meet a registry that is not there yet: that is a degraded engine, not a failed start.
    await this.leading(() => this.sweep()).catch((err: unknown) => this.state.fail(err, 'first alert sweep'));
    this.stops = [
      guardedInterval(this.state, 'alert evaluation', a.evaluateMs, () => this.leading(() => this.evaluate())),
      guardedInterval(this.state, 'alert sweep', a.sweepMs, () => this.leading(() => this.sweep())),
    ];
    // Taking over from a dead holder: a full sweep at once rather than at the next sweep's turn.
    this.o.lease?.keep(this.state, () => this.sweep());
  }

  async stop(): Promise<void> {
    for (const s of this.stops) s();
    this.stops = [];
    await this.queue.catch(() => undefined);
    await this.o.lease?.stop();
    this.state.stopped();
  }

  health(): ComponentHealth {
    const h = this.state.snapshot();
    return this.o.lease ? this.o.lease.annotate(h) : h;
  }

  /** Runs a timed pass if this process holds the engine's lease (or has none); checked before each pass. */
  private async leading(pass: () => Promise<void>): Promise<void> {
    if (!this.o.lease || (await this.o.lease.hold())) await pass();
  }

  /** Judges the devices whose signals changed since the last pass (and their open alerts). */
  evaluate(now = this.o.clock.now()): Promise<void> {
    return this.serial(async () => {
      // Overlap by one period: a gateway whose clock runs a little behind must not slip under the cursor.
      const rows = await this.o.registry.healthRows({ updatedAfter: this.cursor - this.o.config.alerts.evaluateMs });
      if (!rows.length) return;
      const alerts = await this.o.registry.openAlerts(rows.map((r) => r.deviceId));
      await this.judge(now, rows, alerts, rows.map((r) => r.deviceId));
    });
  }

  /** Judges every device (time rules: offline, no data, a stuck value) and every open alert; reloads the rule overrides. */
  sweep(now = this.o.clock.now()): Promise<void> {
    return this.serial(async () => {
      const r = this.o.registry;
      this.overrides = (await r.alertRuleOverrides()).map((o) => ({ rule: o.rule, kind: o.kind as RuleOverride['kind'], schoolId: o.schoolId, roomType: o.roomType as RuleOverride['roomType'], params: o.params as Partial<RuleParams> }));
      if (now - this.hoursAt >= HOURS_REFRESH_MS || now < this.hoursAt) {
        await this.hours.refresh();
        this.hoursAt = now;
      }
      const [rows, alerts] = await Promise.all([r.healthRows(), r.openAlerts()]);
      const ids = new Set([...[...this.o.directory.all()].map((p) => p.id), ...alerts.map((a) => a.deviceId)]);
      await this.judge(now, rows, alerts, [...ids]);
    });
  }

  /** One full pass, as a test or a CLI drives it. */
  runOnce(now = this.o.clock.now()): Promise<void> {
    return this.sweep(now);
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const run = this.queue.catch(() => undefined).then(fn);
    this.queue = run;
    return run;
  }

  private async judge(now: number, rows: HealthRow[], alerts: AlertRow[], deviceIds: string[]): Promise<void> {
    const byId = new Map(rows.map((r) => [r.deviceId, r]));
    const open = new Map<string, Open[]>();
    for (const a of alerts) {
      if (a.state === 'resolved') continue;
      const list = open.get(a.deviceId) ?? [];
      list.push({ ...a, state: a.state });
      open.set(a.deviceId, list);
    }
    const pass: Pass = { now, silences: await this.o.registry.activeSilences(now), places: new Map() };
    const verdicts: { deviceId: string; level: HealthLevel; reasons: HealthReason[] }[] = [];
    let failure: unknown;
    for (let i = 0; i < deviceIds.length; i++) {
      // A device without a change is judged without awaiting anything real, so a pass over 20,000 devices would hold
      // the event loop (MQTT acknowledgements, live pushes) for a second: let it breathe between slices.
      if (i > 0 && i % YIELD_EVERY === 0) await setImmediateP();
      const id = deviceIds[i]!;
      const p = this.o.directory.get(id);
      if (!p) continue; // not in the directory yet: judged once its next poll has it
      const row = byId.get(id);
      try {
        const health = await this.judgeDevice(p, row?.signals ?? emptySignals(), open.get(id) ?? [], pass);
        if (!sameHealth(health, row ?? { level: 'ok', reasons: [] })) verdicts.push({ deviceId: id, ...health });
      } catch (err) {
        // One device's failed change (a listener that threw) must not stop the others; the pass reports it after.
        failure ??= err;
      }
      if (row) this.cursor = Math.max(this.cursor, row.updatedAt);
    }
    if (verdicts.length) await this.o.registry.recordVerdicts(verdicts, now);
    if (failure !== undefined) throw failure;
  }

  private async judgeDevice(p: DevicePlacement, s: DeviceSignals, alerts: Open[], pass: Pass): Promise<{ level: HealthLevel; reasons: HealthReason[] }> {
    const { now } = pass;
    const ctx: DeviceContext = {
      id: p.id, kind: p.kind, recordState: p.recordState, roomId: p.roomId, roomType: p.roomType, siteId: p.siteId, schoolId: p.schoolId,
      districtId: p.districtId, schoolHours: this.hours.isTimetabled(p.schoolId, now),
      offlineSchoolMinutes: s.presence === 'offline' && s.presenceSince !== null ? this.hours.timetabledMinutes(p.schoolId, s.presenceSince, now) : 0,
    };
    const memo = new Map<RuleId, RuleParams>();
    const paramsOf: ParamsOf = (rule) => {
      let v = memo.get(rule);
      if (!v) memo.set(rule, (v = effectiveParams(rule, { kind: p.kind, schoolId: p.schoolId, roomType: p.roomType }, this.overrides)));
      return v;
    };
    const blocked: BlockReason | undefined = p.recordState === 'in_repair' ? 'in repair' : p.recordState === 'retired' ? 'retired' : undefined;
    const list = blocked ? [] : evaluate(ctx, s, paramsOf, now);
    const byRule = new Map<RuleId, Verdict>(list.map((v) => [v.rule, v]));
    const after: Open[] = [];
    const openRules = new Set(alerts.map((a) => a.rule));
    for (const a of alerts) {
      const next = await this.apply(p, a.rule, a, step(a, byRule.get(a.rule), paramsOf(a.rule), now, blocked), pass);
      if (next) after.push(next);
    }
    for (const v of list) {
      if (openRules.has(v.rule)) continue;
      const next = await this.apply(p, v.rule, undefined, step(undefined, v, paramsOf(v.rule), now, blocked), pass);
      if (next) after.push(next);
    }
    return blocked ? { level: 'ok', reasons: [] } : deviceHealth(list, after, paramsOf);
  }

  /**
   * Applies one step in a transaction whose first statement is the conditional write (so SQLite takes its write
   * lock at once); listeners run only when this process's write changed the row. Returns the alert as it now
   * stands, whoever changed it.
   */
  private async apply(p: DevicePlacement, rule: RuleId, a: Open | undefined, s: Step | undefined, pass: Pass): Promise<Open | undefined> {
    const { now } = pass;
    if (!s) return a;
    const muted = this.silenced(p, pass.silences);
    const r = this.o.registry;
    if (s.type === 'open') {
      const notified = s.state === 'firing' && !muted;
      await r.transaction(async (tx) => {
        const id = await tx.openAlert({ rule, deviceId: p.id, schoolId: p.schoolId, roomId: p.roomId, severity: s.severity, state: s.state, value: s.value, field: s.field, notified }, now);
        if (id !== undefined && notified) await this.notify(tx, p, pass, { id, rule, severity: s.severity, state: 'firing', value: s.value, field: s.field, startedAt: now }, 'fired');
      });
      return { id: 0, rule, state: s.state, startedAt: now, clearSince: null, lastNotifiedAt: null, value: s.value, field: s.field, severity: s.severity };
    }
    if (!a) return undefined;
    if (s.type === 'drop') {
      await r.transaction((tx) => tx.dropPendingAlert(a.id, now));
      return undefined;
    }
    const change = async (set: Parameters<RegistryStore['transitionAlert']>[0], event?: AlertEvent['type'], value = a.value): Promise<void> => {
      await r.transaction(async (tx) => {
        if (await tx.transitionAlert(set, now) && event) {
          await this.notify(tx, p, pass, { ...a, value, state: set.set.state ?? a.state }, event, set.set.resolveReason ?? null);
        }
      });
    };
    switch (s.type) {
      case 'fire':
        await change({ id: a.id, from: 'pending', set: { state: 'firing', firedAt: now, value: s.value, notified: !muted }, history: { state: 'firing', comment: null } },
          muted ? undefined : 'fired', s.value);
        return { ...a, state: 'firing', value: s.value };
      case 'clearing':
        await change({ id: a.id, from: a.state, set: { clearSince: now } });
        return { ...a, clearSince: now };
      case 'unclear':
        await change({ id: a.id, from: a.state, set: { clearSince: null } });
        return { ...a, clearSince: null };
      case 'resolve':
        await change({ id: a.id, from: a.state, set: { state: 'resolved', resolvedAt: now, resolveReason: s.reason, value: s.value }, history: { state: 'resolved', comment: s.reason } },
          'resolved', s.value);
        return undefined;
      case 'notify':
        if (!muted) {
          await change({ id: a.id, from: 'firing', lastNotifiedAt: a.lastNotifiedAt, set: { notified: true }, ...(s.renotify ? { history: { state: 'renotified', comment: null } } : {}) },
            s.renotify ? 'renotify' : 'fired');
        }
        return a;
    }
  }

  private silenced(p: DevicePlacement, silences: readonly ActiveSilence[]): boolean {
    return isSilenced(silences, { deviceId: p.id, roomId: p.roomId, schoolId: p.schoolId });
  }

  private async notify(tx: RegistryStore, p: DevicePlacement, pass: Pass, a: Pick<Open, 'rule' | 'severity' | 'value' | 'field' | 'startedAt'> & { id: number; state: AlertState },
    type: AlertEvent['type'], comment: string | null = null): Promise<void> {
    if (!this.listeners.length) return;
    let place = pass.places.get(p.roomId);
    if (!place) {
      place = (await tx.roomPlaces([p.roomId])).get(p.roomId);
      if (place) pass.places.set(p.roomId, place);
    }
    const event: AlertEvent = {
      type, alertId: a.id, rule: a.rule, severity: a.severity, state: a.state, deviceId: p.id, deviceName: p.name, kind: p.kind,
      roomId: p.roomId, roomName: place?.roomName ?? String(p.roomId), schoolId: p.schoolId, schoolName: place?.schoolName ?? String(p.schoolId),
      districtId: p.districtId, value: a.value, field: a.field, startedAt: a.startedAt, at: pass.now, byUser: null, comment,
    };
    for (const l of this.listeners) await l(tx, event);
  }
}
