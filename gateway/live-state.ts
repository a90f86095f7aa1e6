import type { DeviceKind } from '../protocol/index.js';

export type Presence = 'online' | 'offline' | 'sleep' | 'unknown';

/** What the dashboard shows of a device right now. */
export interface LiveDevice {
  id: string;
  kind: DeviceKind;
  state: Presence;
  /** Last time anything came from the device (UTC ms). */
  lastSeen: number | null;
  /** Device time of the latest reading. */
  lastReadingTs: number | null;
  /** Latest value of every field seen. */
  latest: Record<string, number | boolean | string>;
  rejected: number;
  lastRejection: { ts: number; reason: string } | null;
  /** Bumped on every change; consumers ask for what changed after the version they have. */
  version: number;
}

/**
 * The latest state of every device, in memory: the gateway writes it, the dashboard reads it. Consumers poll
 * `changedSince` at their own rhythm, so a burst of readings costs one update per device per tick, not one emit per reading.
 */
export class LiveState {
  private readonly devices = new Map<string, LiveDevice>();
  private version = 0;
  /**
   * Every change in version order: `changedSince` reads only the tail after a consumer's version instead of every
   * device (60,000 on a province's node, four times a second). An entry whose device has changed again since is
   * stale; compaction drops those, so the log stays within twice the devices' count.
   */
  private readonly log: LiveDevice[] = [];
  private readonly logVersions: number[] = [];

  private changed(d: LiveDevice): void {
    d.version = ++this.version;
    this.log.push(d);
    this.logVersions.push(d.version);
    if (this.log.length > 2 * this.devices.size + 1024) this.compact();
  }

  private compact(): void {
    let w = 0;
    for (let r = 0; r < this.log.length; r++) {
      const d = this.log[r]!;
      if (d.version !== this.logVersions[r]) continue;
      this.log[w] = d;
      this.logVersions[w++] = this.logVersions[r]!;
    }
    this.log.length = w;
    this.logVersions.length = w;
  }

  private entry(id: string, kind: DeviceKind): LiveDevice {
    let d = this.devices.get(id);
    if (!d) {
      d = { id, kind, state: 'unknown', lastSeen: null, lastReadingTs: null, latest: {}, rejected: 0, lastRejection: null, version: 0 };
      this.devices.set(id, d);
    }
    return d;
  }

  reading(id: string, kind: DeviceKind, ts: number, fields: Record<string, number | boolean | string>, now: number): void {
    const d = this.entry(id, kind);
    // The reading as the device sent it: its time is lastReadingTs, not a value.
    for (const k in fields) if (k !== 'ts') d.latest[k] = fields[k]!;
    if (d.lastReadingTs === null || ts >= d.lastReadingTs) d.lastReadingTs = ts;
    d.lastSeen = now;
    if (d.state !== 'online' && d.state !== 'sleep') d.state = 'online';
    this.changed(d);
  }

  rejection(id: string, kind: DeviceKind, reason: string, now: number): void {
    const d = this.entry(id, kind);
    d.rejected += 1;
    d.lastRejection = { ts: now, reason };
    d.lastSeen = now;
    this.changed(d);
  }

  /**
   * Returns true when the state changed. `force`: counts as a change even if this process already had that state
   * (a dead node's device: the shared view got the dead node's last state, not this process's).
   */
  presence(id: string, kind: DeviceKind, state: Presence, now: number, force = false): boolean {
    const d = this.entry(id, kind);
    d.lastSeen = state === 'offline' ? d.lastSeen : now;
    if (d.state === state && !force) return false;
    d.state = state;
    this.changed(d);
    return true;
  }

  get(id: string): LiveDevice | undefined {
    return this.devices.get(id);
  }

  all(): IterableIterator<LiveDevice> {
    return this.devices.values();
  }

  get currentVersion(): number {
    return this.version;
  }

  /** The devices changed after `version`, each once, in the order of their last change. */
  changedSince(version: number): LiveDevice[] {
    // The first entry after `version` (versions only grow along the log), then each device at its latest entry only.
    let lo = 0;
    let hi = this.logVersions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.logVersions[mid]! > version) hi = mid;
      else lo = mid + 1;
    }
    const out: LiveDevice[] = [];
    for (let i = lo; i < this.log.length; i++) if (this.log[i]!.version === this.logVersions[i]) out.push(this.log[i]!);
    return out;
  }
}
