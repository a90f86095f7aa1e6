/**
 * An index of the broker's retained messages by their first three topic levels (`edu/v1/<device>`), for the SUBSCRIBE
 * that every device sends after each CONNACK. aedes-persistence's in-memory store answers a SUBSCRIBE by testing the
 * pattern against every retained message (two per device: status and attributes), so a province of devices
 * reconnecting after a restart costs O(devices²) topic matches: about 1 µs each, minutes of CPU for 15,000 devices.
 * A pattern whose first three levels are literal (a device's `edu/v1/<id>/cmd/#`) only needs the messages under that
 * prefix; any other pattern (the bench subscriber's `edu/v1/+/telemetry`, `#`) goes to the store as before. The
 * store stays the source of truth: this mirrors what it stores. Worth offering upstream as a trie in aedes-persistence.
 */
import { Readable } from 'node:stream';
import { filterMatches } from '../protocol/index.js';

export interface RetainedPacket { topic: string; payload: Buffer; qos?: number }
export interface RetainedStore {
  storeRetained(packet: RetainedPacket): Promise<void>;
  createRetainedStreamCombi(patterns: string[]): Readable;
}

const PREFIX_LEVELS = 3;

/** The first three levels of a topic or pattern, or undefined when one of them is a wildcard (or there are fewer). */
function literalPrefix(topic: string): string | undefined {
  const levels = topic.split('/', PREFIX_LEVELS);
  if (levels.length < PREFIX_LEVELS || levels.some((l) => l === '+' || l === '#')) return undefined;
  return levels.join('/');
}

/** Wraps `store` (aedes's persistence) in place; returns the index, for tests. */
export function indexRetained(store: RetainedStore): Map<string, Map<string, RetainedPacket>> {
  const index = new Map<string, Map<string, RetainedPacket>>();
  const store0 = store.storeRetained.bind(store);
  const combi0 = store.createRetainedStreamCombi.bind(store);
  store.storeRetained = async (packet) => {
    await store0(packet);
    const prefix = literalPrefix(packet.topic);
    if (prefix === undefined) return;
    const under = index.get(prefix);
    if (packet.payload.length === 0) {
      under?.delete(packet.topic);
      if (under?.size === 0) index.delete(prefix);
    } else if (under) {
      under.set(packet.topic, { ...packet });
    } else {
      index.set(prefix, new Map([[packet.topic, { ...packet }]]));
    }
  };
  store.createRetainedStreamCombi = (patterns) => {
    const prefixes = patterns.map(literalPrefix);
    if (prefixes.some((p) => p === undefined)) return combi0(patterns);
    return Readable.from((function* matching() {
      for (const [i, pattern] of patterns.entries()) {
        for (const packet of index.get(prefixes[i]!)?.values() ?? []) if (filterMatches(pattern, packet.topic)) yield packet;
      }
    })());
  };
  return index;
}
