/**
 * Messages for non-device clients across broker nodes (issue 20, item 1): a PUBLISH on this node (a device's
 * telemetry, status, command result; a command) that a non-device client of another node subscribed to is sent to
 * that node, once per node, on its bus channel; that node hands it to its own aedes, which delivers it to its
 * subscribers as if it had been published there. aedes.publish() does not run the publish ACL, where ingest hooks in
 * (broker/auth/authorize-publish.ts): a forwarded reading is never stored twice; and it is marked, so that it is
 * never forwarded again.
 *
 * Local delivery never waits for Redis: the forward is fire-and-forget beside aedes's own path. Pub/sub is
 * at most once: with Redis away (or a node's subscriber connection down), a remote subscriber misses what was
 * published meanwhile; local subscribers miss nothing. The forwarded copy goes out without the retain flag (live
 * delivery to existing subscribers carries none [MQTT-3.3.1-9]); retained messages stay in the store of the node
 * where they were published.
 */
import type { Aedes, AedesPublishPacket, Client, PublishPacket, Subscription } from 'aedes';
import { busChannel } from '../../lib/cluster-keys.js';
import type { ClusterBus, DeliveryMessage } from './bus.js';
import type { Logger } from '../../lib/logger.js';
import { shareSessions, type SessionSharing } from './sessions.js';
import { SubscriptionTable } from './subscriptions.js';

/** Marks a packet that came from another node: delivered here only. */
const FORWARDED = Symbol('edufleet.forwarded');
type Marked = PublishPacket & { [FORWARDED]?: true };
type PublishFn = (packet: PublishPacket, client: unknown, done?: (err?: Error | null) => void) => void;

export interface CrossNodeOptions {
  aedes: Aedes;
  bus: ClusterBus;
  /** The seam for accounts that are not devices (broker/auth/non-device.ts): only their subscriptions cross nodes. */
  isNonDevice: (clientId: string) => boolean;
  /** The other nodes' subscriptions changed (the publish shortcut must prove its answers again). */
  changed: () => void;
  /** How often this node's hash is checked and the others' read again (the dead-node check's period). */
  resyncMs: number;
}

export interface CrossNodeDelivery {
  /** True when a non-device client of another node subscribed to `topic` (the publish shortcut asks). */
  heardElsewhere(topic: string): boolean;
  /** Messages sent to another node since start (for tests and /metrics). */
  readonly forwarded: number;
  /**
   * Persistent sessions of non-device clients follow them to another node (broker/cluster/sessions.ts). Call it
   * once aedes.authenticate is in place: it wraps it.
   */
  shareSessions(log: Logger): void;
  stop(): Promise<void>;
}

/**
 * Installs cross-node delivery on a broker. Call it before the publish shortcut (broker/publish-shortcut.ts) wraps
 * aedes.publish: a publish nobody hears anywhere is then skipped before it gets here.
 */
export function deliverAcrossNodes(o: CrossNodeOptions): CrossNodeDelivery {
  const { aedes, bus, isNonDevice } = o;
  const table = new SubscriptionTable(bus.node, (context, fn) => bus.run(context, fn), o.changed);
  const a = aedes as unknown as { publish: PublishFn };
  const state = { forwarded: 0 };
  let sessions: SessionSharing | undefined;

  const original = a.publish.bind(aedes) as PublishFn;
  a.publish = function publish(packet, client, done) {
    if (!(packet as Marked)[FORWARDED]) {
      const nodes = table.nodesFor(packet.topic);
      if (nodes.length) send(packet, nodes);
    }
    original(packet, client, done);
  };
  const send = (packet: PublishPacket, nodes: readonly string[]): void => {
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const text = JSON.stringify({ type: 'publish', node: bus.node, topic: packet.topic, payload: payload.toString('base64'), qos: packet.qos === 0 ? 0 : 1 });
    for (const node of nodes) {
      state.forwarded++;
      bus.run('message to another node', (r) => r.publish(busChannel(node), text));
    }
  };

  const onSubscribe = (subs: Subscription[], client: Client): void => {
    // A refused filter comes back with QoS 128 (aedes's SUBACK code).
    if (isNonDevice(client.id)) table.add(client.id, subs.filter((s) => (s.qos as number) !== 128).map((s) => s.topic));
  };
  const onUnsubscribe = (filters: string[], client: Client): void => {
    if (isNonDevice(client.id)) table.remove(client.id, filters);
  };
  // A clean session ends with its connection; a persistent one keeps its subscriptions here (its messages queue).
  const onClient = (client: Client): void => {
    if (isNonDevice(client.id) && client.clean) table.remove(client.id);
  };
  const onDisconnect = (client: Client): void => {
    if (isNonDevice(client.id) && client.clean) table.remove(client.id);
  };
  aedes.on('subscribe', onSubscribe);
  aedes.on('unsubscribe', onUnsubscribe);
  aedes.on('client', onClient);
  aedes.on('clientDisconnect', onDisconnect);

  const message = (m: DeliveryMessage): void => {
    if (m.type === 'subs') return table.reload(m.node);
    if (m.type === 'session' || m.type === 'session-request') return sessions?.message(m);
    if (m.node === bus.node) return;
    const packet = { cmd: 'publish', topic: m.topic, payload: Buffer.from(m.payload, 'base64'), qos: m.qos, retain: false, dup: false, [FORWARDED]: true };
    aedes.publish(packet as unknown as AedesPublishPacket, () => undefined);
  };
  bus.attachDelivery({ message, reconnected: () => table.resync(true) });
  table.resync(true);
  const timer = setInterval(() => table.resync(), o.resyncMs);
  timer.unref();

  return {
    heardElsewhere: (topic) => table.nodesFor(topic).length > 0,
    get forwarded() { return state.forwarded; },
    shareSessions(log) {
      sessions = shareSessions({ aedes, bus, table, isNonDevice, log });
    },
    async stop() {
      clearInterval(timer);
      bus.attachDelivery(undefined);
      aedes.removeListener('subscribe', onSubscribe);
      aedes.removeListener('unsubscribe', onUnsubscribe);
      aedes.removeListener('client', onClient);
      aedes.removeListener('clientDisconnect', onDisconnect);
      await table.leave(bus.redis);
    },
  };
}
