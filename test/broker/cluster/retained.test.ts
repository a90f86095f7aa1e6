/**
 * Retained messages across broker nodes (issue 20 item 1, issue 22 item 1; broker/cluster/retained.ts): an
 * integration account's retained message published on node 1 reaches a subscriber that subscribes on node 2, a clear
 * on node 2 clears it for node 1 too, and devices' own retained status stays node-local. Two in-process
 * `broker,gateway` nodes on one PostgreSQL registry, one Redis and one InfluxDB.
 */
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETAINED_KEY } from '../../../lib/cluster-keys.js';
import { createLogger } from '../../../lib/logger.js';
import { openRedis, type Redis } from '../../../lib/redis.js';
import { topics } from '../../../protocol/index.js';
import { influxOptions } from '../../helpers/influx.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { connectDevice, seedSchool, startTestStack, type TestStack } from '../../helpers/stack.js';
import { waitFor } from '../../helpers/wait.js';
import { addAccount, connectAccount, type Received } from '../integration-helpers.js';

describe('retained messages on several broker nodes', () => {
  let pg: TestPostgres;
  let redis: TestRedis;
  let r: Redis;
  let one: TestStack;
  let two: TestStack;
  let secret: string;
  const clients: MqttClient[] = [];
  const url = (s: TestStack) => `mqtt://127.0.0.1:${s.broker!.port}`;
  const account = async (s: TestStack, clientId: string) => {
    const c = await connectAccount(url(s), 'ioc', secret, clientId);
    clients.push(c.client);
    return c;
  };
  const retainedOf = (got: Received[], topic: string) => got.filter((m) => m.topic === topic && m.retain).map((m) => m.payload);

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    const registryUrl = await pg.createDatabase();
    const shared = { registry: { url: registryUrl }, redis: { url: redis.url, presenceCheckMs: 300 } };
    one = await startTestStack({ only: ['broker', 'gateway'], overrides: { ...shared, node: { name: 'node-1' } } });
    two = await startTestStack({ only: ['broker', 'gateway'], overrides: { ...shared, node: { name: 'node-2' }, influx: influxOptions(one) } });
    secret = await addAccount(one, { name: 'ioc', readPatterns: ['ioc/#', 'edu/v1/+/status'], writePatterns: ['ioc/#'] });
    await two.integrations!.reload();
    r = openRedis(redis.url, { name: 'test', log: createLogger('silent') });
    await r.connect();
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    r?.disconnect();
    await two?.close();
    await one?.close();
    await redis?.close();
    await pg?.stop();
  });

  it('gives a subscriber on node 2 what was retained on node 1, and a clear on node 2 clears it for node 1', async () => {
    const pub = await account(one, 'ioc-pub');
    await pub.client.publishAsync('ioc/wall/banner', 'Chào buổi sáng', { qos: 1, retain: true });
    await waitFor('the retained message in Redis', async () => (await r.hexists(RETAINED_KEY, 'ioc/wall/banner')) === 1);

    const sub = await account(two, 'ioc-sub-2');
    await sub.client.subscribeAsync('ioc/#', { qos: 1 });
    await waitFor('the retained message on node 2', () => retainedOf(sub.got, 'ioc/wall/banner').length === 1);
    expect(retainedOf(sub.got, 'ioc/wall/banner')).toEqual(['Chào buổi sáng']);

    // Replaced on node 2, then cleared there: a new subscriber on node 1 gets nothing, not node 1's stale copy.
    const pub2 = await account(two, 'ioc-pub-2');
    await pub2.client.publishAsync('ioc/wall/banner', 'Bản tin mới', { qos: 1, retain: true });
    const late = await account(one, 'ioc-sub-1');
    await late.client.subscribeAsync('ioc/wall/+', { qos: 1 });
    await waitFor('the replaced message on node 1', () => retainedOf(late.got, 'ioc/wall/banner').length === 1);
    expect(retainedOf(late.got, 'ioc/wall/banner')).toEqual(['Bản tin mới']);

    await pub2.client.publishAsync('ioc/wall/banner', '', { qos: 1, retain: true });
    await waitFor('the clear in Redis', async () => (await r.hexists(RETAINED_KEY, 'ioc/wall/banner')) === 0);
    const last = await account(one, 'ioc-sub-3');
    await last.client.subscribeAsync('ioc/#', { qos: 1 });
    await pub.client.publishAsync('ioc/marker', 'đánh dấu', { qos: 1 });
    await waitFor('the marker', () => last.got.some((m) => m.topic === 'ioc/marker'));
    expect(retainedOf(last.got, 'ioc/wall/banner')).toEqual([]);
  });

  it('keeps devices\' own retained status out of Redis, and still sends it to a subscriber on the device\'s node', async () => {
    const { room } = await seedSchool(one.registry, 'RET-1');
    const { device, secret: deviceSecret } = await one.registry.addDevice({ kind: 'tablet', roomId: room.id });
    await waitFor('the device in node 1\'s directory', () => one.directory.get(device.id));
    const d = await connectDevice(url(one), device.id, deviceSecret!);
    clients.push(d);
    await d.publishAsync(topics.status(device.id), JSON.stringify({ state: 'online' }), { qos: 1, retain: true });
    const sub = await account(one, 'ioc-status');
    await sub.client.subscribeAsync('edu/v1/+/status', { qos: 1 });
    await waitFor('the device\'s retained status', () => retainedOf(sub.got, topics.status(device.id)).length === 1);
    expect(await r.hexists(RETAINED_KEY, topics.status(device.id))).toBe(0);
    expect(Object.keys(await r.hgetall(RETAINED_KEY)).every((t) => t.startsWith('ioc/'))).toBe(true);
  });
});
