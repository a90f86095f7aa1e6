/**
 * The live state of devices shared through Redis (deployments on several machines, `redis.url`): the hash
 * `edufleet:live` (LIVE_KEY, deviceId → JSON LiveDevice) that any dashboard reads, and the shape of the batch a node
 * announces to every dashboard once per live tick. The node side is live-publisher.ts; the dashboard side
 * dashboard/server/live-feed.ts.
 */
import { KINDS, type DeviceKind } from '../protocol/index.js';
import type { LiveDevice, Presence } from './live-state.js';

/**
 * The Socket.IO server-side event a node sends through `@socket.io/redis-emitter` once per tick with the devices
 * that changed; every dashboard's `@socket.io/redis-adapter` hands it to its live hub, which sends the usual
 * `devices` and `device` pushes to its own rooms (one Redis message per node and tick instead of one per room).
 */
export const LIVE_BATCH_EVENT = 'edufleet:live-batch';

/** What the dashboard needs of the live state: the entries of some devices (`get` undefined: never heard of). */
export interface LiveLookup {
  get(id: string): LiveDevice | undefined;
}

const PRESENCES: readonly string[] = ['online', 'offline', 'sleep', 'unknown'] satisfies Presence[];

/** The JSON stored in the hash and sent in batches; `version` is the writing node's own counter and stays behind. */
export function liveEntry(d: LiveDevice): Omit<LiveDevice, 'version'> {
  const { version: _version, ...rest } = d;
  return rest;
}

export function encodeLive(d: LiveDevice): string {
  return JSON.stringify(liveEntry(d));
}

/**
 * Reads one entry (from the hash or a batch). Redis is the deployment's own, but a value that is not a LiveDevice
 * (an older version's, a hand-edited key) is skipped rather than shown: undefined.
 */
export function parseLive(v: unknown): LiveDevice | undefined {
  let o: unknown = v;
  if (typeof v === 'string') {
    try {
      o = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  if (typeof o !== 'object' || o === null) return undefined;
  const d = o as Record<string, unknown>;
  if (typeof d.id !== 'string' || typeof d.kind !== 'string' || !(d.kind in KINDS)) return undefined;
  if (typeof d.state !== 'string' || !PRESENCES.includes(d.state)) return undefined;
  if (typeof d.latest !== 'object' || d.latest === null) return undefined;
  const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  const rej = d.lastRejection as { ts?: unknown; reason?: unknown } | null | undefined;
  return {
    id: d.id, kind: d.kind as DeviceKind, state: d.state as Presence,
    lastSeen: num(d.lastSeen), lastReadingTs: num(d.lastReadingTs),
    latest: d.latest as LiveDevice['latest'],
    rejected: num(d.rejected) ?? 0,
    lastRejection: rej && typeof rej.ts === 'number' && typeof rej.reason === 'string' ? { ts: rej.ts, reason: rej.reason } : null,
    version: 0,
  };
}
