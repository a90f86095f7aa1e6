/**
 * Persistent sessions of non-device clients follow them across nodes. A session (clean=false) lives in aedes'
 * in-memory persistence of one node, its owner, named in Redis (`edufleet:sessions`: clientId → node). When the client
 * connects to another node, that node claims the session once the client has authenticated, and before aedes reads
 * the session (fetchSubs, which comes after authenticate): the owner closes the client's connection there if it still
 * has one, hands over the subscriptions and the queued messages on the bus, and forgets them; the new node puts them
 * into its own persistence and announces the filters. aedes then answers CONNACK with session present and sends the
 * queue, as if the session had always been there. A clean connection discards a session held elsewhere
 * [MQTT-3.1.2-6].
 *
 * Why not aedes-persistence-redis: docs/architecture.md, "Messages for non-device clients across nodes". Bounds: a
 * message published between the owner's hand-over and the new node's announcement can be missed (at most once, as
 * the bus is); with Redis away, or the owner silent for HANDOVER_MS, the client gets a new session on this node.
 */
import { randomUUID } from 'node:crypto';
import type { Aedes, AuthenticateError, Client } from 'aedes';
import { busChannel, SESSIONS_KEY } from '../../lib/cluster-keys.js';
import type { Logger } from '../../lib/logger.js';
import { redisScript } from '../../lib/redis.js';
import type { ClusterBus } from './bus.js';
import type { SessionPacket, SessionMessage } from './presence.js';
import type { SubscriptionTable } from './subscriptions.js';

/** How long a node waits for the owner's hand-over before it starts a new session. */
const HANDOVER_MS = 3_000;

/** HSET to this node; returns the owner before. */
const CLAIM = redisScript(`
local prev = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return prev`, 1);

interface Sub { topic: string; qos: number }
interface Persistence {
  subscriptionsByClient(c: { id: string }): Promise<Sub[] | null>;
  addSubscriptions(c: { id: string }, subs: Sub[]): Promise<void>;
  cleanSubscriptions(c: { id: string }): Promise<void>;
  outgoingStream(c: { id: string }): AsyncIterable<SessionPacketIn>;
  outgoingEnqueueCombi(subs: { clientId: string; topic: string; qos: number }[], packet: object): Promise<void>;
  outgoingClearMessageId(c: { id: string }, p: { messageId?: number }): Promise<unknown>;
}
interface SessionPacketIn { topic: string; payload: Buffer | string; qos: number; retain?: boolean; messageId?: number; brokerId: string; brokerCounter: number }
type Authenticate = Aedes['authenticate'];

export interface SessionSharingOptions {
  aedes: Aedes;
  bus: ClusterBus;
  table: SubscriptionTable;
  isNonDevice: (clientId: string) => boolean;
  log: Logger;
}

export interface SessionSharing {
  message(m: SessionMessage): void;
}

export function shareSessions(o: SessionSharingOptions): SessionSharing {
  const { aedes, bus, table, isNonDevice, log } = o;
  const persistence = (aedes as unknown as { persistence: Persistence }).persistence;
  const clients = (aedes as unknown as { clients: Record<string, Client | undefined> }).clients;
  const waiting = new Map<string, (m: Extract<SessionMessage, { type: 'session' }>) => void>();

  const claim = async (clientId: string): Promise<string | null> => {
    const r = bus.redis;
    if (r?.status !== 'ready') return null;
    return (await CLAIM(r, SESSIONS_KEY, clientId, bus.node)) as string | null;
  };

  /** Asks the owner for the session and puts it into this node's persistence; gives up after HANDOVER_MS. */
  const takeOver = async (clientId: string, owner: string, discard: boolean): Promise<void> => {
    const nonce = randomUUID();
    const request = JSON.stringify({ type: 'session-request', clientId, node: bus.node, nonce, discard });
    if (discard) return void bus.run('session discard', (r) => r.publish(busChannel(owner), request));
    const reply = new Promise<Extract<SessionMessage, { type: 'session' }> | undefined>((resolve) => {
      const timer = setTimeout(() => { waiting.delete(nonce); resolve(undefined); }, HANDOVER_MS);
      waiting.set(nonce, (m) => { clearTimeout(timer); waiting.delete(nonce); resolve(m); });
    });
    bus.run('session request', (r) => r.publish(busChannel(owner), request));
    const m = await reply;
    if (!m) return log.warn({ clientId, owner }, 'persistent session not handed over in time: a new session starts on this node');
    if (m.subs.length) {
      await persistence.addSubscriptions({ id: clientId }, m.subs);
      table.add(clientId, m.subs.map((s) => s.topic));
    }
    for (const p of m.packets) {
      const packet = { cmd: 'publish', topic: p.topic, payload: Buffer.from(p.payload, 'base64'), qos: p.qos, retain: p.retain, dup: false, brokerId: p.brokerId, brokerCounter: p.brokerCounter };
      await persistence.outgoingEnqueueCombi([{ clientId, topic: p.topic, qos: p.qos }], packet);
    }
    log.info({ clientId, from: owner, subscriptions: m.subs.length, queued: m.packets.length }, 'persistent session taken over from another node');
  };

  /** The owner's side: closes the client here, hands the session over (unless discarded) and forgets it. */
  const handOver = async (m: Extract<SessionMessage, { type: 'session-request' }>): Promise<void> => {
    const c = clients[m.clientId];
    if (c && !c.closed) await new Promise<void>((resolve) => c.close(() => resolve()));
    const id = { id: m.clientId };
    const subs = (await persistence.subscriptionsByClient(id)) ?? [];
    const packets: SessionPacket[] = [];
    const ids: (number | undefined)[] = [];
    for await (const p of persistence.outgoingStream(id)) {
      const payload = typeof p.payload === 'string' ? Buffer.from(p.payload) : p.payload;
      ids.push(p.messageId);
      packets.push({ topic: p.topic, payload: payload.toString('base64'), qos: p.qos, retain: Boolean(p.retain), brokerId: p.brokerId, brokerCounter: p.brokerCounter });
    }
    await persistence.cleanSubscriptions(id);
    // aedes' in-memory cleanSubscriptions leaves the queue: each clear takes off one packet with that message id.
    for (const messageId of ids) await persistence.outgoingClearMessageId(id, { messageId });
    table.remove(m.clientId);
    if (m.discard) return;
    const reply = JSON.stringify({ type: 'session', clientId: m.clientId, node: bus.node, nonce: m.nonce, subs: subs.map((s) => ({ topic: s.topic, qos: s.qos })), packets });
    bus.run('session hand-over', (r) => r.publish(busChannel(m.node), reply));
  };

  const authenticate = aedes.authenticate.bind(aedes) as Authenticate;
  aedes.authenticate = (client, username, password, done) => {
    authenticate(client, username, password, (err: AuthenticateError | null, ok: boolean | null) => {
      if (err || !ok || !isNonDevice(client.id)) return done(err, ok);
      claim(client.id)
        .then((owner) => (owner && owner !== bus.node ? takeOver(client.id, owner, client.clean) : undefined))
        .catch((e: unknown) => log.warn({ err: e, clientId: client.id }, 'persistent session not taken over: a new session starts on this node'))
        .finally(() => {
          try {
            done(null, ok);
          } catch (e) {
            log.error({ err: e, clientId: client.id }, 'the MQTT broker failed while answering a client');
          }
        });
    });
  };

  return {
    message(m) {
      if (m.type === 'session') return waiting.get(m.nonce)?.(m);
      if (m.node === bus.node) return;
      handOver(m).catch((err: unknown) => log.warn({ err, clientId: m.clientId }, 'persistent session not handed over'));
    },
  };
}
