/**
 * The one way EduFleet opens Redis (deployments on several machines, `redis.url`). ioredis reconnects by itself;
 * a command issued while Redis is away fails at once instead of queueing without bound (the callers fall back:
 * nothing on the durable path waits for Redis), and the connection's state is readable for /healthz.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { EdufleetError } from './errors.js';
import type { Logger } from './logger.js';
import { scrubSecrets } from './logger.js';

export type { Redis } from 'ioredis';

export interface RedisOptions {
  /** Shown in Redis' CLIENT LIST, e.g. "edufleet:node-a:bus". */
  name: string;
  log: Logger;
  /** A subscriber connection: no offline queue either, but it re-subscribes after a reconnect (ioredis does). */
  subscriber?: boolean;
}

export function openRedis(url: string, o: RedisOptions): Redis {
  const client = new Redis(url, {
    connectionName: o.name,
    lazyConnect: true,
    enableOfflineQueue: o.subscriber ?? false,
    maxRetriesPerRequest: 1,
    // 100 ms, 200 ms … at most 2 s between attempts, for ever: Redis coming back must be noticed within seconds.
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  let down = false;
  client.on('error', (err: Error) => {
    if (down) return; // one line per outage, not one per retry
    down = true;
    o.log.warn({ err, url, connection: o.name }, 'Redis unreachable; retrying');
  });
  client.on('ready', () => {
    if (down) o.log.info({ url, connection: o.name }, 'Redis reachable again');
    down = false;
  });
  return client;
}

/** Connects, or throws an error naming the URL (a node that cannot reach Redis at start must not start half-way). */
export async function connectRedis(client: Redis, url: string): Promise<void> {
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    client.disconnect();
    throw new EdufleetError('EDUFLEET_ERR_REDIS_UNREACHABLE', `Redis at ${scrubSecrets(url)} (redis.url) cannot be reached: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * A Lua script called by its SHA1 (EVALSHA), its text sent only when Redis does not know it (NOSCRIPT: a restarted
 * or new Redis). The presence claim runs on every CONNECT; sending its text each time was a measurable part of a
 * node's work in a failover (docs/benchmarks.md).
 */
export function redisScript(lua: string, numberOfKeys: number): (r: Redis, ...args: (string | number)[]) => Promise<unknown> {
  const sha = createHash('sha1').update(lua).digest('hex');
  return async (r, ...args) => {
    try {
      return await r.evalsha(sha, numberOfKeys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return r.eval(lua, numberOfKeys, ...args);
    }
  };
}
