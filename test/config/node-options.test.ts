/** The options of a node (issue 20): a multi-node set-up on a SQLite registry is refused; one machine is not. */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';

describe('the node options', () => {
  it('refuses redis.url with a SQLite registry, saying why and what to set', () => {
    expect(() => loadConfig({ env: { EDUFLEET_REDIS_URL: 'redis://10.0.0.5:6379' } }))
      .toThrow(/redis\.url \(EDUFLEET_REDIS_URL\) is set[\s\S]*registry\.url\s+\(EDUFLEET_REGISTRY_URL\) is empty: a SQLite registry is a file on this machine that the other nodes cannot share/);
  });

  it('accepts redis.url with a PostgreSQL registry, and a SQLite registry without redis.url (one machine)', () => {
    const multi = loadConfig({ env: { EDUFLEET_REDIS_URL: 'redis://10.0.0.5:6379', EDUFLEET_REGISTRY_URL: 'postgres://edufleet@10.0.0.6/edufleet' } });
    expect(multi.redis.url).toBe('redis://10.0.0.5:6379');
    expect(loadConfig({ env: {} }).registry.url).toBe('');
  });

  it('names a node by its host and process id unless node.name is set', () => {
    expect(loadConfig({ env: {} }).node.name).toBe(`${hostname()}-${process.pid}`);
    expect(loadConfig({ env: { EDUFLEET_NODE_NAME: 'broker-1' } }).node.name).toBe('broker-1');
  });

  it('serves the management port on loopback, port 9464, by default', () => {
    expect(loadConfig({ env: {} }).node).toMatchObject({ managementHost: '127.0.0.1', managementPort: 9464 });
  });
});
