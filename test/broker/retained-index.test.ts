/**
 * The retained-message index (broker/retained-index.ts) on a real aedes broker: a SUBSCRIBE gets the same retained
 * messages as without it, through the index when the pattern's first three levels are literal, through the store
 * otherwise; a cleared retained message is gone from both.
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexRetained, type RetainedStore } from '../../broker/retained-index.js';
import { filterMatches as topicMatches } from '../../protocol/index.js';
import { waitFor } from '../helpers/wait.js';

describe('the retained-message index', () => {
  let broker: Aedes;
  let server: net.Server;
  let url = '';
  let index: ReturnType<typeof indexRetained>;
  let publisher: MqttClient;

  beforeAll(async () => {
    broker = await Aedes.createBroker();
    index = indexRetained((broker as unknown as { persistence: RetainedStore }).persistence);
    server = net.createServer((s) => broker.handle(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    publisher = await mqtt.connectAsync(url, { clientId: 'pub', reconnectPeriod: 0 });
    for (const [topic, payload] of [['edu/v1/d1/status', 'online'], ['edu/v1/d1/attributes', '{}'], ['edu/v1/d2/status', 'sleep'], ['edu/v1/d10/status', 'online']]) {
      await publisher.publishAsync(topic!, payload!, { qos: 1, retain: true });
    }
  });
  afterAll(async () => {
    await publisher?.endAsync();
    await new Promise<void>((r) => broker.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  });

  /** What aedes's SUBSCRIBE handler reads for `patterns` (the store it calls, wrapped): every message, in full. */
  async function retainedFor(...patterns: string[]): Promise<string[]> {
    const packets = (await store().createRetainedStreamCombi(patterns).toArray()) as { topic: string; payload: Buffer }[];
    return packets.map((p) => `${p.topic}=${p.payload.toString()}`).sort();
  }
  const store = () => (broker as unknown as { persistence: RetainedStore }).persistence;

  it('delivers a device\'s retained messages to a new subscriber over MQTT', async () => {
    const c = await mqtt.connectAsync(url, { clientId: 'sub', reconnectPeriod: 0 });
    const got: string[] = [];
    c.on('message', (topic, payload, packet) => { if (packet.retain) got.push(`${topic}=${payload.toString()}`); });
    await c.subscribeAsync('edu/v1/d1/#', { qos: 1 });
    await waitFor('both retained messages of d1', () => got.length >= 2 || null);
    await c.endAsync();
    expect(got.sort()).toEqual(['edu/v1/d1/attributes={}', 'edu/v1/d1/status=online']);
  });

  it('serves literal-prefix patterns from the index and the others from the store, with the same messages', async () => {
    expect([...index.keys()].sort()).toEqual(['edu/v1/d1', 'edu/v1/d10', 'edu/v1/d2']);
    expect(await retainedFor('edu/v1/d1/cmd/#', 'edu/v1/d2/status')).toEqual(['edu/v1/d2/status=sleep']);
    expect(await retainedFor('edu/v1/d1/#')).toEqual(['edu/v1/d1/attributes={}', 'edu/v1/d1/status=online']);
    expect(await retainedFor('edu/v1/d1/status')).toEqual(['edu/v1/d1/status=online']);
    expect(await retainedFor('edu/v1/d1/cmd/#')).toEqual([]);
    expect(await retainedFor('edu/v1/+/status')).toEqual(['edu/v1/d1/status=online', 'edu/v1/d10/status=online', 'edu/v1/d2/status=sleep']);
  });

  it('forgets a retained message cleared with an empty payload', async () => {
    await publisher.publishAsync('edu/v1/d2/status', '', { qos: 1, retain: true });
    expect(await retainedFor('edu/v1/d2/#')).toEqual([]);
    expect(index.has('edu/v1/d2')).toBe(false);
    expect(await retainedFor('edu/v1/+/status')).toEqual(['edu/v1/d1/status=online', 'edu/v1/d10/status=online']);
  });

  it('matches topics as MQTT 3.1.1 does', () => {
    expect(topicMatches('edu/v1/d1/#', 'edu/v1/d1')).toBe(true);
    expect(topicMatches('edu/v1/d1/#', 'edu/v1/d1/cmd/x')).toBe(true);
    expect(topicMatches('edu/v1/d1/+', 'edu/v1/d1/cmd/x')).toBe(false);
    expect(topicMatches('edu/v1/d1/status', 'edu/v1/d1/status/x')).toBe(false);
    expect(topicMatches('edu/v1/d1/+/x', 'edu/v1/d1/cmd/x')).toBe(true);
  });
});
