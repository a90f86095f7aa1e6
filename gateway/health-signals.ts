/**
 * What this gateway process observes of each device (domain/health.ts DeviceSignals), kept in memory and written
 * to the registry, the shared live state, every `alerts.flushMs`: only the devices that changed, in one statement.
 * The ingest path calls it synchronously and pays a few field writes per message (issue 10 item 7): no await, no
 * I/O, no sorting; the interval median is worked out at flush time for the devices that changed.
 */
import { emptySignals, type DeviceSignals, type Presence } from '../domain/index.js';
import type { Clock } from '../lib/clock.js';
import { guardedInterval, Health, type Component, type ComponentHealth } from '../lib/component.js';
import type { Logger } from '../lib/logger.js';
import type { RegistryStore } from '../registry/index.js';

const HOUR = 3_600_000;
/** Bounded lists of times (errors, rejections, reconnects): the last hour, at most this many. */
const MAX_TIMES = 200;
/** Gaps between readings the interval is the median of. */
const GAPS = 8;
/** Devices loaded from the registry per query. */
const LOAD_BATCH = 500;
/** Keys of a reading that are not something the device measured: its time, its sequence number, the gateway's mark. */
const notMeasured = (k: string): boolean => k === 'ts' || k === 'seq' || k === 'clock_replaced';

export interface HealthSignalsOptions {
  registry: RegistryStore;
  clock: Clock;
  log: Logger;
  flushMs: number;
}

interface Entry {
  s: DeviceSignals;
  /** The stored row has been merged in: only then may the entry be written (it would erase the stored counts). */
  loaded: boolean;
  /** Recent gaps between readings, a ring. */
  gaps: number[];
  gapAt: number;
  /** The clock judgement (see `judgeClock`): the current message's arrival, newest device time and count of readings. */
  msg?: { at: number; ts: number; n: number; skewBefore: number | null };
  /** The previous message's arrival and newest device time. */
  ref?: { at: number; ts: number };
}

/** How far a device's time may advance differently from the arrival time between two live messages (network, jitter). */
const LIVE_TOLERANCE_MS = 10_000;

export class HealthSignals implements Component {
  readonly name = 'health-signals';
  private readonly state: Health;
  private readonly devices = new Map<string, Entry>();
  private readonly dirty = new Set<string>();
  private toLoad = new Set<string>();
  private loading: Promise<void> | undefined;
  private stopTimer: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly o: HealthSignalsOptions) {
    this.state = new Health(this.name, o.log);
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.stopTimer = guardedInterval(this.state, 'health signals flush', this.o.flushMs, () => this.flush());
    this.state.started();
    return Promise.resolve();
  }

  /** Writes what is still unwritten once more (a clean shutdown or a move loses no count). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopTimer?.();
    try {
      await this.flush();
    } catch (err) {
      this.state.fail(err, 'health signals flush on stop');
    }
    this.state.stopped();
  }

  health(): ComponentHealth {
    return this.state.snapshot();
  }

  /** The signals of a device as this process sees them (a copy is not made: do not change it). */
  get(deviceId: string): DeviceSignals | undefined {
    const e = this.devices.get(deviceId);
    if (e) e.s.intervalMs = median(e) ?? e.s.intervalMs;
    return e?.s;
  }

  /** An accepted reading; `deviceTs` is the device's own time as it sent it (before any replacement). */
  reading(deviceId: string, fields: Readonly<Record<string, number | boolean | string>>, deviceTs: number | undefined, now: number): void {
    const e = this.entry(deviceId);
    const s = e.s;
    for (const k in fields) {
      if (notMeasured(k)) continue;
      const v = fields[k]!;
      if (s.latest[k] !== v) {
        s.latest[k] = v;
        s.changedAt[k] = now;
      }
    }
    // Several readings of one message arrive at the same instant: that is a batch, not an interval of 0.
    if (s.lastReadingAt !== null && now > s.lastReadingAt) {
      if (e.gaps.length < GAPS) e.gaps.push(now - s.lastReadingAt);
      else e.gaps[e.gapAt] = now - s.lastReadingAt;
      e.gapAt = (e.gapAt + 1) % GAPS;
    }
    if (deviceTs !== undefined) judgeClock(e, deviceTs, now);
    s.lastReadingAt = now;
    s.lastSeen = now;
    if (s.presence !== 'online' && s.presence !== 'sleep') this.move(s, 'online', now);
    this.dirty.add(deviceId);
  }

  /** An accepted event: an error (its type says so) counts towards `error_events`. */
  event(deviceId: string, type: string, now: number): void {
    const s = this.entry(deviceId).s;
    if (type.toLowerCase().includes('error')) push(s.errors, now);
    s.lastSeen = now;
    this.dirty.add(deviceId);
  }

  rejection(deviceId: string, reason: string, now: number): void {
    const s = this.entry(deviceId).s;
    push(s.rejected, now);
    s.lastRejection = { ts: now, reason };
    s.lastSeen = now;
    this.dirty.add(deviceId);
  }

  /** The broker throttled the device (publishing over its rate); `ratePerSec` is the rate its messages arrived at. */
  flooding(deviceId: string, ratePerSec: number, now: number): void {
    const s = this.entry(deviceId).s;
    s.flooding = { ts: now, ratePerSec };
    s.lastSeen = now;
    this.dirty.add(deviceId);
  }

  presence(deviceId: string, state: Exclude<Presence, 'never'>, now: number): void {
    const s = this.entry(deviceId).s;
    if (state !== 'offline') s.lastSeen = now;
    if (s.presence === state) return;
    this.move(s, state, now);
    this.dirty.add(deviceId);
  }

  /**
   * Drops what this process remembers of a device it has nothing unwritten for, so that the next signal starts from
   * the registry's row (another node's since): a stale entry would write old counts and values over it.
   */
  forget(deviceId: string): void {
    const e = this.devices.get(deviceId);
    if (e?.loaded && !this.dirty.has(deviceId)) this.devices.delete(deviceId);
  }

  /** Writes the devices changed since the last flush; a failure keeps them for the next one. */
  async flush(): Promise<void> {
    if (this.toLoad.size) await this.load();
    else if (this.loading) await this.loading;
    const now = this.o.clock.now();
    const ids: string[] = [];
    const rows: { deviceId: string; signals: DeviceSignals }[] = [];
    for (const id of this.dirty) {
      const e = this.devices.get(id)!;
      if (!e.loaded) continue;
      e.s.intervalMs = median(e) ?? e.s.intervalMs;
      trim(e.s.errors, now); trim(e.s.rejected, now); trim(e.s.reconnects, now);
      ids.push(id);
      rows.push({ deviceId: id, signals: e.s });
    }
    if (!rows.length) return;
    for (const id of ids) this.dirty.delete(id);
    try {
      await this.o.registry.recordSignals(rows, now);
    } catch (err) {
      for (const id of ids) this.dirty.add(id);
      this.state.fail(err, 'health signals flush (kept for the next one)', { devices: ids.length });
      throw err;
    }
    this.state.ok();
  }

  private entry(id: string): Entry {
    let e = this.devices.get(id);
    if (!e) {
      e = { s: emptySignals(), loaded: false, gaps: [], gapAt: 0 };
      this.devices.set(id, e);
      this.toLoad.add(id);
      // Not awaited: the ingest path never waits for the registry. A failed load is retried by the next flush.
      if (!this.loading) void this.load().catch((err: unknown) => this.state.fail(err, 'health signals load'));
    }
    return e;
  }

  private move(s: DeviceSignals, state: Presence, now: number): void {
    // A device that comes back asleep (out of hours) has connected again all the same.
    if (state !== 'offline' && (s.presence === 'offline' || s.presence === 'never')) push(s.reconnects, now);
    s.presence = state;
    s.presenceSince = now;
  }

  /** Merges the stored rows of the devices first seen in this process (one load at a time, in batches). */
  private load(): Promise<void> {
    this.loading ??= (async () => {
      try {
        while (this.toLoad.size) {
          const ids = [...this.toLoad].slice(0, LOAD_BATCH);
          const rows = await this.o.registry.healthRows({ deviceIds: ids });
          const stored = new Map(rows.map((r) => [r.deviceId, r.signals]));
          for (const id of ids) {
            this.toLoad.delete(id);
            const e = this.devices.get(id)!;
            const prev = stored.get(id);
            if (prev) merge(e.s, { ...emptySignals(), ...prev });
            e.loaded = true;
            if (prev) this.dirty.add(id);
          }
        }
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }
}

function push(times: number[], now: number): void {
  times.push(now);
  if (times.length > MAX_TIMES) times.shift();
  trim(times, now);
}

function trim(times: number[], now: number): void {
  let n = 0;
  while (n < times.length && times[n]! <= now - HOUR) n++;
  if (n) times.splice(0, n);
}

function median(e: Entry): number | null {
  if (!e.gaps.length) return null;
  const g = [...e.gaps].sort((a, b) => a - b);
  const mid = g.length >> 1;
  return g.length % 2 ? g[mid]! : Math.round((g[mid - 1]! + g[mid]!) / 2);
}

/**
 * The stored signals (another process's, or this one's before a restart) under what this process saw since it
 * started: the counts continue, and a field whose value did not change keeps the time it last changed.
 */
function merge(s: DeviceSignals, prev: DeviceSignals): void {
  const since = (t: number[], p: number[]) => {
    const first = t[0] ?? Infinity;
    t.unshift(...p.filter((x) => x < first));
    if (t.length > MAX_TIMES) t.splice(0, t.length - MAX_TIMES);
  };
  since(s.errors, prev.errors);
  since(s.rejected, prev.rejected);
  since(s.reconnects, prev.reconnects);
  for (const [k, v] of Object.entries(prev.latest)) {
    if (!(k in s.latest)) {
      s.latest[k] = v;
      if (prev.changedAt[k] !== undefined) s.changedAt[k] = prev.changedAt[k];
    } else if (s.latest[k] === v && prev.changedAt[k] !== undefined) {
      s.changedAt[k] = prev.changedAt[k];
    }
  }
  if (s.presence === 'never') {
    s.presence = prev.presence;
    s.presenceSince = prev.presenceSince;
  } else if (s.presence === prev.presence && prev.presenceSince !== null) {
    s.presenceSince = prev.presenceSince;
  }
  s.lastSeen = Math.max(s.lastSeen ?? -Infinity, prev.lastSeen ?? -Infinity);
  if (s.lastSeen === -Infinity) s.lastSeen = null;
  s.lastReadingAt ??= prev.lastReadingAt;
  s.skewMs ??= prev.skewMs;
  s.intervalMs ??= prev.intervalMs;
  s.lastRejection ??= prev.lastRejection;
  s.flooding ??= prev.flooding ?? null;
}

/**
 * How far the device's clock is off, from live readings only: a backlog (a device that stored readings while it could
 * not send, a simulator's history, an edge catching up) carries old times that say nothing about its clock. Between
 * two messages, a live device's newest time advances as the arrival time does (a wrong clock's too, by a constant
 * offset), while a backlog's advances faster than its arrival: it is catching up, and the skew is unknown until the
 * device is live again. A device's first message is judged only if it is a single reading: several readings in one
 * message are stored ones (a batching device is judged from its second message on).
 */
function judgeClock(e: Entry, ts: number, now: number): void {
  const s = e.s;
  if (e.msg?.at === now) {
    e.msg.ts = Math.max(e.msg.ts, ts);
    e.msg.n += 1;
  } else {
    if (e.msg) e.ref = { at: e.msg.at, ts: e.msg.ts };
    e.msg = { at: now, ts, n: 1, skewBefore: s.skewMs };
  }
  // Judged again with each reading of the message, from the state before it.
  s.skewMs = e.msg.skewBefore;
  if (!e.ref) {
    if (e.msg.n === 1) s.skewMs = e.msg.ts - now;
    return;
  }
  const arrived = now - e.ref.at;
  const advanced = e.msg.ts - e.ref.ts;
  const tolerance = Math.max(LIVE_TOLERANCE_MS, 0.2 * arrived);
  if (Math.abs(advanced - arrived) <= tolerance) s.skewMs = e.msg.ts - now;
  else if (advanced > arrived + tolerance) s.skewMs = null;
}
