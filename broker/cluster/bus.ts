/**
 * The Redis bus between broker nodes (deployments on several machines, `redis.url`; docs/architecture.md, "Several
 * machines"). aedes keeps its local emitter and persistence, so delivery on one node never waits for Redis; this
 * carries only what another node needs: presence (one hash, one truth), takeovers of a client id held elsewhere,
 * and "deliver this device's commands now" on the channel of the node that holds it. Everything here is
 * fire-and-forget from the device's point of view: with Redis away, ingest goes on, commands wait for the registry
 * sweep, and the node re-asserts its devices when Redis returns.
 */
import { BUS_ALL, busChannel } from '../../lib/cluster-keys.js';
import type { Clock } from '../../lib/clock.js';
import { guardedInterval, Health, type Component, type ComponentHealth } from '../../lib/component.js';
import type { Logger } from '../../lib/logger.js';
import { connectRedis, openRedis, type Redis } from '../../lib/redis.js';
import { DeadNodeCheck } from './dead-nodes.js';
import { parseBusMessage, PresenceHash, type BusMessage } from './presence.js';

/** The messages about devices (join.ts); the others are about non-device clients' messages (forward.ts). */
export type PresenceMessage = Extract<BusMessage, { type: 'command' | 'takeover' }>;
export type DeliveryMessage = Exclude<BusMessage, PresenceMessage>;

/** What cross-node delivery for non-device clients does with the bus (broker/cluster/forward.ts). */
export interface DeliveryHandlers {
  message(m: DeliveryMessage): void;
  /** Redis is back (either connection): write this node's subscriptions again and read the others'. */
  reconnected(): void;
}

export interface ClusterBusOptions {
  url: string;
  /** This node's name: its heartbeat key, its channel, its value in the presence hash. */
  node: string;
  log: Logger;
  /** How often dead nodes are looked for (the broker only; redis.presenceCheckMs). */
  presenceCheckMs: number;
  clock: Clock;
}

/** What the broker of this node does with what the bus brings (broker/cluster/join.ts). */
export interface BusHandlers {
  message(m: PresenceMessage): void;
  /** Redis is back after an outage: claim again what this node holds. */
  reconnected(): Promise<void>;
  /** A dead node's device: record it offline (called once across all nodes). */
  offline(deviceId: string, deadNode: string): void;
}

export class ClusterBus implements Component {
  readonly name = 'cluster-bus';
  private readonly state: Health;
  private cmd: Redis | undefined;
  private sub: Redis | undefined;
  private handlers: BusHandlers | undefined;
  private delivery: DeliveryHandlers | undefined;
  private stopCheck: (() => void) | undefined;
  presence: PresenceHash | undefined;

  constructor(private readonly o: ClusterBusOptions) {
    this.state = new Health(this.name, o.log);
  }

  get node(): string {
    return this.o.node;
  }

  /** The command connection, while started (a last write at stop). */
  get redis(): Redis | undefined {
    return this.cmd;
  }

  health(): ComponentHealth {
    return this.state.snapshot();
  }

  async start(): Promise<void> {
    const { url, node, log } = this.o;
    const cmd = openRedis(url, { name: `edufleet:${node}:bus`, log });
    const sub = openRedis(url, { name: `edufleet:${node}:bus-sub`, log, subscriber: true });
    this.cmd = cmd;
    this.sub = sub;
    try {
      await connectRedis(cmd, url);
      await connectRedis(sub, url);
      await sub.subscribe(busChannel(node), BUS_ALL);
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.presence = new PresenceHash(cmd, node);
    sub.on('message', this.state.guard('bus message', (_channel: string, text: string) => {
      const m = parseBusMessage(text);
      if (!m) return log.warn({ text: text.slice(0, 200) }, 'unknown message on the cluster bus: ignored');
      if (m.type === 'command' || m.type === 'takeover') this.handlers?.message(m);
      else this.delivery?.message(m);
    }));
    // The subscriber may come back after the command connection: what was announced meanwhile is read again.
    sub.on('ready', this.state.guard('subscriptions reload', () => this.delivery?.reconnected()));
    // Heard only after the first connection (above): every 'ready' from here on is Redis coming back.
    cmd.on('ready', this.state.guard('presence re-assert', async () => {
      this.delivery?.reconnected();
      await this.handlers?.reconnected();
      this.state.ok();
    }));
    this.state.started();
  }

  /** The broker of this node joins: it hears the bus, and it looks for dead nodes (it can record their devices offline). */
  attach(handlers: BusHandlers): void {
    this.handlers = handlers;
    if (!this.presence || !this.cmd) return;
    const check = new DeadNodeCheck(this.cmd, this.presence, this.o.presenceCheckMs, this.o.clock, (id, dead) => this.handlers?.offline(id, dead));
    this.stopCheck = guardedInterval(this.state, 'dead node check', this.o.presenceCheckMs, async () => {
      const n = await check.check();
      if (n) this.o.log.warn({ devices: n }, 'devices of dead nodes marked offline');
    });
  }

  /** Cross-node delivery for non-device clients joins (broker/cluster/forward.ts). */
  attachDelivery(handlers: DeliveryHandlers | undefined): void {
    this.delivery = handlers;
  }

  detach(): void {
    this.delivery = undefined;
    this.stopCheck?.();
    this.stopCheck = undefined;
    this.handlers = undefined;
  }

  /**
   * Runs a presence or bus call without the caller waiting on it: a failure (Redis away) is recorded on this
   * component's health, and the re-assert after the outage or the registry sweep makes up for it.
   */
  fireAndForget(context: string, fn: (p: PresenceHash) => Promise<unknown>): void {
    const p = this.presence;
    if (!p) return;
    fn(p).then(() => this.state.ok(), (err: unknown) => this.state.fail(err, context));
  }

  /** As fireAndForget, with the command connection itself (subscription hashes, forwarded messages). */
  run(context: string, fn: (r: Redis) => Promise<unknown>): void {
    const r = this.cmd;
    if (!r || !this.presence) return;
    fn(r).then(() => this.state.ok(), (err: unknown) => this.state.fail(err, context));
  }

  /** A command was queued for this device in this process: the node holding it (if another) delivers it now. */
  notifyCommand(deviceId: string): void {
    this.fireAndForget('command notification', (p) => p.notifyCommand(deviceId));
  }

  async stop(): Promise<void> {
    this.detach();
    const { cmd, sub } = this;
    this.cmd = undefined;
    this.sub = undefined;
    this.presence = undefined;
    // QUIT lets the releases of the devices the broker just closed go out first; a connection that is not up has none.
    await Promise.all([cmd, sub].map((c) => (c?.status === 'ready' ? c.quit().catch(() => c.disconnect()) : c?.disconnect())));
    this.state.stopped();
  }
}
