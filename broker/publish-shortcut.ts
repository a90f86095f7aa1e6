/**
 * aedes hands every authorised PUBLISH on to its persistence (offline sessions' subscriptions, two promises) and to
 * mqemitter (a qlobber match, fastparallel, the `publish` event) even when no subscription matches its topic, which
 * is the case for nearly all telemetry: devices subscribe only to their own commands. That was ~11 % of the
 * broker+gateway CPU per reading (docs/benchmarks.md, issue 13 item 3). Here a topic nobody can hear is
 * acknowledged to aedes at once instead.
 *
 * "Nobody" is cached per topic and proven again after any change of subscriptions: each one (mqemitter's `on` /
 * `removeListener`, persistence's add / remove / clean) moves a generation counter, and a cached answer counts only
 * for the generation it was worked out in. A new subscription therefore sees the very next publish on its topics
 * (commands' results, the bench subscriber, integrations). With several nodes (`redis.url`), a topic that a non-device
 * client of another node subscribed to is heard too (`RemoteListeners`, broker/cluster/forward.ts), and a change of
 * those subscriptions moves the generation as well (`changed`). Retained messages always take aedes's path (they must be
 * stored). The `publish` event and the `published` hook no longer see such messages; EduFleet uses neither.
 * The same change, offered to aedes itself, is bench/experiments/aedes-skip-unheard-publish.patch.
 *
 * Such a publish at QoS 1 is also acknowledged here (`acknowledge`): its PUBACK joins the others of the same client
 * in one 4-byte-per-ack write at the event loop's next turn, and aedes sees the packet as QoS 0, so it neither
 * builds the PUBACK (two stream writes through mqtt-packet) nor waits a turn after it. That was ~5 % of the
 * broker+gateway CPU per reading (docs/benchmarks.md). Should somebody subscribe between the acknowledgement and
 * aedes's publish, the packet goes on to aedes at its own QoS again.
 */
import type { Aedes, Client, PublishPacket } from 'aedes';

/** Topics remembered at most: device ids × channels, plus command results (each under its own command id). */
const MAX_TOPICS = 100_000;

interface Matcher { match(topic: string): unknown[] }
interface Emitter {
  _matcher: Matcher;
  on(topic: string, ...rest: unknown[]): unknown;
  removeListener(topic: string, ...rest: unknown[]): unknown;
  removeAllListeners(topic: string, ...rest: unknown[]): unknown;
}
interface Persistence {
  subscriptionsByTopic(topic: string): Promise<unknown[]>;
  addSubscriptions(...args: unknown[]): Promise<unknown>;
  removeSubscriptions(...args: unknown[]): Promise<unknown>;
  cleanSubscriptions(...args: unknown[]): Promise<unknown>;
}
type PublishFn = (packet: PublishPacket, client: unknown, done?: (err?: Error | null) => void) => void;
interface AedesInside { mq: Emitter; persistence: Persistence; publish: PublishFn }

export interface PublishShortcut {
  /** Publishes that skipped aedes's delivery since the broker started (for tests and /metrics). */
  readonly skipped: number;
  /** PUBACKs written here rather than by aedes since the broker started (for tests). */
  readonly acked: number;
  /**
   * For a QoS 1 publish of `client` that nobody hears, queues its PUBACK and returns true: hand the packet back to
   * aedes at once. False for anything else (aedes acknowledges it as usual). Call in the order the packets are
   * released: PUBACKs go out in the order their PUBLISHes came [MQTT-4.6.0-2].
   */
  acknowledge(client: Client, packet: PublishPacket): boolean;
  /** Writes the PUBACKs queued for `client` now (before aedes writes one of its own, to keep their order). */
  flush(client: Client): void;
  /** Subscriptions changed outside this node's aedes (another node's, broker/cluster/forward.ts): prove again. */
  changed(): void;
}

/** Subscribers this node's aedes does not know: non-device clients of other nodes (broker/cluster/forward.ts). */
export interface RemoteListeners {
  heardElsewhere(topic: string): boolean;
}

/** Marks a packet acknowledged here, so that a publish that turns out to be heard gets its QoS back. */
const ACKED = Symbol('edufleet.acked');
type Marked = PublishPacket & { [ACKED]?: true };

/** Installs the shortcut on a broker; aedes's own path stays in place for everything else. */
export function skipUnheardPublishes(broker: Aedes, remote?: RemoteListeners): PublishShortcut {
  const a = broker as unknown as AedesInside;
  const mq = a.mq;
  const persistence = a.persistence;
  /** Topic → the generation in which no subscription matched it. */
  const unheard = new Map<string, number>();
  /** Topics being proven now: one check per topic at a time. */
  const checking = new Set<string>();
  let generation = 0;
  /** Message ids to acknowledge per connection, written together at the next turn. */
  const queued = new Map<Client, number[]>();
  let flushing = false;

  const writeAcks = (client: Client, ids: number[]): void => {
    const conn = client.conn as Client['conn'] & { destroyed?: boolean };
    // Gone meanwhile: unacknowledged, so the device sends them again.
    if (conn.destroyed) return;
    const buf = Buffer.allocUnsafe(ids.length * 4);
    for (let i = 0; i < ids.length; i++) {
      buf[i * 4] = 0x40; // PUBACK
      buf[i * 4 + 1] = 2; // remaining length: the message id (MQTT 5 too: reason code 0 may be left out)
      buf.writeUInt16BE(ids[i]!, i * 4 + 2);
    }
    conn.write(buf);
  };
  const flushAll = (): void => {
    flushing = false;
    for (const [client, ids] of queued) writeAcks(client, ids);
    queued.clear();
  };

  const state: { -readonly [K in keyof PublishShortcut]: PublishShortcut[K] } = {
    skipped: 0,
    acked: 0,
    acknowledge(client, packet) {
      const conn = client.conn as Client['conn'] & { writableNeedDrain?: boolean; destroyed?: boolean };
      // A connection whose PUBACKs pile up unread goes through aedes, which waits for it to drain.
      if (packet.qos !== 1 || packet.retain || conn.destroyed || conn.writableNeedDrain || unheard.get(packet.topic) !== generation) return false;
      let ids = queued.get(client);
      if (!ids) {
        ids = [];
        queued.set(client, ids);
      }
      ids.push(packet.messageId!);
      (packet as Marked)[ACKED] = true;
      packet.qos = 0;
      state.acked++;
      if (!flushing) {
        flushing = true;
        setImmediate(flushAll);
      }
      return true;
    },
    flush(client) {
      const ids = queued.get(client);
      if (!ids) return;
      queued.delete(client);
      writeAcks(client, ids);
    },
    changed() {
      generation++;
    },
  };

  const bumping = <T extends (...args: never[]) => unknown>(owner: object, fn: T): T =>
    function (this: unknown, ...args: Parameters<T>) {
      generation++;
      const out = fn.apply(owner, args);
      // The async ones change the subscriptions when they settle: whatever was proven meanwhile is stale too.
      if (out instanceof Promise) return out.finally(() => generation++);
      return out;
    } as T;
  mq.on = bumping(mq, mq.on);
  mq.removeListener = bumping(mq, mq.removeListener);
  mq.removeAllListeners = bumping(mq, mq.removeAllListeners);
  persistence.addSubscriptions = bumping(persistence, persistence.addSubscriptions);
  persistence.removeSubscriptions = bumping(persistence, persistence.removeSubscriptions);
  persistence.cleanSubscriptions = bumping(persistence, persistence.cleanSubscriptions);

  const prove = (topic: string): void => {
    if (checking.has(topic) || mq._matcher.match(topic).length || remote?.heardElsewhere(topic)) return;
    const at = generation;
    checking.add(topic);
    persistence.subscriptionsByTopic(topic).then((subs) => {
      checking.delete(topic);
      if (subs.length || at !== generation) return;
      if (unheard.size >= MAX_TOPICS) unheard.clear();
      unheard.set(topic, at);
    }, () => checking.delete(topic));
  };

  const original = a.publish.bind(broker) as PublishFn;
  a.publish = function publish(packet, client, done) {
    // aedes.publish(packet, done) is also a valid call: the callback comes second.
    const cb = typeof client === 'function' ? (client as (err?: Error | null) => void) : done;
    if (!packet.retain && unheard.get(packet.topic) === generation) {
      state.skipped++;
      cb?.();
      return;
    }
    if ((packet as Marked)[ACKED]) packet.qos = 1;
    original(packet, client, done);
    if (!packet.retain) prove(packet.topic);
  };
  return state;
}
