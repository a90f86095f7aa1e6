import { createAdapter } from '@socket.io/redis-adapter';
import type { LiveDevice } from '../../gateway/live-state.js';
import { parseLive, type LiveLookup } from '../../gateway/live-store.js';
import { LIVE_KEY } from '../../lib/cluster-keys.js';
import { Health, type Component, type ComponentHealth } from '../../lib/component.js';
import type { Logger } from '../../lib/logger.js';
import { connectRedis, openRedis, type Redis } from '../../lib/redis.js';

export interface LiveFeedOptions {
  /** `redis.url`. */
  url: string;
  /** This node's name (Redis' CLIENT LIST). */
  nodeName: string;
  log: Logger;
}

/**
 * A dashboard's view of the province's live state when the deployment shares Redis (issue 20): the Socket.IO Redis
 * adapter that hands the nodes' live batches to the live hub, and the reads of the hash `edufleet:live` for the
 * REST answers (one HMGET per page, never one GET per device).
 *
 * Redis down: the dashboard keeps serving. A read that fails answers what this dashboard last read or was sent
 * for those devices (kept per device, so at most one entry per device of the province); this component is degraded
 * on /healthz from the moment a connection drops (or a read fails) until both connections are back or a read
 * succeeds; the adapter's subscriber connection re-subscribes by itself when Redis returns (ioredis), and its
 * broadcasts to the other dashboards are dropped meanwhile (counted), not left to end the process.
 */
/** How long after Redis is back (both connections ready) the hash is read again. */
const RESYNC_DELAY_MS = 200;

export class LiveFeed implements Component {
  readonly name = 'live-feed';
  private readonly state: Health;
  private pub: Redis | undefined;
  private sub: Redis | undefined;
  /** The last entry seen of each device, answered while Redis cannot be read. */
  private readonly lastKnown = new Map<string, LiveDevice>();
  private staleReads = 0;
  /** Broadcasts to the other dashboards that Redis could not take (each dashboard still pushed to its own sockets). */
  private droppedBroadcasts = 0;
  /** The subscriber was away: the nodes' batches of that time are lost to this dashboard, so read the hash once back. */
  private missed = false;
  private resynced: ((devices: LiveDevice[]) => void) | undefined;

  constructor(private readonly o: LiveFeedOptions) {
    this.state = new Health(this.name, o.log);
  }

  async start(): Promise<void> {
    const pub = openRedis(this.o.url, { name: `edufleet:${this.o.nodeName}:live-pub`, log: this.o.log });
    const sub = openRedis(this.o.url, { name: `edufleet:${this.o.nodeName}:live-sub`, log: this.o.log, subscriber: true });
    try {
      await connectRedis(pub, this.o.url);
      await connectRedis(sub, this.o.url);
    } catch (err) {
      pub.disconnect();
      sub.disconnect();
      throw err;
    }
    this.pub = pub;
    this.sub = sub;
    // The nodes' live batches arrive on the subscriber: while either connection is down, what the pages show may be
    // stale even if nobody reads the hash, so /healthz says so at once, and ok again once both are back.
    sub.on('close', () => { this.missed = true; });
    for (const c of [pub, sub]) {
      // A read that failed first keeps its own error (the more telling one); a drop then adds nothing.
      c.on('close', () => { if (!this.state.degraded) this.state.fail(new Error(`Redis connection closed (${c.status})`), 'live feed from Redis'); });
      c.on('ready', () => {
        if (pub.status !== 'ready' || sub.status !== 'ready') return;
        this.state.ok();
        // After ioredis has sent the subscriber's SUBSCRIBEs again (it does right after 'ready'): a batch published
        // from then on arrives, one published before is in the hash.
        if (this.missed) setTimeout(() => void this.resync(), RESYNC_DELAY_MS).unref();
      });
    }
    this.state.started();
  }

  /** The Socket.IO adapter for the live hub's server (after start). */
  adapter(): ReturnType<typeof createAdapter> {
    if (!this.pub || !this.sub) throw new Error('live feed not started');
    const dropped = () => { this.droppedBroadcasts += 1; };
    return createAdapter(quiet(this.pub, PUBLISH, dropped), quiet(this.sub, SUBSCRIPTIONS, () => undefined));
  }

  /** True while the last read of the hash failed: what the dashboard shows may be stale. */
  get stale(): boolean {
    return this.state.degraded;
  }

  /** The entries of these devices, in one HMGET; what was last seen of them when Redis cannot be read. */
  async snapshot(ids: readonly string[]): Promise<LiveLookup> {
    const found = new Map<string, LiveDevice>();
    if (ids.length === 0) return found;
    try {
      if (!this.pub) throw new Error('live feed not started');
      const values = await this.pub.hmget(LIVE_KEY, ...ids);
      values.forEach((v, i) => {
        const d = v === null ? undefined : parseLive(v);
        if (d && d.id === ids[i]) found.set(d.id, d);
      });
      for (const [id, d] of found) this.lastKnown.set(id, d);
      this.state.ok();
      return found;
    } catch (err) {
      this.staleReads += 1;
      this.state.fail(err, 'live state read from Redis');
      return this.lastKnown;
    }
  }

  /** Told, after an outage of the subscriber, of every device whose entry in the hash differs from what it last saw. */
  onResync(fn: (devices: LiveDevice[]) => void): void {
    this.resynced = fn;
  }

  /** Reads the whole hash in pages (HSCAN: Redis serves others between them) and hands on what changed meanwhile. */
  private async resync(): Promise<void> {
    if (!this.missed || !this.pub) return;
    this.missed = false;
    const changed: LiveDevice[] = [];
    try {
      let cursor = '0';
      do {
        const [next, flat] = await this.pub.hscan(LIVE_KEY, cursor, 'COUNT', 1000);
        cursor = next;
        for (let i = 0; i + 1 < flat.length; i += 2) {
          const d = parseLive(flat[i + 1]!);
          if (!d || d.id !== flat[i]) continue;
          const before = this.lastKnown.get(d.id);
          if (!before || JSON.stringify(before) !== JSON.stringify(d)) changed.push(d);
          this.lastKnown.set(d.id, d);
        }
      } while (cursor !== '0');
    } catch (err) {
      this.missed = true; // read again when Redis is next ready
      this.state.fail(err, 'live state read from Redis after an outage');
      return;
    }
    if (changed.length) this.resynced?.(changed);
  }

  /** Remembers what a node's batch said (the hub calls it), so an outage answers the latest values this process saw. */
  remember(devices: readonly LiveDevice[]): void {
    for (const d of devices) this.lastKnown.set(d.id, d);
  }

  async stop(): Promise<void> {
    const clients = [this.pub, this.sub];
    this.pub = this.sub = undefined;
    // QUIT when connected; while Redis is away there is nothing to say goodbye to (and the subscriber's QUIT would wait for it).
    for (const c of clients) {
      if (c?.status === 'ready') await c.quit().catch(() => c.disconnect());
      else c?.disconnect();
    }
    this.state.stopped();
  }

  health(): ComponentHealth {
    return { ...this.state.snapshot(), counters: { staleReads: this.staleReads, devicesKnown: this.lastKnown.size, droppedBroadcasts: this.droppedBroadcasts } };
  }
}

/** What the adapter sends on its publisher connection, and on its subscriber connection. */
const PUBLISH = new Set(['publish']);
const SUBSCRIPTIONS = new Set(['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe']);

/**
 * A connection as the Socket.IO adapter sees it, with the failures of `methods` caught: the adapter calls publish
 * for every broadcast or cross-dashboard request, and (un)subscribes when it starts and closes, and drops those
 * promises. While Redis is away each one rejects (no offline queue on the publisher, lib/redis.ts; the subscriber's
 * queue is flushed with an error when the dashboard stops), and an unhandled rejection ends a Node process. Today's
 * pushes all go to this dashboard's own sockets (`io.local`), so the publisher's guard is for the first one that does
 * not: a Redis outage must not take a dashboard down. A broadcast still reaches this dashboard's own sockets.
 */
function quiet(client: Redis, methods: ReadonlySet<string | symbol>, failed: () => void): Redis {
  return new Proxy(client, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop);
      if (typeof v !== 'function') return v;
      // Methods run on the client itself, not on the proxy (ioredis keeps its state on `this`).
      const fn = (v as (...a: unknown[]) => unknown).bind(target);
      if (!methods.has(prop)) return fn;
      return (...args: unknown[]) => {
        const r = fn(...args);
        return r instanceof Promise ? r.catch(() => { failed(); return 0; }) : r;
      };
    },
  });
}
