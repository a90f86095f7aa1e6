/**
 * Retained messages that several nodes need (issue 20 item 1, issue 22 item 1): what an integration account retains
 * on its topics, and an edge's retained state and bundles, are stored where they were published AND in one Redis hash
 * (`edufleet:retained`), so a client that subscribes on another node gets them, and a clear (an empty retained
 * payload) on any node clears them for all. Devices' own `status` and `attributes` stay node-local on purpose: there
 * are two per device, a reconnect storm subscribes 15,000 times, and their shared view is the presence and live hashes
 * (docs/architecture.md, "Retained messages").
 *
 * A device's SUBSCRIBE (`edu/v1/<id>/cmd/#`, a literal device prefix) never reads Redis. Any other SUBSCRIBE reads the
 * whole hash (few topics: accounts' and edges', not devices') and matches it. With Redis away, each node answers from
 * its own store (what was published on it), and a retained message stored meanwhile stays on its node until it is
 * published again.
 */
import { Readable } from 'node:stream';
import { RETAINED_KEY } from '../../lib/cluster-keys.js';
import type { Logger } from '../../lib/logger.js';
import { filterMatches } from '../../protocol/index.js';
import type { RetainedPacket, RetainedStore } from '../retained-index.js';
import type { ClusterBus } from './bus.js';

/** A device's own retained topics: `edu/v1/<device>/status` and `…/attributes` (protocol/topics.ts). */
const DEVICE_OWN = /^edu\/v1\/[^/]+\/(status|attributes)$/;
/** A pattern under one device's topics (`edu/v1/<id>/…`, the id literal, not the edges' branch). */
const DEVICE_PATTERN = /^edu\/v1\/(?!edge\/)[^/+#]+\//;

export const isShared = (topic: string): boolean => !DEVICE_OWN.test(topic);

interface Stored { payload: string; qos: number }

export interface SharedRetainedCounters { written: number; failed: number }

/** Wraps `store` (after broker/retained-index.ts) in place. */
export function shareRetained(store: RetainedStore, bus: ClusterBus, log: Logger): SharedRetainedCounters {
  const counters = { written: 0, failed: 0 };
  const store0 = store.storeRetained.bind(store);
  const combi0 = store.createRetainedStreamCombi.bind(store);
  const ready = () => (bus.redis?.status === 'ready' ? bus.redis : undefined);

  store.storeRetained = async (packet) => {
    await store0(packet);
    if (!isShared(packet.topic)) return;
    const redis = ready();
    try {
      if (!redis) throw new Error('Redis is not connected');
      if (packet.payload.length === 0) await redis.hdel(RETAINED_KEY, packet.topic);
      else await redis.hset(RETAINED_KEY, packet.topic, JSON.stringify({ payload: Buffer.from(packet.payload).toString('base64'), qos: packet.qos ?? 0 } satisfies Stored));
      counters.written++;
    } catch (err) {
      // The message is retained on this node still; other nodes see it once it is published again with Redis back.
      counters.failed++;
      log.warn({ err, topic: packet.topic }, 'retained message kept on this node only: Redis did not take it');
    }
  };

  store.createRetainedStreamCombi = (patterns) => {
    if (patterns.every((p) => DEVICE_PATTERN.test(p))) return combi0(patterns);
    const redis = ready();
    if (!redis) return combi0(patterns);
    return Readable.from((async function* merged() {
      let shared: Record<string, string>;
      try {
        shared = await redis.hgetall(RETAINED_KEY);
      } catch (err) {
        log.warn({ err }, 'retained messages of other nodes not read: Redis did not answer; this node\'s own are sent');
        for await (const packet of combi0(patterns)) yield packet as RetainedPacket;
        return;
      }
      // Devices' own from this node's store; every shared one from Redis (this node's copy may be stale).
      for await (const packet of combi0(patterns)) if (!isShared((packet as RetainedPacket).topic)) yield packet as RetainedPacket;
      for (const [topic, json] of Object.entries(shared)) {
        if (!patterns.some((p) => filterMatches(p, topic))) continue;
        const s = JSON.parse(json) as Stored;
        yield { cmd: 'publish', topic, payload: Buffer.from(s.payload, 'base64'), qos: s.qos, retain: true, dup: false, length: 0 } as RetainedPacket;
      }
    })());
  };
  return counters;
}
