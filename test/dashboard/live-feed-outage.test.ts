/**
 * A dashboard's live feed while Redis is away (issue 20, "Redis stopped for a minute"): its /healthz entry is
 * degraded as soon as the connection drops, before any page reads the hash, and ok again once Redis is back; a
 * broadcast through the Socket.IO Redis adapter that Redis cannot take is counted, not an unhandled rejection (which
 * would end the process; vitest fails a file on one). A real redis-server and a real Socket.IO server.
 */
import { Server } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveFeed } from '../../dashboard/server/live-feed.js';
import { createLogger } from '../../lib/logger.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

describe('the live feed of a dashboard while Redis is away', () => {
  let redis: TestRedis;
  let feed: LiveFeed;
  let io: Server;

  beforeAll(async () => {
    redis = await startRedis();
    feed = new LiveFeed({ url: redis.url, nodeName: 'dash-test', log: createLogger('silent') });
    await feed.start();
    io = new Server({ adapter: feed.adapter() });
  });
  afterAll(async () => {
    // Not attached to an HTTP server: only its adapter has something to close (its subscriptions).
    await io?.of('/').adapter.close();
    await feed?.stop();
    await redis?.close();
  });

  it('says degraded as soon as Redis goes, drops the broadcasts it cannot send without ending the process, and is ok again once Redis is back', async () => {
    expect(feed.health().state).toBe('ok');
    await redis.stop();
    await waitFor('the live feed degraded', () => feed.health().state === 'degraded');
    // A broadcast to every dashboard: the adapter publishes it, and Redis is not there to take it.
    io.emit('ping', 1);
    await waitFor('the broadcast counted as dropped', () => Number(feed.health().counters?.droppedBroadcasts) >= 1);
    await redis.start();
    await waitFor('the live feed ok again', () => feed.health().state === 'ok', 20_000);
    expect(await feed.snapshot(['no-such-device'])).toEqual(new Map());
  });
});
