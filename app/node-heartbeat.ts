/**
 * The node heartbeat (deployments on several machines, `redis.url`): every 2 s this process writes what it is and
 * how it is at `edufleet:node:<name>` with a 10 s expiry (lib/cluster-keys.ts), so the other nodes can tell a dead
 * node from a live one (broker/cluster/dead-nodes.ts) and an operator can list the nodes (`edufleet nodes`). It is
 * also the process's `redis` component on /healthz: degraded while Redis is unreachable, ok again when it answers;
 * the process keeps running either way, since nothing on the durable path waits for Redis.
 */
import { hostname } from 'node:os';
import type { Config } from '../config/index.js';
import { defaultNodeName, HEARTBEAT_EVERY_MS, HEARTBEAT_TTL_MS, nodeKey, type NodeHeartbeat } from '../lib/cluster-keys.js';
import { guardedInterval, Health, type Component, type ComponentHealth } from '../lib/component.js';
import type { Logger } from '../lib/logger.js';
import { connectRedis, openRedis, type Redis } from '../lib/redis.js';
import type { StackParts } from './stack.js';

/** The parts of a heartbeat that change, read at each beat (the broker and gateway start after this component). */
export type HeartbeatState = Pick<NodeHeartbeat, 'components' | 'connections' | 'spool'>;

export interface NodeHeartbeatOptions {
  url: string;
  /** `node.name`, resolved (config/index.ts). */
  node: string;
  host: string;
  log: Logger;
  read: () => HeartbeatState;
  everyMs?: number;
}

export class NodeHeartbeatWriter implements Component {
  readonly name = 'redis';
  private readonly state: Health;
  private readonly startedAt = Date.now();
  private client: Redis | undefined;
  private stopBeat: (() => void) | undefined;

  constructor(private readonly o: NodeHeartbeatOptions) {
    this.state = new Health(this.name, o.log);
  }

  health(): ComponentHealth {
    return { ...this.state.snapshot(), details: { node: this.o.node } };
  }

  /** Fails, naming the URL, when Redis cannot be reached: a node must not start half-way into a cluster. */
  async start(): Promise<void> {
    const client = openRedis(this.o.url, { name: `edufleet:${this.o.node}:heartbeat`, log: this.o.log });
    await connectRedis(client, this.o.url);
    this.client = client;
    // Dropped connections show at once, not at the next beat; the beat after Redis returns marks it ok.
    client.on('close', () => this.state.fail(new Error(`Redis connection closed (${client.status})`), 'Redis connection'));
    client.on('ready', this.state.guard('heartbeat', () => this.beat()));
    await this.beat();
    this.state.started();
    this.stopBeat = guardedInterval(this.state, 'heartbeat', this.o.everyMs ?? HEARTBEAT_EVERY_MS, () => this.beat());
  }

  /** Deletes the heartbeat: a clean stop is not a death, and the node leaves the list at once. */
  async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = undefined;
    this.stopBeat?.();
    this.state.stopped();
    client.removeAllListeners('close');
    try {
      await client.del(nodeKey(this.o.node));
      await client.quit();
    } catch (err) {
      // Redis away at stop: the key expires by itself within HEARTBEAT_TTL_MS.
      this.o.log.warn({ err, node: this.o.node }, 'node heartbeat not deleted; it expires by itself');
      client.disconnect();
    }
  }

  private async beat(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const hb: NodeHeartbeat = { name: this.o.node, pid: process.pid, host: this.o.host, startedAt: this.startedAt, at: Date.now(), ...this.o.read() };
    await client.set(nodeKey(this.o.node), JSON.stringify(hb), 'PX', HEARTBEAT_TTL_MS);
    this.state.ok();
  }
}

/** This process's heartbeat writer (with `redis.url`). */
export function nodeHeartbeat(config: Readonly<Config>, log: Logger, read: () => HeartbeatState): NodeHeartbeatWriter {
  return new NodeHeartbeatWriter({ url: config.redis.url, node: config.node.name || defaultNodeName(), host: hostname(), log, read });
}

/** What a heartbeat says of the process: its components, its broker's connections, its spool. */
export function heartbeatState(components: Component[], parts: Pick<StackParts, 'broker' | 'gateway'> | undefined): HeartbeatState {
  const g = parts?.gateway;
  return {
    components: components.map((c) => ({ name: c.name, state: c.health().state })),
    connections: parts?.broker ? parts.broker.connectedClients : null,
    spool: g ? { bytes: g.pendingBytes(), oldestMs: g.oldestPendingMs() } : null,
  };
}
