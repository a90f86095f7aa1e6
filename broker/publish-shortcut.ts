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
 * (commands' results, the bench subscriber, integrations). Retained messages always take aedes's path (they must be
 * stored). The `publish` event and the `published` hook no longer see such messages; EduFleet uses neither.
 * The same change, offered to aedes itself, is bench/experiments/aedes-skip-unheard-publish.patch.
 */
import type { Aedes, PublishPacket } from 'aedes';

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
}

/** Installs the shortcut on a broker; aedes's own path stays in place for everything else. */
export function skipUnheardPublishes(broker: Aedes): PublishShortcut {
  const a = broker as unknown as AedesInside;
  const mq = a.mq;
  const persistence = a.persistence;
  /** Topic → the generation in which no subscription matched it. */
  const unheard = new Map<string, number>();
  /** Topics being proven now: one check per topic at a time. */
  const checking = new Set<string>();
  let generation = 0;
  const state = { skipped: 0 };

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
    if (checking.has(topic) || mq._matcher.match(topic).length) return;
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
    original(packet, client, done);
    if (!packet.retain) prove(packet.topic);
  };
  return state;
}
