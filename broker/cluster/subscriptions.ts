/**
 * Which node wants which topics: the subscription filters of the non-device clients (integrations, the bench
 * subscriber) of this node, kept in Redis for the others (`edufleet:subs:<node>`, filter → clients), and those of
 * the other nodes, kept here (docs/architecture.md, "Several machines"). Devices' own subscriptions (each its
 * `cmd/#`) never come here: their commands cross nodes as device ids on the bus (join.ts), so 60,000 of them cost
 * Redis nothing and every publish is matched against the few filters of integrations only.
 *
 * A change of this node's filters is one MULTI (HSET or HDEL, then PUBLISH `subs` on BUS_ALL); a node that hears it
 * reads that node's hash again. Every `resyncMs` and whenever Redis comes back, a node writes its hash again if a
 * write was lost, and reads every hash again (an announcement lost in an outage, a dead node's hash deleted by the
 * dead-node check). The publish path reads only memory: `nodesFor` never waits for Redis.
 */
import { BUS_ALL, SUBS_KEY_PATTERN, subsKey, subsNodeOf } from '../../lib/cluster-keys.js';
import type { Redis } from '../../lib/redis.js';
import { filterMatches } from '../../protocol/index.js';

/** Topics whose matching nodes are remembered at most (device ids × channels, command results). */
const MAX_TOPICS = 100_000;
const NONE: readonly string[] = [];

export class SubscriptionTable {
  /** This node's non-device clients and their filters (a persistent session's stay while it is away). */
  private readonly clients = new Map<string, Set<string>>();
  /** Filter → how many of this node's non-device clients hold it. */
  private readonly counts = new Map<string, number>();
  /** The other nodes' filters. */
  private remote = new Map<string, Set<string>>();
  /** Topic → the nodes that want it, for the current `remote`. */
  private readonly matched = new Map<string, readonly string[]>();
  /** A write of this node's hash failed: the next resync writes it whole. */
  private dirty = true;

  constructor(
    readonly node: string,
    /** Runs a Redis call that nobody waits for (ClusterBus.run: a failure shows on /healthz). */
    private readonly run: (context: string, fn: (r: Redis) => Promise<unknown>) => void,
    /** The set of other nodes' filters changed (the publish shortcut's answers are stale). */
    private readonly changed: () => void,
  ) {}

  /** The other nodes with a non-device subscription matching `topic` (never `$SYS/…` [MQTT-4.7.2-1]). */
  nodesFor(topic: string): readonly string[] {
    // The usual case on every device publish when no integration is connected anywhere: nothing to look up or remember.
    if (!this.remote.size) return NONE;
    let nodes = this.matched.get(topic);
    if (nodes) return nodes;
    const found: string[] = [];
    if (topic[0] !== '$') {
      for (const [node, filters] of this.remote) {
        for (const f of filters) if (filterMatches(f, topic)) { found.push(node); break; }
      }
    }
    nodes = found;
    if (this.matched.size >= MAX_TOPICS) this.matched.clear();
    this.matched.set(topic, nodes);
    return nodes;
  }

  /** A non-device client of this node subscribed to these filters. */
  add(clientId: string, filters: readonly string[]): void {
    let mine = this.clients.get(clientId);
    if (!mine) this.clients.set(clientId, (mine = new Set()));
    const changed: string[] = [];
    for (const f of filters) {
      if (mine.has(f)) continue;
      mine.add(f);
      const n = (this.counts.get(f) ?? 0) + 1;
      this.counts.set(f, n);
      if (n === 1) changed.push(f);
    }
    this.write(changed);
  }

  /** A non-device client of this node unsubscribed from these filters, or (without) its session ended. */
  remove(clientId: string, filters?: readonly string[]): void {
    const mine = this.clients.get(clientId);
    if (!mine) return;
    const changed: string[] = [];
    for (const f of filters ?? [...mine]) {
      if (!mine.delete(f)) continue;
      const n = (this.counts.get(f) ?? 1) - 1;
      if (n > 0) this.counts.set(f, n);
      else { this.counts.delete(f); changed.push(f); }
    }
    if (!mine.size) this.clients.delete(clientId);
    this.write(changed);
  }

  /** Another node announced a change: read its hash. */
  reload(node: string): void {
    if (node === this.node) return;
    this.run('subscriptions read', async (r) => {
      const filters = Object.keys(await r.hgetall(subsKey(node)));
      const next = new Map(this.remote);
      if (filters.length) next.set(node, new Set(filters)); else next.delete(node);
      this.replace(next);
    });
  }

  /** Writes this node's hash again if a write was lost (`force`: Redis is back, perhaps empty), and reads every other. */
  resync(force = false): void {
    if (force) this.dirty = true;
    if (this.dirty) {
      this.dirty = false;
      this.run('subscriptions write', (r) => this.writeAll(r).catch((err: unknown) => { this.dirty = true; throw err; }));
    }
    this.run('subscriptions read', async (r) => {
      const { others, ownSeen } = await readAll(r, this.node);
      // Deleted behind this node's back (taken for dead while its heartbeat lagged, a Redis restored from a dump).
      if (!ownSeen && this.counts.size) this.dirty = true;
      this.replace(others);
    });
  }

  /** This node leaves: its hash goes, and the others hear it. */
  async leave(r: Redis | undefined): Promise<void> {
    this.clients.clear();
    this.counts.clear();
    if (r?.status === 'ready') await r.multi().del(subsKey(this.node)).publish(BUS_ALL, announce(this.node)).exec().catch(() => undefined);
  }

  private write(filters: readonly string[]): void {
    if (!filters.length) return;
    this.run('subscriptions write', async (r) => {
      const m = r.multi();
      for (const f of filters) {
        const n = this.counts.get(f);
        if (n) m.hset(subsKey(this.node), f, n); else m.hdel(subsKey(this.node), f);
      }
      await m.publish(BUS_ALL, announce(this.node)).exec().catch((err: unknown) => { this.dirty = true; throw err; });
    });
  }

  private async writeAll(r: Redis): Promise<void> {
    const m = r.multi().del(subsKey(this.node));
    if (this.counts.size) m.hset(subsKey(this.node), Object.fromEntries(this.counts));
    await m.publish(BUS_ALL, announce(this.node)).exec();
  }

  private replace(next: Map<string, Set<string>>): void {
    if (sameFilters(this.remote, next)) return;
    this.remote = next;
    this.matched.clear();
    this.changed();
  }
}

const announce = (node: string): string => JSON.stringify({ type: 'subs', node });

/** Every other node's filters (SCAN, then one HGETALL per node: a handful of nodes). */
async function readAll(r: Redis, self: string): Promise<{ others: Map<string, Set<string>>; ownSeen: boolean }> {
  const out = new Map<string, Set<string>>();
  let ownSeen = false;
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', SUBS_KEY_PATTERN, 'COUNT', 1000);
    cursor = next;
    for (const k of keys) {
      const node = subsNodeOf(k);
      if (node === self) ownSeen = true;
      if (node === undefined || node === self) continue;
      const filters = Object.keys(await r.hgetall(k));
      if (filters.length) out.set(node, new Set(filters));
    }
  } while (cursor !== '0');
  return { others: out, ownSeen };
}

function sameFilters(a: Map<string, Set<string>>, b: Map<string, Set<string>>): boolean {
  if (a.size !== b.size) return false;
  for (const [node, fa] of a) {
    const fb = b.get(node);
    if (!fb || fb.size !== fa.size) return false;
    for (const f of fa) if (!fb.has(f)) return false;
  }
  return true;
}
