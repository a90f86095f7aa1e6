/**
 * A broker joins the cluster bus (broker/cluster/bus.ts): its connects and disconnects keep the presence hash, it
 * closes a connection whose client id connected on another node, it delivers commands when told, and it records
 * dead nodes' devices offline.
 *
 * A takeover across nodes ends like one inside aedes [MQTT-3.1.4-2]: the old connection is closed. Inside one aedes
 * the old connection's Last Will and disconnect come before the new connection's `client` event, so the device ends
 * online; across nodes they would come after the new node recorded it online, and mark a connected device offline.
 * So a connection closed by a takeover records no disconnect and publishes no Will (as MQTT 5 does not when a new
 * connection takes the session over before the Will is due [MQTT-3.1.3-9]); the presence entry is the new node's.
 */
import type { Aedes, Client, PublishPacket } from 'aedes';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { CommandDelivery } from '../commands.js';
import type { PresenceHash } from './presence.js';
import type { ClusterBus, PresenceMessage } from './bus.js';

/** Presence claims re-asserted per batch after an outage (one script each, pipelined on one connection). */
const BATCH = 500;

export interface JoinOptions {
  aedes: Aedes;
  bus: ClusterBus;
  log: Logger;
  clock: Clock;
  /** Client ids that are not devices (the bench subscriber): never in the presence hash. */
  ignore: (clientId: string) => boolean;
  /** Records a device offline even if this process's view already says so (a dead node's device, seen here long ago). */
  offline: (deviceId: string) => void;
  commands?: CommandDelivery;
}

export interface ClusterMembership {
  /** True for a connection closed because its device connected on another node: its end is not the device's. */
  takenOver(client: Client): boolean;
  leave(): void;
}

type AuthorizePublish = (client: Client | null, packet: PublishPacket, done: (err?: Error | null) => void) => void;

export function joinCluster(o: JoinOptions): ClusterMembership {
  const { aedes, bus, log, clock } = o;
  const since = new WeakMap<Client, number>();
  const taken = new WeakSet<Client>();
  const clients = (aedes as unknown as { clients: Record<string, Client | undefined> }).clients;
  const local = (id: string): Client | undefined => {
    const c = clients[id];
    return c && !c.closed ? c : undefined;
  };

  const onClient = (c: Client): void => {
    if (o.ignore(c.id)) return;
    const at = clock.now();
    since.set(c, at);
    bus.fireAndForget('presence claim', (p) => p.claim(c.id, at));
  };
  const onDisconnect = (c: Client): void => {
    if (o.ignore(c.id) || taken.has(c)) return;
    bus.fireAndForget('presence release', (p) => p.release(c.id));
  };
  aedes.on('client', onClient);
  aedes.on('clientDisconnect', onDisconnect);

  // The Will of a connection closed by a takeover (aedes asks this hook before it publishes the Will) is dropped.
  const authorize = aedes.authorizePublish.bind(aedes) as AuthorizePublish;
  (aedes as unknown as { authorizePublish: AuthorizePublish }).authorizePublish = (client, packet, done) => {
    if (client && taken.has(client)) return done(new Error(`${client.id} connected on another node: this connection's Will is not published`));
    authorize(client, packet, done);
  };

  const takeOver = (c: Client, by: string): void => {
    taken.add(c);
    log.info({ deviceId: c.id, node: by }, 'device connected on another node: closing its connection here');
    c.close();
  };

  const message = (m: PresenceMessage): void => {
    if (m.type === 'command') {
      void o.commands?.kick(m.deviceId);
      return;
    }
    const c = local(m.deviceId);
    if (!m.reassert) {
      // Redis ran the claims in one order: if this node's came after the sender's, its connection is the newer one
      // (the device went back and forth) and the sender is being told to close its own instead.
      if (c) bus.fireAndForget('takeover', async (p) => { if ((await p.holder(m.deviceId).catch(() => null)) !== bus.node) takeOver(c, m.node); });
      return;
    }
    // After an outage both nodes may hold a connection: the newer one stays, wherever it is.
    const mine = c && since.get(c);
    if (c && mine !== undefined && mine > m.since) {
      bus.fireAndForget('takeover answer', (p) => p.send(m.node, { type: 'takeover', deviceId: m.deviceId, node: bus.node, since: mine }));
      return;
    }
    if (c) takeOver(c, m.node);
    bus.fireAndForget('presence hand-over', (p) => p.handOver(m.deviceId, m.node));
  };

  bus.attach({
    message,
    reconnected: () => reassert(bus, clients, since, o.ignore, log, clock.now()),
    offline: (deviceId) => {
      // The hash named a dead node, but the device is here (its claim was lost while Redis was away).
      const c = local(deviceId);
      if (c) bus.fireAndForget('presence claim', (p) => p.claim(deviceId, since.get(c) ?? clock.now()));
      else o.offline(deviceId);
    },
  });

  return {
    takenOver: (c) => taken.has(c),
    leave: () => {
      bus.detach();
      aedes.removeListener('client', onClient);
      aedes.removeListener('clientDisconnect', onDisconnect);
    },
  };
}

/**
 * Redis is back (a restart may have emptied it, or this node's claims and releases were lost meanwhile): entries
 * that name this node for devices it no longer holds are deleted, and every device it holds is claimed again.
 */
async function reassert(bus: ClusterBus, clients: Record<string, Client | undefined>, since: WeakMap<Client, number>, ignore: (id: string) => boolean, log: Logger, now: number): Promise<void> {
  const p: PresenceHash | undefined = bus.presence;
  if (!p) return;
  const held = new Map<string, number>();
  for (const [id, c] of Object.entries(clients)) if (c && !c.closed && !ignore(id)) held.set(id, since.get(c) ?? now);
  let stale: string[] = [];
  for await (const page of p.entries()) {
    for (const [id, node] of page) if (node === p.node && !held.has(id)) stale.push(id);
    if (stale.length >= BATCH) { await Promise.all(stale.map((id) => p.release(id))); stale = []; }
  }
  await Promise.all(stale.map((id) => p.release(id)));
  const ids = [...held.keys()];
  for (let i = 0; i < ids.length; i += BATCH) await Promise.all(ids.slice(i, i + BATCH).map((id) => p.reassert(id, held.get(id)!)));
  log.info({ devices: ids.length, node: p.node }, 'Redis is back: presence of this node re-asserted');
}
