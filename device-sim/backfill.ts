/**
 * Backfill: weeks of history in seconds. Every reading the scenario's devices would have sent over a window of past
 * local days is generated with its past time (`ts`) and published over real MQTT, QoS 1, as arrays of up to
 * MAX_READINGS_PER_MESSAGE readings, with a bounded number of messages waiting for their PUBACK. The readings follow
 * the same schedule as a live run (`nextReadingAt`): every `intervalS` while the school is open or the room in use,
 * a heartbeat while closed, and one reading exactly at every change of the room's state.
 */
import { ISO_DATE, localMidnight } from '../timetable/index.js';
import { MAX_READINGS_PER_MESSAGE } from '../protocol/index.js';
import { badReading, newBody, reading, type DeviceBody } from './behaviour.js';
import { DeviceLink } from './device-link.js';
import { noFaults, skewAt, startFault, stuckReading, type ActiveFaults } from './fault-state.js';
import { rollFaults, type FaultName } from './faults.js';
import { deviceAttributes } from './hardware.js';
import type { SimDevice } from './provision.js';
import { seededRng, type Rng } from './random.js';
import type { Scenario } from './scenario.js';
import { roomSchedule } from './simulator.js';
import { HEARTBEAT_MS, nextReadingAt, type RoomSchedule } from './timetable.js';
import { groundTruth, writeTruth, type GroundTruth } from './truth.js';

export interface BackfillOptions {
  brokerUrl: string;
  /** The scenario's provisioned devices (`provision`). */
  devices: SimDevice[];
  scenario: Scenario;
  /** First local day (yyyy-mm-dd), inclusive. */
  from: string;
  /** Local day after the last one (yyyy-mm-dd), exclusive; its midnight must be in the past. */
  to: string;
  /** Seconds between two readings of a device while its school is open or its room in use (default 60). */
  intervalS?: number;
  /** Writes the ground truth of the window here (JSON, see docs/simulator.md). */
  truthFile?: string;
  /** Apply the scenario's fault rates (overheating, battery drain, bad readings, dying battery, stuck sensor, clock skew, silence); default: no faults. */
  faults?: boolean;
  /** Devices connected and publishing at the same time (default 16). */
  concurrency?: number;
  /** Messages waiting for their PUBACK, over all devices (default 64). */
  maxInFlight?: number;
  /** "Now" for the check that the window is in the past (default: the system clock). */
  now?: number;
  signal?: AbortSignal;
  onProgress?: (p: BackfillProgress) => void;
}

export interface BackfillProgress {
  devices: number;
  devicesDone: number;
  /** Readings to send in all (known before the first is sent). */
  readingsTotal: number;
  readingsSent: number;
  readingsAcked: number;
  messagesSent: number;
  /** Readings whose message was refused or lost, devices that could not connect. */
  errors: number;
  badSent: number;
}

export interface BackfillResult extends BackfillProgress {
  ms: number;
  /** Readings acknowledged per device id. */
  perDevice: Record<string, number>;
  truth: GroundTruth;
}

/** The window [from, to) in UTC ms, after checking that it is well formed and in the past. */
function windowOf(o: BackfillOptions): { fromMs: number; toMs: number } {
  if (!ISO_DATE.test(o.from) || !ISO_DATE.test(o.to)) throw new Error(`backfill: --from and --to are local dates yyyy-mm-dd (got '${o.from}', '${o.to}')`);
  if (o.to <= o.from) throw new Error(`backfill: --to (${o.to}, exclusive) must come after --from (${o.from})`);
  const fromMs = localMidnight(o.from);
  const toMs = localMidnight(o.to);
  if (toMs > (o.now ?? Date.now())) throw new Error(`backfill: the window must be in the past, and local midnight of --to (${o.to}, exclusive) has not come yet`);
  return { fromMs, toMs };
}

/** The times at which one device reads in [fromMs, toMs): a phase of its own, then the live schedule. */
function* readingTimes(schedule: RoomSchedule, fromMs: number, toMs: number, intervalMs: number, phase: number): Generator<number> {
  let t = fromMs;
  // Every device reads at the window's start, then on its own phase, so that a fleet's readings are spread out.
  yield t;
  t = schedule.nextChange(t, Math.min(toMs, t + Math.max(1, Math.round(phase * intervalMs))));
  while (t < toMs) {
    yield t;
    // While the school is closed only the heartbeat: history is for the analytics, which need no more.
    t = Math.min(toMs, nextReadingAt(schedule, t, schedule.moment(t), intervalMs, 1, HEARTBEAT_MS));
  }
}

/** How many readings a device of a room sends over the window (for the progress line). */
function countReadings(schedule: RoomSchedule, fromMs: number, toMs: number, intervalMs: number): number {
  let n = 0;
  for (const _ of readingTimes(schedule, fromMs, toMs, intervalMs, 0.5)) n++;
  return n;
}

interface DeviceRun { d: SimDevice; schedule: RoomSchedule; rng: Rng; body: DeviceBody; faults: ActiveFaults }

/** The faults a backfill plays out with `faults`: those that show in the readings themselves. */
const HISTORY_FAULTS: ReadonlySet<FaultName> = new Set(['dying-battery', 'stuck-sensor', 'clock-skew', 'silent']);

/** A device's readings of the window as ready-to-send messages: arrays of up to MAX_READINGS_PER_MESSAGE, and bad readings alone. */
function* deviceMessages(run: DeviceRun, o: { fromMs: number; toMs: number; intervalMs: number; faults: Scenario['faults'] | null }): Generator<{ payload: string; readings: number; bad: boolean }> {
  const { d, schedule, rng, body } = run;
  let chunk: string[] = [];
  let last = o.fromMs;
  for (const t of readingTimes(schedule, o.fromMs, o.toMs, o.intervalMs, rng())) {
    const m = schedule.moment(t);
    const dtS = Math.max(1, (t - last) / 1000);
    last = t;
    if (o.faults) {
      const f = rollFaults(o.faults, d.kind, dtS / 3600, rng);
      if (f.overheatForMs !== undefined) body.hotUntil = t + f.overheatForMs;
      if (f.drainFactor !== undefined) body.drainFactor = f.drainFactor;
      if (f.badReading !== undefined) yield { payload: JSON.stringify(badReading(d.kind, f.badReading)), readings: 1, bad: true };
      // What leaves a trace in the readings; a backfill has no live link to flap and sends no events.
      for (const x of f.started ?? []) if (HISTORY_FAULTS.has(x.fault)) startFault(run.faults, body, x.fault as Exclude<FaultName, 'offline'>, t + x.forMs, t, rng);
      if (run.faults.silentUntil > t) continue;
    }
    const fields = stuckReading(run.faults, reading(d.kind, body, { inUse: m.inUse, open: m.open || m.inUse, capacity: d.room.capacity, dtS, now: t }, rng), t);
    chunk.push(JSON.stringify({ ts: t + skewAt(run.faults, t), ...fields }));
    if (chunk.length === MAX_READINGS_PER_MESSAGE) {
      yield { payload: `[${chunk.join(',')}]`, readings: chunk.length, bad: false };
      chunk = [];
    }
  }
  if (chunk.length) yield { payload: `[${chunk.join(',')}]`, readings: chunk.length, bad: false };
}

/**
 * Backfills the window [from, to) for the given devices; resolves when every message has been acknowledged (each
 * PUBACK means the broker's gateway stored it durably) and the ground truth is written.
 */
export async function backfill(o: BackfillOptions): Promise<BackfillResult> {
  const t0 = Date.now();
  const { fromMs, toMs } = windowOf(o);
  const intervalMs = Math.round((o.intervalS ?? 60) * 1000);
  if (!(intervalMs >= 50)) throw new Error(`backfill: the interval must be at least 0.05 s (got ${o.intervalS})`);
  const truth = groundTruth(o.scenario, o.from, o.to);
  if (o.truthFile) writeTruth(o.truthFile, truth);

  const schedules = new Map<string, RoomSchedule>();
  const perRoom = new Map<string, number>();
  const runs: DeviceRun[] = o.devices.map((d, i) => {
    let schedule = schedules.get(d.roomKey);
    if (!schedule) {
      schedules.set(d.roomKey, (schedule = roomSchedule(d, o.scenario.seed)));
      perRoom.set(d.roomKey, countReadings(schedule, fromMs, toMs, intervalMs));
    }
    const rng = seededRng(o.scenario.seed * 7_919 + i + 1);
    return { d, schedule, rng, body: newBody(rng), faults: noFaults() };
  });
  const p: BackfillProgress = {
    devices: runs.length, devicesDone: 0, readingsTotal: o.devices.reduce((a, d) => a + perRoom.get(d.roomKey)!, 0),
    readingsSent: 0, readingsAcked: 0, messagesSent: 0, errors: 0, badSent: 0,
  };
  const concurrency = Math.max(1, Math.min(o.concurrency ?? 16, runs.length));
  const window = Math.max(1, Math.floor((o.maxInFlight ?? 64) / concurrency));
  const faults = o.faults ? o.scenario.faults : null;
  const perDevice: Record<string, number> = {};
  o.onProgress?.(p); // the same object is updated as the backfill goes: a progress line can keep reading it

  const one = async (run: DeviceRun) => {
    const link = new DeviceLink({
      brokerUrl: o.brokerUrl, id: run.d.id, secret: run.d.secret, qos: 1, attributes: deviceAttributes(run.d.id, run.d.kind),
      reconnectPeriodMs: 1000, presence: () => 'online', on: { link: () => undefined, error: () => undefined },
    });
    await link.connect();
    try {
      if (!link.connected) {
        p.errors += 1;
        return;
      }
      const pending = new Set<Promise<void>>();
      for (const msg of deviceMessages(run, { fromMs, toMs, intervalMs, faults })) {
        if (o.signal?.aborted) break;
        while (pending.size >= window) await Promise.race(pending);
        p.messagesSent += 1;
        if (msg.bad) p.badSent += 1;
        else p.readingsSent += msg.readings;
        const sent: Promise<void> = new Promise<boolean>((resolve) => link.telemetry(msg.payload, resolve)).then((ok) => {
          pending.delete(sent);
          if (msg.bad) return;
          if (ok) {
            p.readingsAcked += msg.readings;
            perDevice[run.d.id] = (perDevice[run.d.id] ?? 0) + msg.readings;
          }
          else p.errors += msg.readings;
        });
        pending.add(sent);
      }
      await Promise.all(pending);
    } finally {
      await link.close(new Promise((r) => setTimeout(r, 5000).unref()));
      p.devicesDone += 1;
      o.onProgress?.(p);
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < runs.length && !o.signal?.aborted) await one(runs[next++]!);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  o.signal?.throwIfAborted();
  return { ...p, ms: Date.now() - t0, perDevice, truth };
}
