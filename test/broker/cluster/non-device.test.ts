/**
 * Messages for non-device clients across broker nodes (issue 20, item 1; broker/cluster/forward.ts): two in-process
 * `broker,gateway` nodes on one PostgreSQL registry, one Redis and one InfluxDB, with the bench subscriber account
 * standing for the non-device clients (integration accounts, issue 22, plug into broker/auth/non-device.ts).
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUS_ALL, subsKey } from '../../../lib/cluster-keys.js';
import { createLogger } from '../../../lib/logger.js';
import { openRedis } from '../../../lib/redis.js';
import { topics } from '../../../protocol/index.js';
import { influxOptions } from '../../helpers/influx.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { connectDevice, seedSchool, startTestStack, type TestStack } from '../../helpers/stack.js';
import { waitFor } from '../../helpers/wait.js';

const BENCH = { user: 'bench-subscriber', secret: 'bench-secret-0123456789' };

/** A non-device client: resolves once connected, with the CONNACK's session-present flag; messages collected from the start. */
function connectSubscriber(port: number, extra: IClientOptions = {}): Promise<{ c: MqttClient; sessionPresent: boolean; got: [string, string][] }> {
  const got: [string, string][] = [];
  const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: BENCH.user, username: BENCH.user, password: BENCH.secret, reconnectPeriod: 0, ...extra });
  c.on('message', (t, p) => got.push([t, p.toString('utf8')]));
  return new Promise((resolve, reject) => {
    c.once('connect', (ack) => resolve({ c, sessionPresent: ack.sessionPresent, got }));
    c.once('error', (err) => { c.end(true); reject(err); });
  });
}

describe('non-device clients on several broker nodes', () => {
  let pg: TestPostgres;
  let redis: TestRedis;
  let one: TestStack;
  let two: TestStack;
  let roomId: number;
  const clients: MqttClient[] = [];

  const device = async (port: number) => {
    const { device: d, secret } = await one.registry.addDevice({ kind: 'tablet', roomId });
    await waitFor(`device ${d.id} in both directories`, () => one.directory.get(d.id) && two.directory.get(d.id));
    const c = await connectDevice(`mqtt://127.0.0.1:${port}`, d.id, secret!);
    clients.push(c);
    return { id: d.id, c, reading: (ts: number) => c.publishAsync(topics.telemetry(d.id), JSON.stringify({ ts, battery: ts % 100 }), { qos: 1 }) };
  };
  const stored = async (id: string) => (await one.influx.query<{ count: number }>(`SELECT count(battery) FROM telemetry_tablet WHERE device = '${id}'`))[0]?.count ?? 0;
  /** Node `s` knows (or no longer knows) that the other node's subscriber wants this topic. */
  const heardElsewhere = (s: TestStack, topic: string, yes = true) => waitFor(`${topic} ${yes ? '' : 'not '}wanted elsewhere`, () => s.broker!.crossNode!.heardElsewhere(topic) === yes);
  const payloads = (got: [string, string][], id: string) => got.filter(([t]) => t === topics.telemetry(id)).map(([, p]) => (JSON.parse(p) as { ts: number }).ts);

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    const url = await pg.createDatabase();
    const shared = { registry: { url }, redis: { url: redis.url, presenceCheckMs: 300 }, mqtt: { benchSubscriber: `${BENCH.user}:${BENCH.secret}` } };
    one = await startTestStack({ only: ['broker', 'gateway'], overrides: { ...shared, node: { name: 'node-1' } } });
    two = await startTestStack({ only: ['broker', 'gateway'], overrides: { ...shared, node: { name: 'node-2' }, influx: influxOptions(one) } });
    roomId = (await seedSchool(one.registry)).room.id;
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await two?.close();
    await one?.close();
    await redis?.close();
    await pg?.stop();
  });

  it('skips a QoS 1 publish nobody hears on any node, and does not skip it once a subscriber on node 2 wants it', async () => {
    const d = await device(one.broker!.port);
    const skipped = () => one.broker!.shortcut!.skipped;
    let ts = Date.now() - 3_600_000;
    const before = skipped();
    await waitFor('a publish that skips delivery', async () => { await d.reading(ts++); return skipped() > before; });

    const { c: sub, got } = await connectSubscriber(two.broker!.port);
    try {
      await sub.subscribeAsync(topics.telemetry('+'), { qos: 1 });
      await heardElsewhere(one, topics.telemetry(d.id));
      const skippedBefore = skipped();
      const last = ts++;
      await d.reading(last);
      expect(skipped()).toBe(skippedBefore);
      await waitFor('the reading on node 2', () => payloads(got, d.id).includes(last));
    } finally {
      await sub.endAsync();
    }
    await heardElsewhere(one, topics.telemetry(d.id), false);
  });

  it("delivers a device's telemetry published on node 1 to the subscriber on node 2 exactly once, and stores it once", async () => {
    const d = await device(one.broker!.port);
    const { c: sub, got } = await connectSubscriber(two.broker!.port);
    try {
      await sub.subscribeAsync(topics.telemetry('+'), { qos: 1 });
      await heardElsewhere(one, topics.telemetry(d.id));
      const t0 = Date.now() - 3_600_000;
      const sent = [0, 1, 2, 3, 4, 5].map((i) => t0 + i * 1000);
      for (const ts of sent) await d.reading(ts);
      // Forwards leave node 1 in order on one connection: a duplicate would come before the last reading.
      await waitFor('the last reading on node 2', () => payloads(got, d.id).includes(sent.at(-1)!));
      expect(payloads(got, d.id)).toEqual(sent);
      await waitFor('every reading in InfluxDB', async () => (await stored(d.id)) === sent.length);
      // Ingested by node 1 only: node 2's gateway never saw the device.
      expect(one.gateway!.live.get(d.id)?.latest?.battery).toBe(sent.at(-1)! % 100);
      expect(two.gateway!.live.get(d.id)).toBeUndefined();
    } finally {
      await sub.endAsync();
    }
  });

  it('hands a persistent session made on node 1 over to node 2 when its client comes back there, with what devices published meanwhile on either node', async () => {
    const [d1, d2] = [await device(one.broker!.port), await device(two.broker!.port)];
    const first = await connectSubscriber(one.broker!.port, { clean: false });
    await first.c.subscribeAsync(topics.telemetry('+'), { qos: 1 });
    await heardElsewhere(two, topics.telemetry(d2.id));
    await first.c.endAsync();

    const t0 = Date.now() - 3_600_000;
    await d1.reading(t0);
    await d2.reading(t0 + 1000);
    const back = await connectSubscriber(two.broker!.port, { clean: false });
    try {
      expect(back.sessionPresent).toBe(true);
      await waitFor('both queued readings', () => payloads(back.got, d1.id).length === 1 && payloads(back.got, d2.id).length === 1);
      expect([...payloads(back.got, d1.id), ...payloads(back.got, d2.id)]).toEqual([t0, t0 + 1000]);
      // The session is node 2's now: node 1 sends it what its devices publish.
      await heardElsewhere(one, topics.telemetry(d1.id));
      await d1.reading(t0 + 2000);
      await waitFor('a live reading from node 1', () => payloads(back.got, d1.id).includes(t0 + 2000));
      expect(payloads(back.got, d1.id)).toEqual([t0, t0 + 2000]);
    } finally {
      // A clean connection ends the persistent session, and its subscriptions with it.
      await back.c.endAsync();
      const clean = await connectSubscriber(one.broker!.port, { clean: true });
      expect(clean.sessionPresent).toBe(false);
      await clean.c.endAsync();
      await heardElsewhere(one, topics.telemetry(d1.id), false);
      await heardElsewhere(two, topics.telemetry(d2.id), false);
    }
  });

  it('forgets the subscriptions of a node whose heartbeat is gone', async () => {
    const r = openRedis(redis.url, { name: 'test', log: createLogger('silent') });
    await r.connect();
    try {
      // What a SIGKILLed node leaves behind: its hash, and no heartbeat key.
      await r.multi().hset(subsKey('node-ghost'), topics.status('+'), 1).publish(BUS_ALL, JSON.stringify({ type: 'subs', node: 'node-ghost' })).exec();
      await heardElsewhere(one, topics.status('tab-ghost'));
      // Two heartbeats of grace, then a dead-node check.
      await heardElsewhere(one, topics.status('tab-ghost'), false);
      expect(await r.exists(subsKey('node-ghost'))).toBe(0);
    } finally {
      r.disconnect();
    }
  });

  it('keeps delivering on each node and storing every reading while Redis is down, and delivers across nodes again once it is back', async () => {
    const [d1, d2] = [await device(one.broker!.port), await device(two.broker!.port)];
    const { c: sub, got } = await connectSubscriber(two.broker!.port);
    try {
      await sub.subscribeAsync(topics.telemetry('+'), { qos: 1 });
      await heardElsewhere(one, topics.telemetry(d1.id));

      await redis.stop();
      const t0 = Date.now() - 3_600_000;
      await d2.reading(t0);
      await d1.reading(t0 + 1000);
      await waitFor('the local reading on node 2', () => payloads(got, d2.id).includes(t0));
      await waitFor('both readings in InfluxDB', async () => (await stored(d1.id)) === 1 && (await stored(d2.id)) === 1);
      await waitFor('node 1 degraded on /healthz', () => one.health().find((c) => c.name === 'cluster-bus')?.state === 'degraded');

      await redis.start();
      let ts = t0 + 2000;
      await waitFor('a reading of node 1 on node 2 again', async () => {
        await d1.reading(ts++);
        return payloads(got, d1.id).some((t) => t > t0 + 1000);
      }, 30_000, 200);
    } finally {
      await sub.endAsync();
    }
  });
});
