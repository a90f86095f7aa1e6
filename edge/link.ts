/**
 * The uplink's contract, shared by the edge (edge/uplink.ts) and the province (edge/link-province.ts): its topics and
 * how an edge proves who it is (docs/architecture.md, "Edge nodes (issue 21)").
 *
 * The edge logs in with username = client id = its edge id and a password it signs with its own Ed25519 key (the key
 * the province registered at `edufleet edge add`): no shared secret to copy to the school, none stored at the
 * province, and revoking the edge shuts its link. The signed time bounds a replay to LOGIN_MAX_AGE_MS; TLS keeps the
 * password off the wire.
 */
import { signBytes, verifySignature, type EdgeKeys } from './keys.js';

const ROOT = 'edu/v1/edge';

/** What an edge publishes (and the province's `down`). */
export const UP_TOPICS = ['backlog', 'live', 'state', 'sync'] as const;
export type UpTopic = (typeof UP_TOPICS)[number];

export const linkTopics = (edgeId: string) => ({
  /** Records in each device's q order, a JSON array, QoS 1: applied at the province before the PUBACK. */
  backlog: `${ROOT}/${edgeId}/up/backlog`,
  /** Records accepted in the last seconds while a backlog is being sent: shown at once, stored, no cursor moves. */
  live: `${ROOT}/${edgeId}/up/live`,
  /** Retained JSON EdgeState; the connection's Will says the link is down. */
  state: `${ROOT}/${edgeId}/up/state`,
  /** The edge asks for its bundle (its slice version and the q it has confirmed). */
  sync: `${ROOT}/${edgeId}/up/sync`,
  /** The province's bundles for the edge (QoS 1, retained: the latest waits for the edge). */
  down: `${ROOT}/${edgeId}/down`,
});

/** The edge id and the up topic of `topic`, if it is one. */
export function parseUpTopic(topic: string): { edgeId: string; up: UpTopic } | undefined {
  const parts = topic.split('/');
  if (parts.length !== 6 || `${parts[0]}/${parts[1]}/${parts[2]}` !== ROOT || parts[4] !== 'up') return undefined;
  const up = parts[5] as UpTopic;
  return UP_TOPICS.includes(up) ? { edgeId: parts[3]!, up } : undefined;
}

/** What the edge tells about itself on `up/state` (retained). */
export interface EdgeState {
  link: 'up' | 'down';
  /** When the edge wrote it (its clock: the province compares it with its own). */
  at: number;
  backlog: { records: number; bytes: number; oldestAt: number | null };
  /** Everything the site's devices sent before this time is at the province (null: unknown yet). */
  completeUntil: number | null;
  spool?: { bytes: number; oldestMs: number };
  diskFreeBytes?: number;
  /** The size of that disk (the provincial edges screen shows free of total). */
  diskTotalBytes?: number;
}

/** What the edge asks on `up/sync`. */
export interface SyncRequest { sliceVersion: number | null; confirmed: Record<string, number> }

/** How old a signed login may be (either way: the two clocks may differ a little). */
export const LOGIN_MAX_AGE_MS = 10 * 60_000;

const loginBytes = (edgeId: string, at: number): Buffer => Buffer.from(`edufleet-edge-link\n${edgeId}\n${at}`, 'utf8');

/** The password of a login at `at`: `v1.<ms>.<signature>`. */
export const loginPassword = (keys: EdgeKeys, at: number): string => `v1.${at}.${signBytes(keys, loginBytes(keys.id, at))}`;

/** Whether `password` is a fresh login of the edge whose signing key is `signKey`. */
export function checkLogin(edgeId: string, signKey: string, password: string, now: number): boolean {
  const m = /^v1\.(\d{1,15})\.([A-Za-z0-9+/=]{1,200})$/.exec(password);
  if (!m) return false;
  const at = Number(m[1]);
  if (Math.abs(now - at) > LOGIN_MAX_AGE_MS) return false;
  return verifySignature(signKey, loginBytes(edgeId, at), m[2]!);
}
