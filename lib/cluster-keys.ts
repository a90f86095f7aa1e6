/**
 * The Redis key and channel names EduFleet's nodes share (deployments on several machines, `redis.url`), and the
 * node heartbeat's format. Every reader and writer imports them from here, so a name is spelled once.
 */
import { hostname } from 'node:os';
import type { ComponentState } from './component.js';

const PREFIX = 'edufleet:';

/** A node's heartbeat key; it expires (PX) unless renewed, so a node whose key is gone is dead. */
export function nodeKey(name: string): string {
  return `${PREFIX}node:${name}`;
}

/** The name of a node whose `node.name` is empty: unique among the processes of one host, and among hosts. */
export function defaultNodeName(): string {
  return `${hostname()}-${process.pid}`;
}

/** For SCAN … MATCH: every node's heartbeat key. */
export const NODE_KEY_PATTERN = `${PREFIX}node:*`;

/** The node name in a heartbeat key, or undefined for another key. */
export function nodeNameOf(key: string): string | undefined {
  return key.startsWith(`${PREFIX}node:`) ? key.slice(`${PREFIX}node:`.length) : undefined;
}

/** A hash deviceId → name of the node that holds the device's MQTT connection. */
export const PRESENCE_KEY = `${PREFIX}presence`;

/** The pub/sub channel of messages for one node (commands to deliver, takeovers). */
export function busChannel(name: string): string {
  return `${PREFIX}bus:${name}`;
}

/** The pub/sub channel every node hears. */
export const BUS_ALL = `${PREFIX}bus:all`;

/**
 * A hash filter → count: the subscription filters of one node's non-device clients (integrations, the bench
 * subscriber), so that the other nodes send it what they hear (broker/cluster/subscriptions.ts).
 */
export function subsKey(name: string): string {
  return `${PREFIX}subs:${name}`;
}

/** For SCAN … MATCH: every node's subscription hash. */
export const SUBS_KEY_PATTERN = `${PREFIX}subs:*`;

/** The node name in a subscription hash key, or undefined for another key. */
export function subsNodeOf(key: string): string | undefined {
  return key.startsWith(`${PREFIX}subs:`) ? key.slice(`${PREFIX}subs:`.length) : undefined;
}

/** A hash clientId → the node holding a non-device client's persistent session (broker/cluster/sessions.ts). */
export const SESSIONS_KEY = `${PREFIX}sessions`;

/**
 * A hash topic → JSON { payload (base64), qos }: every retained message but devices' own status and attributes
 * (integration accounts' topics, edges' state and bundles), so a SUBSCRIBE on any node finds it (broker/cluster/retained.ts).
 */
export const RETAINED_KEY = `${PREFIX}retained`;

/** A hash deviceId → JSON LiveDevice: the latest state of every device. */
export const LIVE_KEY = `${PREFIX}live`;

/** How often a node renews its heartbeat, and how long the key lives without renewal. */
export const HEARTBEAT_EVERY_MS = 2_000;
export const HEARTBEAT_TTL_MS = 10_000;

/** The JSON a node writes at `nodeKey(name)` every HEARTBEAT_EVERY_MS, with PX HEARTBEAT_TTL_MS. */
export interface NodeHeartbeat {
  name: string;
  pid: number;
  host: string;
  /** Epoch milliseconds the process started. */
  startedAt: number;
  /** Epoch milliseconds of this heartbeat (a reader computes its age from it). */
  at: number;
  /** The process's components and their state (as /healthz shows them). */
  components: { name: string; state: ComponentState }[];
  /** MQTT connections this node's broker holds; null when it runs no broker. */
  connections: number | null;
  /** Acknowledged readings only in this node's spool: bytes, and the age of the oldest (0 when empty); null without a gateway. */
  spool: { bytes: number; oldestMs: number } | null;
}

const STATES: readonly string[] = ['starting', 'ok', 'degraded', 'stopped'] satisfies ComponentState[];

/** Reads a heartbeat; undefined when the JSON is not one (a reader skips it rather than failing). */
export function parseHeartbeat(json: string): NodeHeartbeat | undefined {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!isObject(v)) return undefined;
  const { name, pid, host, startedAt, at, components, connections, spool } = v;
  if (typeof name !== 'string' || typeof host !== 'string') return undefined;
  if (!isNumber(pid) || !isNumber(startedAt) || !isNumber(at)) return undefined;
  if (!Array.isArray(components) || !components.every(isComponent)) return undefined;
  if (connections !== null && !isNumber(connections)) return undefined;
  if (spool !== null && !(isObject(spool) && isNumber(spool.bytes) && isNumber(spool.oldestMs))) return undefined;
  return {
    name, pid, host, startedAt, at,
    components: components.map((c) => ({ name: c.name, state: c.state })),
    connections,
    spool: spool === null ? null : { bytes: spool.bytes as number, oldestMs: spool.oldestMs as number },
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isComponent(v: unknown): v is { name: string; state: ComponentState } {
  return isObject(v) && typeof v.name === 'string' && typeof v.state === 'string' && STATES.includes(v.state);
}
