import { Emitter } from '@socket.io/redis-emitter';
import { LIVE_KEY } from '../lib/cluster-keys.js';
import { guardedInterval, Health, type Component, type ComponentHealth } from '../lib/component.js';
import type { Logger } from '../lib/logger.js';
import { connectRedis, openRedis, type Redis } from '../lib/redis.js';
import { encodeLive, LIVE_BATCH_EVENT, liveEntry } from './live-store.js';
import type { LiveState } from './live-state.js';

const HSET_CHUNK = 1000;

export interface LivePublisherOptions {
  live: LiveState;
  /** `redis.url`. */
  url: string;
  /** This node's name (Redis' CLIENT LIST). */
  nodeName: string;
  /** The live tick (`dashboard.liveDeviceIntervalMs`): how often the changes are written and announced. */
  intervalMs: number;
  log: Logger;
}

/**
 * Puts a gateway node's live state where every dashboard sees it (issue 20): once per live tick, the devices that
 * changed since the last tick are written to the hash `edufleet:live` in ONE pipeline (an HSET per thousand) and
 * announced to the dashboards in ONE message (a Socket.IO server-side event through `@socket.io/redis-emitter`),
 * so a burst of readings costs two Redis round trips per tick, whatever the message rate.
 *
 * Redis is never on the durable path: a tick that cannot reach Redis leaves its changes for the next one (the
 * written version does not move), the gateway keeps ingesting, and the first tick after Redis returns writes and
 * announces everything that changed meanwhile. /healthz shows this component degraded in between.
 */
export class LivePublisher implements Component {
  readonly name = 'live-fanout';
  private readonly health_: Health;
  private redis: Redis | undefined;
  private emitter: Emitter | undefined;
  private stopTimer: (() => void) | undefined;
  /** Every change up to this version is in Redis. */
  private written = 0;
  /** Redis came back: the next tick writes every device, whatever `written` says. */
  private rewrite = false;
  private ticks = 0;

  constructor(private readonly o: LivePublisherOptions) {
    this.health_ = new Health(this.name, o.log);
  }

  async start(): Promise<void> {
    const redis = openRedis(this.o.url, { name: `edufleet:${this.o.nodeName}:live`, log: this.o.log });
    await connectRedis(redis, this.o.url);
    this.redis = redis;
    // Redis back after an outage may have lost the hash (a restart without persistence): the next tick writes every
    // device again, not only those that changed meanwhile.
    redis.on('ready', () => { this.rewrite = true; });
    // The emitter only calls publish and drops its promise: without a catch, Redis going away would be an
    // unhandled rejection, which ends a Node process. The error is thrown again by the tick that awaits it.
    this.emitter = new Emitter({ publish: (channel: string, msg: string) => redis.publish(channel, msg).catch(() => 0) });
    this.stopTimer = guardedInterval(this.health_, 'live state to Redis', this.o.intervalMs, () => this.flush());
    this.health_.started();
  }

  /** One tick: the changes since the last written version, one HSET, one announcement. */
  async flush(): Promise<void> {
    const { live } = this.o;
    const redis = this.redis;
    const version = live.currentVersion;
    if (!redis || !this.emitter || (version === this.written && !this.rewrite)) return;
    const all = this.rewrite;
    this.rewrite = false;
    const changed = live.changedSince(all ? 0 : this.written);
    // One pipeline, an HSET per thousand devices: a full rewrite after an outage stays a few bounded commands.
    const pipeline = redis.pipeline();
    for (let i = 0; i < changed.length; i += HSET_CHUNK) {
      const pairs: string[] = [];
      for (const d of changed.slice(i, i + HSET_CHUNK)) pairs.push(d.id, encodeLive(d));
      pipeline.hset(LIVE_KEY, ...pairs);
    }
    try {
      for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
    } catch (err) {
      this.rewrite ||= all;
      throw err;
    }
    this.written = version;
    this.ticks += 1;
    // Sent as plain objects: the dashboards validate each entry (parseLive) as they do the hash's.
    this.emitter.serverSideEmit(LIVE_BATCH_EVENT, changed.map(liveEntry));
  }

  async stop(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = undefined;
    const redis = this.redis;
    this.redis = undefined;
    this.emitter = undefined;
    // QUIT when connected; while Redis is away there is nothing to say goodbye to (and QUIT would wait for it).
    if (redis?.status === 'ready') await redis.quit().catch(() => redis.disconnect());
    else redis?.disconnect();
    this.health_.stopped();
  }

  health(): ComponentHealth {
    return { ...this.health_.snapshot(), counters: { ticks: this.ticks } };
  }
}
