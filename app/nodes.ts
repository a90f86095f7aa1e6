/**
 * The nodes of a deployment on several machines as their heartbeats in Redis show them (`edufleet nodes`): a node
 * is listed while its heartbeat key lives, i.e. within 10 s of its last beat.
 */
import type { Config } from '../config/index.js';
import { NODE_KEY_PATTERN, parseHeartbeat, type NodeHeartbeat } from '../lib/cluster-keys.js';
import { EdufleetError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { connectRedis, openRedis, type Redis } from '../lib/redis.js';

export interface NodeRow extends NodeHeartbeat {
  /** Milliseconds since the node's last heartbeat. */
  ageMs: number;
}

/** Every live node, by name. */
export async function listNodes(config: Readonly<Config>, log: Logger): Promise<NodeRow[]> {
  const url = config.redis.url;
  if (!url) throw new EdufleetError('EDUFLEET_ERR_CONFIG_INVALID', 'redis.url (EDUFLEET_REDIS_URL) is empty: this is a deployment on one machine, whose nodes are not listed in Redis. Set redis.url to the Redis the nodes share.');
  const client = openRedis(url, { name: 'edufleet:cli:nodes', log });
  await connectRedis(client, url);
  try {
    return await readNodes(client, Date.now());
  } finally {
    client.disconnect();
  }
}

async function readNodes(client: Redis, now: number): Promise<NodeRow[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', NODE_KEY_PATTERN, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  if (!keys.length) return [];
  // A key that expired between SCAN and MGET reads as null: that node just died, and is left out.
  const values = await client.mget(...keys);
  const rows = values.flatMap((v) => {
    const hb = v === null ? undefined : parseHeartbeat(v);
    return hb ? [{ ...hb, ageMs: Math.max(0, now - hb.at) }] : [];
  });
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}
