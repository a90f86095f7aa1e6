/** The shared Redis names and the node heartbeat's format (lib/cluster-keys.ts). */
import { describe, expect, it } from 'vitest';
import { BUS_ALL, busChannel, LIVE_KEY, NODE_KEY_PATTERN, nodeKey, nodeNameOf, parseHeartbeat, PRESENCE_KEY, SESSIONS_KEY, SUBS_KEY_PATTERN, subsKey, subsNodeOf, type NodeHeartbeat } from '../../lib/cluster-keys.js';

const beat: NodeHeartbeat = {
  name: 'broker-1', pid: 4242, host: 'may-chu-1', startedAt: 1_765_000_000_000, at: 1_765_000_002_000,
  components: [{ name: 'gateway', state: 'ok' }, { name: 'redis', state: 'degraded' }], connections: 118, spool: { bytes: 2048, oldestMs: 1500 },
};

describe('the cluster keys', () => {
  it('spells every shared key and channel under edufleet:', () => {
    expect([nodeKey('broker-1'), NODE_KEY_PATTERN, PRESENCE_KEY, busChannel('broker-1'), BUS_ALL, LIVE_KEY])
      .toEqual(['edufleet:node:broker-1', 'edufleet:node:*', 'edufleet:presence', 'edufleet:bus:broker-1', 'edufleet:bus:all', 'edufleet:live']);
    expect(nodeNameOf(nodeKey('broker-1'))).toBe('broker-1');
    expect(nodeNameOf(PRESENCE_KEY)).toBeUndefined();
    expect([subsKey('broker-1'), SUBS_KEY_PATTERN, subsNodeOf(subsKey('broker-1')), subsNodeOf(nodeKey('broker-1')), SESSIONS_KEY])
      .toEqual(['edufleet:subs:broker-1', 'edufleet:subs:*', 'broker-1', undefined, 'edufleet:sessions']);
  });

  it('reads back a heartbeat it wrote, and one of a node without broker or gateway', () => {
    expect(parseHeartbeat(JSON.stringify(beat))).toEqual(beat);
    const dashboard = { ...beat, connections: null, spool: null };
    expect(parseHeartbeat(JSON.stringify(dashboard))).toEqual(dashboard);
  });

  it('reads anything else as no heartbeat rather than failing', () => {
    for (const bad of ['', 'not json', 'null', '[]', JSON.stringify({ ...beat, pid: '4242' }), JSON.stringify({ ...beat, components: [{ name: 'x', state: 'broken' }] }), JSON.stringify({ ...beat, spool: { bytes: 1 } })]) {
      expect(parseHeartbeat(bad), bad).toBeUndefined();
    }
  });
});
