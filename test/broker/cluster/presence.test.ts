/** The bus messages between broker nodes (broker/cluster/presence.ts): what a node accepts from its channel. */
import { describe, expect, it } from 'vitest';
import { parseBusMessage } from '../../../broker/cluster/presence.js';

describe('bus messages between broker nodes', () => {
  it('reads a command notice and a takeover, with or without the reassert mark', () => {
    expect(parseBusMessage('{"type":"command","deviceId":"tab-01"}')).toEqual({ type: 'command', deviceId: 'tab-01' });
    expect(parseBusMessage('{"type":"takeover","deviceId":"tab-01","node":"node-2","since":1700000000000}'))
      .toEqual({ type: 'takeover', deviceId: 'tab-01', node: 'node-2', since: 1700000000000 });
    expect(parseBusMessage('{"type":"takeover","deviceId":"tab-01","node":"node-2","since":5,"reassert":true}'))
      .toEqual({ type: 'takeover', deviceId: 'tab-01', node: 'node-2', since: 5, reassert: true });
  });

  it('reads a message forwarded for a non-device subscriber and a change of a node\'s subscriptions', () => {
    expect(parseBusMessage('{"type":"publish","node":"node-1","topic":"edu/v1/tab-01/telemetry","payload":"e30=","qos":1}'))
      .toEqual({ type: 'publish', node: 'node-1', topic: 'edu/v1/tab-01/telemetry', payload: 'e30=', qos: 1 });
    expect(parseBusMessage('{"type":"subs","node":"node-2"}')).toEqual({ type: 'subs', node: 'node-2' });
  });

  it('reads the request for a persistent session and its hand-over', () => {
    expect(parseBusMessage('{"type":"session-request","clientId":"bench","node":"node-2","nonce":"n1"}'))
      .toEqual({ type: 'session-request', clientId: 'bench', node: 'node-2', nonce: 'n1', discard: false });
    const packet = { topic: 'edu/v1/tab-01/telemetry', payload: 'e30=', qos: 1, retain: false, brokerId: 'b1', brokerCounter: 7 };
    const session = { type: 'session', clientId: 'bench', node: 'node-1', nonce: 'n1', subs: [{ topic: 'edu/v1/+/telemetry', qos: 1 }], packets: [packet] };
    expect(parseBusMessage(JSON.stringify(session))).toEqual(session);
    expect(parseBusMessage(JSON.stringify({ ...session, packets: [{ ...packet, brokerCounter: '7' }] }))).toBeUndefined();
  });

  it('ignores anything else rather than acting on it', () => {
    for (const text of ['', 'not json', 'null', '[]', '{"type":"command"}', '{"type":"takeover","deviceId":"x","node":"n"}',
      '{"type":"takeover","deviceId":"x","node":7,"since":1}', '{"type":"publish","deviceId":"x","payload":"…"}',
      '{"type":"publish","node":"n","topic":"t","payload":"e30=","qos":2}', '{"type":"subs"}']) {
      expect(parseBusMessage(text), text).toBeUndefined();
    }
  });
});
