/**
 * Dead nodes' devices marked offline. A node that dies without saying so (SIGKILL, power cut) closes no connection
 * and runs no Last Will; what is left of it is its names in the presence hash and a heartbeat key that stops being
 * renewed (lib/cluster-keys.ts, HEARTBEAT_TTL_MS). One node at a time (a lease it renews while alive) compares the
 * hash with the live heartbeat keys; a node missing from them for GRACE_MS (two heartbeats: one just started, or
 * a Redis that restarted empty, has not written its key yet) is dead, and each of its devices is deleted from the
 * hash (only if still its: RELEASE) and reported once, by the node whose delete won. A dead node's subscription hash
 * (broker/cluster/subscriptions.ts) is deleted too, and the others told, so they stop sending it messages.
 */
import { BUS_ALL, HEARTBEAT_EVERY_MS, NODE_KEY_PATTERN, nodeNameOf, SUBS_KEY_PATTERN, subsKey, subsNodeOf } from '../../lib/cluster-keys.js';
import type { Clock } from '../../lib/clock.js';
import { redisScript, type Redis } from '../../lib/redis.js';
import type { PresenceHash } from './presence.js';

/** Held by the node that checks; renewed at every check, so another takes over once it is gone. */
const LEASE_KEY = 'edufleet:lease:presence-check';
/** How long a node named in the hash may lack a heartbeat key before it counts as dead. */
const GRACE_MS = 2 * HEARTBEAT_EVERY_MS;
/** Devices deleted per round trip batch. */
const BATCH = 500;
/**
 * A check reads the whole presence hash (60,000 entries for a province) only when a node it saw alive is gone or a
 * suspect is pending; otherwise every this many checks, for what no heartbeat change announces (a node dead before
 * this checker took the lease, a Redis restarted without the heartbeats). Reading it every 5 s was most of the
 * checking node's CPU at rest.
 */
const FULL_SCAN_EVERY = 12;

/** SET NX, or renew if it is already ours. */
const LEASE = redisScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`, 1);

export class DeadNodeCheck {
  /** Nodes named in the hash without a heartbeat, since when (this checker's clock). */
  private suspects = new Map<string, number>();
  /** The live nodes at the last check (undefined: none yet, or the lease was lost meanwhile), and checks since a full read. */
  private lastAlive: Set<string> | undefined;
  private sinceFullScan = 0;

  constructor(
    private readonly redis: Redis,
    private readonly presence: PresenceHash,
    private readonly checkMs: number,
    private readonly clock: Clock,
    /** Told of each device of a dead node, once across all nodes. */
    private readonly offline: (deviceId: string, deadNode: string) => void,
  ) {}

  /** One check; returns the devices marked offline. Throws while Redis is away (the interval retries). */
  async check(): Promise<number> {
    const mine = await LEASE(this.redis, LEASE_KEY, this.presence.node, String(this.checkMs * 3));
    if (mine !== 1) {
      this.suspects.clear();
      this.lastAlive = undefined;
      return 0;
    }
    const alive = await this.liveNodes();
    const before = this.lastAlive;
    this.lastAlive = alive;
    const someoneLeft = !before || [...before].some((n) => !alive.has(n));
    if (!someoneLeft && this.suspects.size === 0 && ++this.sinceFullScan < FULL_SCAN_EVERY) return 0;
    this.sinceFullScan = 0;
    const orphans = new Map<string, string[]>();
    for await (const page of this.presence.entries()) {
      for (const [deviceId, node] of page) {
        if (alive.has(node)) continue;
        let list = orphans.get(node);
        if (!list) orphans.set(node, (list = []));
        list.push(deviceId);
      }
    }
    for (const node of await this.scanNodes(SUBS_KEY_PATTERN, subsNodeOf)) if (!alive.has(node) && !orphans.has(node)) orphans.set(node, []);
    let marked = 0;
    const now = this.clock.now();
    const suspects = new Map<string, number>();
    for (const [node, devices] of orphans) {
      const since = this.suspects.get(node) ?? now;
      suspects.set(node, since);
      if (now - since < GRACE_MS) continue;
      await this.redis.multi().del(subsKey(node)).publish(BUS_ALL, JSON.stringify({ type: 'subs', node })).exec();
      for (let i = 0; i < devices.length; i += BATCH) {
        const batch = devices.slice(i, i + BATCH);
        const won = await Promise.all(batch.map((id) => this.presence.release(id, node)));
        batch.forEach((id, j) => { if (won[j]) { marked++; this.offline(id, node); } });
      }
    }
    this.suspects = suspects;
    return marked;
  }

  private async liveNodes(): Promise<Set<string>> {
    return new Set([this.presence.node, ...(await this.scanNodes(NODE_KEY_PATTERN, nodeNameOf))]);
  }

  /** The node names in the keys matching `pattern`. */
  private async scanNodes(pattern: string, nameOf: (key: string) => string | undefined): Promise<string[]> {
    const names: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const k of keys) {
        const name = nameOf(k);
        if (name !== undefined) names.push(name);
      }
    } while (cursor !== '0');
    return names;
  }
}
