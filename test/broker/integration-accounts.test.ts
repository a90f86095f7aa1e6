/**
 * What a standard MQTT 3.1.1 client does, through an integration account (broker/auth/integration.ts): one test per
 * behaviour the Eclipse Paho interoperability suite checks, with its client ids and topics, against the real broker
 * and real mqtt.js clients (docs/integration.md runs the suite itself).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { connectDevice, refusalCode, seedSchool, useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { addAccount, connectAccount, rawConnect, rawSubscribe, untilMarker } from './integration-helpers.js';

const PATTERNS = ['TopicA/#', 'Topic/#', '/#'];

describe('an integration account speaks MQTT 3.1.1 as the Paho suite expects', () => {
  const s = useTestStack();
  let secret = '';
  const open: MqttClient[] = [];
  const connect = async (clientId: string, extra: Parameters<typeof connectAccount>[4] = {}) => {
    const r = await connectAccount(s.mqttUrl, 'paho', secret, clientId, extra);
    open.push(r.client);
    return r;
  };

  beforeAll(async () => {
    secret = await addAccount(s, { name: 'paho', readPatterns: PATTERNS, writePatterns: PATTERNS });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.endAsync(true)));
  });

  it('accepts a zero-length client id with a clean session and refuses it with a persistent one (CONNACK 2)', async () => {
    const { client, got } = await connect('', { clean: true });
    // A working session: it hears its own publish.
    await client.subscribeAsync('TopicA', { qos: 1 });
    expect(await untilMarker(client, got, 'TopicA')).toEqual([]);
    const raw = await rawConnect(s.broker!.port, { clientId: '', username: 'paho', password: secret, clean: false, keepalive: 60 });
    raw.socket.destroy();
    expect(raw.returnCode).toBe(2);
  });

  it('refuses a client id outside the account\'s glob with CONNACK 2 and a wrong secret with CONNACK 4', async () => {
    const narrow = await addAccount(s, { name: 'paho-narrow', readPatterns: PATTERNS, writePatterns: [], clientIdPattern: 'myclientid*' });
    expect(await refusalCode(s.mqttUrl, 'myclientid2', 'paho-narrow', narrow)).toBe('accepted');
    expect(await refusalCode(s.mqttUrl, 'clean retained', 'paho-narrow', narrow)).toBe(2);
    expect(await refusalCode(s.mqttUrl, 'myclientid', 'paho-narrow', 'not-the-secret')).toBe(4);
  });

  it('keeps a persistent session: session present on reconnect, and what was published meanwhile is queued', async () => {
    const first = await connect('myclientid', { clean: false });
    expect(first.sessionPresent).toBe(false);
    await first.client.subscribeAsync('+/+', { qos: 2 });
    await first.client.endAsync();
    const b = await connect('myclientid2', { clean: true });
    await b.client.publishAsync('TopicA/B', 'qos 0', { qos: 0 });
    await b.client.publishAsync('Topic/C', 'qos 1', { qos: 1 });
    await b.client.publishAsync('TopicA/C', 'qos 2', { qos: 2 });
    const again = await connect('myclientid', { clean: false });
    const got = again.got;
    await waitFor('the queued messages', () => got.length >= 2);
    expect(again.sessionPresent).toBe(true);
    expect(got.map((m) => m.payload)).toEqual(expect.arrayContaining(['qos 1', 'qos 2']));
    // A clean connection ends the session.
    await again.client.endAsync();
    expect((await connect('myclientid', { clean: true })).sessionPresent).toBe(false);
  });

  it('keeps retained messages within its topics and clears them with an empty payload', async () => {
    const a = await connect('myclientid');
    await a.client.publishAsync('TopicA/B', 'qos 0', { qos: 0, retain: true });
    await a.client.publishAsync('Topic/C', 'qos 1', { qos: 1, retain: true });
    await a.client.publishAsync('TopicA/C', 'qos 2', { qos: 2, retain: true });
    const b = await connect('myclientid2');
    await b.client.subscribeAsync('+/+', { qos: 2 });
    await waitFor('three retained messages', () => b.got.length >= 3);
    expect(b.got.map((m) => `${m.topic}=${m.payload}${m.retain ? ' (retained)' : ''}`).sort())
      .toEqual(['Topic/C=qos 1 (retained)', 'TopicA/B=qos 0 (retained)', 'TopicA/C=qos 2 (retained)']);
    // At QoS 2 the exchange ends after the broker stored the message (a QoS 1 PUBACK comes before).
    for (const t of ['TopicA/B', 'Topic/C', 'TopicA/C']) await a.client.publishAsync(t, '', { qos: 2, retain: true });
    // A retained marker arrives with whatever else is retained under the filter: only it is left.
    await a.client.publishAsync('TopicA/M', 'marker', { qos: 2, retain: true });
    const c = await connect('clean retained');
    await c.client.subscribeAsync('+/+', { qos: 2 });
    await waitFor('the retained marker', () => c.got.length >= 1);
    expect(c.got.map((m) => m.topic)).toEqual(['TopicA/M']);
    await a.client.publishAsync('TopicA/M', '', { qos: 2, retain: true });
  });

  it('publishes a will when a client drops without DISCONNECT, and when its keepalive runs out', async () => {
    const b = await connect('myclientid2', { keepalive: 0 });
    await b.client.subscribeAsync(['Topic/C', '/TopicA'], { qos: 2 });
    const a = await connect('myclientid', { will: { topic: 'Topic/C', payload: Buffer.from('client not disconnected'), qos: 1, retain: false } });
    a.client.stream.destroy();
    await waitFor('the will of a dropped client', () => b.got.some((m) => m.payload === 'client not disconnected'));
    // A client that never sends PINGREQ: closed after 1.5 × its keepalive [MQTT-3.1.2-24], and its will published.
    const silent = await rawConnect(s.broker!.port, {
      clientId: 'myclientid', username: 'paho', password: secret, clean: true, keepalive: 1, will: { topic: '/TopicA', payload: 'keepalive expiry', qos: 1 },
    });
    expect(silent.returnCode).toBe(0);
    await waitFor('the will of a client whose keepalive ran out', () => b.got.some((m) => m.payload === 'keepalive expiry'), 10_000);
    silent.socket.destroy();
  });

  it('accepts a keepalive of 0 from an account and still refuses it from a device (CONNACK 2)', async () => {
    const { client } = await connect('myclientid', { keepalive: 0 });
    expect(client.connected).toBe(true);
    const { room } = await seedSchool(s.registry);
    const { device, secret: deviceSecret } = await s.registry.addDevice({ kind: 'sensor', roomId: room.id });
    await expect(connectDevice(s.mqttUrl, device.id, deviceSecret!, { keepalive: 0 })).rejects.toMatchObject({ code: 2 });
  });

  it('delivers a message matching two overlapping subscriptions once per subscription or once at the highest QoS', async () => {
    const a = await connect('myclientid');
    await a.client.subscribeAsync({ 'TopicA/#': { qos: 2 }, 'TopicA/+': { qos: 1 } });
    await a.client.publishAsync('TopicA/C', 'overlapping topic filters', { qos: 2 });
    const got = await untilMarker(a.client, a.got, 'TopicA/C', 2);
    const qos = got.map((m) => m.qos).sort();
    expect([[2], [1, 2]]).toContainEqual(qos);
  });

  it('delivers unacknowledged QoS 1 and 2 messages again when the persistent session reconnects', async () => {
    // A client that stops answering: what it is sent stays in flight (mqtt.js always acknowledges under 3.1.1).
    const b = await rawConnect(s.broker!.port, { clientId: 'myclientid2', username: 'paho', password: secret, clean: false, keepalive: 0 });
    const sub = await rawSubscribe(b.socket, 'TopicA/#', 2);
    const a = await connect('myclientid');
    await a.client.publishAsync('TopicA/B', 'qos 1', { qos: 1 });
    await a.client.publishAsync('TopicA/C', 'qos 2', { qos: 2 });
    await waitFor('both deliveries, unacknowledged', () => sub.received().includes('qos 1') && sub.received().includes('qos 2'));
    b.socket.destroy();
    const again = await connect('myclientid2', { clean: false });
    expect(again.sessionPresent).toBe(true);
    await waitFor('both messages again', () => again.got.length >= 2);
    expect(again.got.map((m) => m.payload).sort()).toEqual(['qos 1', 'qos 2']);
    await again.client.unsubscribeAsync('TopicA/#');
  });

  it('refuses a subscription its read patterns can never match with SUBACK 0x80 and keeps the client connected', async () => {
    const a = await connect('myclientid');
    // mqtt.js turns a 0x80 return code into an error that carries the SUBACK.
    const refused = await a.client.subscribeAsync('test/nosubscribe', { qos: 2 }).then(() => undefined, (err: { packet?: { granted?: number[] } }) => err.packet?.granted);
    expect(refused).toEqual([0x80]);
    const granted = await a.client.subscribeAsync('TopicA', { qos: 2 });
    expect(granted[0]!.qos).toBe(2);
  });

  it('gives a `#` subscription no `$` topics, and drops a publish on one without closing the connection', async () => {
    const b = await connect('myclientid2', { keepalive: 0 });
    await b.client.subscribeAsync('#', { qos: 2 });
    await b.client.publishAsync('$TopicA/B', 'dollar', { qos: 1 });
    await s.broker!.publishOwn('$SYS/edufleet/test', Buffer.from('broker'), { retain: false });
    expect(await untilMarker(b.client, b.got, 'TopicA/B')).toEqual([]);
    expect(b.client.connected).toBe(true);
  });

  it('stops delivering a filter once unsubscribed, and only that one', async () => {
    const b = await connect('myclientid2');
    await b.client.subscribeAsync(['TopicA', 'TopicA/B', 'Topic/C'], { qos: 2 });
    await b.client.unsubscribeAsync('TopicA');
    const a = await connect('myclientid');
    for (const t of ['TopicA', 'TopicA/B', 'Topic/C']) await a.client.publishAsync(t, t, { qos: 1 });
    expect((await untilMarker(a.client, b.got, 'Topic/C')).map((m) => m.payload)).toEqual(['TopicA/B', 'Topic/C']);
  });
});
