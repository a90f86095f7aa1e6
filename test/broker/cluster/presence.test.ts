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

  it('ignores anything else rather than acting on it', () => {
    for (const text of ['', 'not json', 'null', '[]', '{"type":"command"}', '{"type":"takeover","deviceId":"x","node":"n"}',
      '{"type":"takeover","deviceId":"x","node":7,"since":1}', '{"type":"publish","deviceId":"x","payload":"…"}']) {
      expect(parseBusMessage(text), text).toBeUndefined();
    }
  });
});
