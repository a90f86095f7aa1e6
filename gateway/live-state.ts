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
    d.version = ++this.version;
  }

  rejection(id: string, kind: DeviceKind, reason: string, now: number): void {
    const d = this.entry(id, kind);
    d.rejected += 1;
    d.lastRejection = { ts: now, reason };
    d.lastSeen = now;
    d.version = ++this.version;
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
    d.version = ++this.version;
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

  changedSince(version: number): LiveDevice[] {
    const out: LiveDevice[] = [];
    for (const d of this.devices.values()) if (d.version > version) out.push(d);
    return out;
  }
}
