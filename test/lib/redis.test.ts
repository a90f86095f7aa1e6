import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.js';
import { connectRedis, openRedis, redisScript } from '../../lib/redis.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
beforeAll(async () => { redis = await startRedis(); });
afterAll(async () => { await redis?.close(); });

const log = createLogger('silent');

it('connects to Redis, fails fast while it is away, and works again once it is back on the same URL', async () => {
  const client = openRedis(redis.url, { name: 'edufleet:test', log });
  await connectRedis(client, redis.url);
  await client.set('k', 'v');
  await redis.stop();
  // No offline queue: a command while Redis is away fails at once instead of waiting for it.
  await expect(client.get('k')).rejects.toThrow();
  await redis.start();
  await expect.poll(() => client.ping().catch(() => 'down'), { timeout: 20_000 }).toBe('PONG');
  client.disconnect();
});

it('refuses to start against a Redis that cannot be reached, naming its URL without the password', async () => {
  const url = `redis://:hunter2@127.0.0.1:${redis.port + 1}`;
  const client = openRedis(url, { name: 'edufleet:test', log });
  const err = await connectRedis(client, url).then(() => undefined, (e: Error) => e);
  expect(err?.message).toContain(`127.0.0.1:${redis.port + 1}`);
  expect(err?.message).not.toContain('hunter2');
});

it('runs a script by its digest, sending its text again to a Redis that has forgotten it', async () => {
  const client = openRedis(redis.url, { name: 'edufleet:test', log });
  await connectRedis(client, redis.url);
  const lua = `return redis.call('INCRBY', KEYS[1], ARGV[1])`;
  const incr = redisScript(lua, 1);
  await client.script('FLUSH');
  expect(await incr(client, 'n', 2)).toBe(2);
  expect(await incr(client, 'n', 3)).toBe(5);
  // A Redis restarted empty, or another server behind the same URL: NOSCRIPT, then the text once more.
  await client.script('FLUSH');
  expect(await incr(client, 'n', 1)).toBe(6);
  // Loaded again under its digest: the next calls send 40 hex characters, not the script.
  expect(await client.script('EXISTS', createHash('sha1').update(lua).digest('hex'))).toEqual([1]);
  client.disconnect();
});
