/**
 * The shared presence hash (lib/cluster-keys.ts PRESENCE_KEY: deviceId → the node holding its MQTT connection) and
 * the bus messages that go with its changes. Every change that depends on what the hash says now is one Lua script,
 * so two nodes never interleave a read and a write (a device moving between nodes, a dead node being cleaned up).
 */
import type { Redis } from '../../lib/redis.js';
import { busChannel, PRESENCE_KEY } from '../../lib/cluster-keys.js';
import { redisScript } from '../../lib/redis.js';

/** What a node tells another on its channel (lib/cluster-keys.ts busChannel). */
export type BusMessage =
  /** Publish this device's queued commands now (they were just queued in another process). */
  | { type: 'command'; deviceId: string }
  /**
   * `node` holds a connection of this device that opened at `since` (ms): close yours [MQTT-3.1.4-2]. A `reassert`
   * (after a Redis outage, when both may have held one) asks to compare first: the older connection goes.
   */
  | { type: 'takeover'; deviceId: string; node: string; since: number; reassert?: boolean }
  /**
   * A message published on `node` that a non-device client of this node subscribed to (broker/cluster/forward.ts):
   * the payload in base64. Delivered here, never forwarded again nor ingested.
   */
  | { type: 'publish'; node: string; topic: string; payload: string; qos: 0 | 1 }
  /** On BUS_ALL: `node`'s subscription hash changed (broker/cluster/subscriptions.ts): read it again. */
  | { type: 'subs'; node: string }
  | SessionMessage;

/** A queued message of a persistent session on its way to another node (payload in base64). */
export interface SessionPacket { topic: string; payload: string; qos: number; retain: boolean; brokerId: string; brokerCounter: number }

/** The hand-over of a non-device client's persistent session between nodes (broker/cluster/sessions.ts). */
export type SessionMessage =
  /** `node` asks the owner for `clientId`'s session (or, `discard`, to drop it: the client connected clean). */
  | { type: 'session-request'; clientId: string; node: string; nonce: string; discard: boolean }
  /** The owner's answer to the request `nonce`: the session's subscriptions and queue, now forgotten there. */
  | { type: 'session'; clientId: string; node: string; nonce: string; subs: { topic: string; qos: number }[]; packets: SessionPacket[] };

/** Channel names are `edufleet:bus:<node>`; the scripts append the node name they read from the hash. */
const BUS_PREFIX = busChannel('');

/** HSET to this node; tells the node the hash named before, if another, to close its connection. Returns that node. */
const CLAIM = redisScript(`
local prev = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if prev and prev ~= ARGV[2] then redis.call('PUBLISH', ARGV[3] .. prev, ARGV[4]) end
return prev`, 1);

/** As CLAIM, but a device the hash gives to another node stays there and that node is asked to compare (reassert). */
const REASSERT = redisScript(`
local prev = redis.call('HGET', KEYS[1], ARGV[1])
if prev and prev ~= ARGV[2] then redis.call('PUBLISH', ARGV[3] .. prev, ARGV[4]) return prev end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return false`, 1);

/** HDEL only while the hash still names ARGV[2]: a device that moved on belongs to its new node. 1 when deleted. */
const RELEASE = redisScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) return 1 end
return 0`, 1);

/** Gives the device to ARGV[3] if the hash names ARGV[2] or nobody (the closing side of a reassert). */
const HAND_OVER = redisScript(`
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v or v == ARGV[2] then redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
return 0`, 1);

/** Tells the node holding the device, if another than ARGV[2], to deliver its commands. */
const NOTIFY = redisScript(`
local n = redis.call('HGET', KEYS[1], ARGV[1])
if n and n ~= ARGV[2] then return redis.call('PUBLISH', ARGV[3] .. n, ARGV[4]) end
return 0`, 1);

const encode = (m: BusMessage): string => JSON.stringify(m);

/** Reads a bus message; undefined for anything else (logged by the caller, never thrown). */
export function parseBusMessage(text: string): BusMessage | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const m = v as Record<string, unknown>;
  if (m.type === 'publish' && typeof m.node === 'string' && typeof m.topic === 'string' && typeof m.payload === 'string' && (m.qos === 0 || m.qos === 1)) {
    return { type: 'publish', node: m.node, topic: m.topic, payload: m.payload, qos: m.qos };
  }
  if (m.type === 'subs' && typeof m.node === 'string') return { type: 'subs', node: m.node };
  if (typeof m.clientId === 'string' && typeof m.node === 'string' && typeof m.nonce === 'string') {
    if (m.type === 'session-request') return { type: 'session-request', clientId: m.clientId, node: m.node, nonce: m.nonce, discard: m.discard === true };
    if (m.type === 'session' && Array.isArray(m.subs) && m.subs.every(isSub) && Array.isArray(m.packets) && m.packets.every(isSessionPacket)) {
      return { type: 'session', clientId: m.clientId, node: m.node, nonce: m.nonce, subs: m.subs, packets: m.packets };
    }
  }
  if (typeof m.deviceId !== 'string') return undefined;
  if (m.type === 'command') return { type: 'command', deviceId: m.deviceId };
  if (m.type === 'takeover' && typeof m.node === 'string' && typeof m.since === 'number') {
    return { type: 'takeover', deviceId: m.deviceId, node: m.node, since: m.since, ...(m.reassert === true ? { reassert: true } : {}) };
  }
  return undefined;
}

function isSub(v: unknown): v is { topic: string; qos: number } {
  const s = v as Record<string, unknown> | null;
  return typeof s === 'object' && s !== null && typeof s.topic === 'string' && typeof s.qos === 'number';
}

function isSessionPacket(v: unknown): v is SessionPacket {
  const p = v as Record<string, unknown> | null;
  return isSub(v) && typeof p!.payload === 'string' && typeof p!.retain === 'boolean' && typeof p!.brokerId === 'string' && typeof p!.brokerCounter === 'number';
}

/** The presence hash as one node sees it: every call is one round trip, and fails at once while Redis is away. */
export class PresenceHash {
  constructor(private readonly redis: Redis, readonly node: string) {}

  /** A device connected here at `since`: the hash names this node, and the node it named before closes its connection. */
  async claim(deviceId: string, since: number): Promise<string | null> {
    const msg = encode({ type: 'takeover', deviceId, node: this.node, since });
    return (await CLAIM(this.redis, PRESENCE_KEY, deviceId, this.node, BUS_PREFIX, msg)) as string | null;
  }

  /** After an outage: claims the device unless another node has it, which is then asked to compare connections. */
  async reassert(deviceId: string, since: number): Promise<void> {
    const msg = encode({ type: 'takeover', deviceId, node: this.node, since, reassert: true });
    await REASSERT(this.redis, PRESENCE_KEY, deviceId, this.node, BUS_PREFIX, msg);
  }

  /** The node the hash names for this device, or null. */
  holder(deviceId: string): Promise<string | null> {
    return this.redis.hget(PRESENCE_KEY, deviceId);
  }

  /** Deletes the entry if it still names `node` (this one by default); true when it did. */
  async release(deviceId: string, node = this.node): Promise<boolean> {
    return (await RELEASE(this.redis, PRESENCE_KEY, deviceId, node)) === 1;
  }

  async handOver(deviceId: string, to: string): Promise<void> {
    await HAND_OVER(this.redis, PRESENCE_KEY, deviceId, this.node, to);
  }

  /** Asks the node holding the device (if not this one) to deliver its commands now; true when one was asked. */
  async notifyCommand(deviceId: string): Promise<boolean> {
    const msg = encode({ type: 'command', deviceId });
    return ((await NOTIFY(this.redis, PRESENCE_KEY, deviceId, this.node, BUS_PREFIX, msg)) as number) > 0;
  }

  /** Tells one node something directly (a takeover answered with a newer connection). */
  async send(node: string, m: BusMessage): Promise<void> {
    await this.redis.publish(busChannel(node), encode(m));
  }

  /** Every entry, in pages (HSCAN: Redis serves other clients between them), as deviceId → node. */
  async *entries(): AsyncGenerator<[string, string][]> {
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(PRESENCE_KEY, cursor, 'COUNT', 1000);
      cursor = next;
      const page: [string, string][] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) page.push([flat[i]!, flat[i + 1]!]);
      if (page.length) yield page;
    } while (cursor !== '0');
  }
}
