/**
 * MQTT accounts that are not devices, one model for all (ROADMAP: "One non-device MQTT account model"): an account
 * kind says which client ids are its own, checks their credentials, and names the topics each client may write and
 * read. Its publishes go to the kind's own handler, which the broker waits for before the PUBACK (as a device's wait
 * for the spool): an edge node's backlog (edge/link-province.ts) is applied before it is acknowledged. The first
 * kind is the edge account (issue 21, username = client id); the integration accounts of issue 22
 * (broker/auth/integration.ts) log in by their name with client ids of their own, are filtered per delivery and have
 * refused publishes dropped rather than their connection closed: the optional members below.
 */
import type { Aedes, AedesPublishPacket, AuthenticateError, Client, ConnectPacket, PublishPacket, Subscription } from 'aedes';
import type { Logger } from '../../lib/logger.js';
import type { Metrics } from '../../lib/metrics.js';
import type { PublishRate } from '../publish-rate.js';
import { CONNACK } from './authenticate.js';

export interface NonDeviceAccount {
  /** For logs and metrics. */
  kind: string;
  /** True for a client id of this kind (checked before the device registry is asked). */
  owns(clientId: string): boolean;
  /** The credentials' check: 'ok', or why not. The client id and the username are the same unless `sessionId` is given. */
  authenticate(clientId: string, password: Buffer, username: string): Promise<'ok' | 'bad-credentials' | 'revoked'>;
  /** True when `clientId` may publish on `topic` (with this QoS and retain flag). */
  mayPublish(clientId: string, topic: string, packet: { qos: number; retain: boolean }): boolean;
  /** True when `clientId` may subscribe to `topic` (no wildcards unless the kind allows them). */
  maySubscribe(clientId: string, topic: string): boolean;
  /** Handles an allowed publish; the PUBACK waits for it, and a rejection closes the connection unacknowledged. */
  publish(clientId: string, topic: string, payload: Buffer): Promise<void>;
  /** Told when one of its clients connects or goes (its link state). */
  connected?(clientId: string, up: boolean): void;
  /**
   * For a kind whose clients log in by username with a client id of their own (the integration accounts): the id
   * aedes is to keep this client's session under (one the kind then `owns`), or the CONNACK code refusing it;
   * undefined when the login is not this kind's. Asked before aedes reads the client id (preConnect).
   */
  sessionId?(login: { username: string | undefined; clientId: string; clean: boolean }): string | { refuse: number } | undefined;
  /** QoS 2 subscriptions are granted too (devices and edges are offered QoS 0 and 1). */
  qos2?: boolean;
  /** A publish its ACL refuses is acknowledged, dropped and counted instead of closing the connection. */
  dropRefused?: boolean;
  /** Whether a message on `topic` may be delivered to `clientId` (aedes' authorizeForward, once per delivery). */
  mayRead?(clientId: string, topic: string): boolean;
  /** The publish-rate bucket a client of this kind draws from (broker/publish-rate.ts); without it, none. */
  rateKey?(clientId: string): string;
  /** Registers the broker's way to close clients (a revoked account's); returns the unregistration. */
  onDrop?(close: (match: (clientId: string) => boolean) => void): () => void;
}

type Done = (err: AuthenticateError | null, ok: boolean | null) => void;
type Authenticate = (client: Client, username: Readonly<string> | undefined, password: Readonly<Buffer> | undefined, done: Done) => void;
type AuthorizePublish = (client: Client | null, packet: PublishPacket, done: (err?: Error | null) => void) => void;
type AuthorizeSubscribe = (client: Client | null, sub: Subscription, done: (err: Error | null, sub?: Subscription | null) => void) => void;
type PreConnect = (client: Client, packet: ConnectPacket, callback: (error: Error | null, success: boolean) => void) => void;
type AuthorizeForward = (client: Client, packet: AedesPublishPacket) => AedesPublishPacket | null | void;

/** CONNECTs a kind refused in preConnect, answered from authenticate (preConnect itself cannot send a CONNACK). */
const refusedAtConnect = new WeakMap<Client, number>();
/** Publishes acknowledged but dropped (`dropRefused`): aedes' publish skips them (`skipDropped`). */
const dropped = new WeakSet<PublishPacket>();

const refuse = (code: number, message: string): AuthenticateError => Object.assign(new Error(message), { returnCode: code }) as AuthenticateError;

export const accountOf = (accounts: readonly NonDeviceAccount[], clientId: string | undefined): NonDeviceAccount | undefined =>
  clientId === undefined ? undefined : accounts.find((a) => a.owns(clientId));

/**
 * Gives a kind that logs in by username its session id before aedes reads the client id: a zero-length id gets one
 * (aedes would make up an `aedes_…` id the devices' check then refuses), and two accounts' clients never share or take
 * over a session, nor a device's. A refusal is answered by `withAccounts` with its CONNACK code.
 */
export function withAccountSessions(accounts: readonly NonDeviceAccount[], preConnect: PreConnect): PreConnect {
  const kinds = accounts.filter((a) => a.sessionId);
  if (!kinds.length) return preConnect;
  return (client, packet, callback) => {
    for (const a of kinds) {
      const id = a.sessionId!({ username: packet.username, clientId: packet.clientId ?? '', clean: packet.clean !== false });
      if (id === undefined) continue;
      if (typeof id === 'string') packet.clientId = id;
      else refusedAtConnect.set(client, id.refuse);
      break;
    }
    preConnect(client, packet, callback);
  };
}

/** An account's client logs in with username = client id (or by username, `sessionId`); everyone else goes on to the devices' check. */
export function withAccounts(accounts: readonly NonDeviceAccount[], metrics: Metrics, log: Logger, authenticate: Authenticate): Authenticate {
  if (!accounts.length) return authenticate;
  return (client, username, password, done) => {
    const refused = refusedAtConnect.get(client);
    if (refused !== undefined) {
      metrics.connectRefused.inc({ reason: 'client-id' });
      return done(refuse(refused, 'this client id is not allowed for this account'), null);
    }
    const a = accountOf(accounts, client.id) ?? accountOf(accounts, username);
    if (!a) return authenticate(client, username, password, done);
    if (!username || !password || (!a.sessionId && client.id !== username)) {
      metrics.connectRefused.inc({ reason: `${a.kind}-credentials` });
      return done(refuse(CONNACK.badCredentials, `${a.kind}: ${a.sessionId ? 'a username' : 'username = client id'} and a password are required`), null);
    }
    a.authenticate(client.id, Buffer.from(password), username).then((outcome) => {
      if (outcome !== 'ok') metrics.connectRefused.inc({ reason: `${a.kind}-${outcome}` });
      const err = outcome === 'ok' ? null : refuse(outcome === 'revoked' ? CONNACK.notAuthorized : CONNACK.badCredentials, `${a.kind} ${outcome}`);
      if (!err) log.info({ account: a.kind, clientId: client.id }, 'account connected');
      done(err, err ? null : true);
    }, (err: Error) => done(refuse(CONNACK.notAuthorized, err.message), null));
  };
}

/**
 * An account's publish: its ACL, then (with `rate` and the kind's `rateKey`) its publish rate, then its handler before
 * the PUBACK. A refusal closes the connection [MQTT-3.3.5-2], or with `dropRefused` is acknowledged and dropped (MQTT
 * 3.1.1 has no way to refuse one publish), counted as `edufleet_mqtt_acl_denied_total{op="publish-dropped"}`.
 */
export function withAccountPublish(accounts: readonly NonDeviceAccount[], metrics: Metrics, log: Logger, authorize: AuthorizePublish, rate?: PublishRate): AuthorizePublish {
  if (!accounts.length) return authorize;
  return (client, packet, done) => {
    const id = client?.id ?? (packet as PublishPacket & { clientId?: string }).clientId;
    const a = accountOf(accounts, id);
    if (!a || id === undefined) return authorize(client, packet, done);
    if (!a.mayPublish(id, packet.topic, packet)) {
      metrics.aclDenied.inc({ op: a.dropRefused ? 'publish-dropped' : 'publish' });
      if (!a.dropRefused) return done(new Error(`${a.kind} ${id} may not publish on ${packet.topic}`));
      dropped.add(packet);
      return done(null);
    }
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const handle = () => a.publish(id, packet.topic, payload).then(() => done(null), (err: Error) => {
      log.warn({ err: err.message, account: a.kind, clientId: id, topic: packet.topic }, 'account publish not handled; not acknowledged');
      done(err);
    });
    // Throttled, not dropped, as a device (broker/publish-rate.ts); a Last Will is the broker's doing, not the client's.
    const wait = client && rate && a.rateKey ? rate.delay(a.rateKey(id)) : 0;
    if (wait <= 0) return void handle();
    setTimeout(() => (client?.closed ? done(new Error('disconnected while throttled')) : void handle()), wait);
  };
}

/** Lets aedes acknowledge a dropped publish without delivering or retaining it (after broker/publish-shortcut.ts). */
export function skipDropped(broker: Aedes): void {
  type PublishFn = (packet: PublishPacket, client: unknown, done?: (err?: Error | null) => void) => void;
  const a = broker as unknown as { publish: PublishFn };
  const publish = a.publish.bind(broker) as PublishFn;
  a.publish = (packet, client, done) => {
    if (!dropped.has(packet)) return publish(packet, client, done);
    // aedes.publish(packet, done) is also a valid call: the callback comes second.
    (typeof client === 'function' ? (client as (err?: Error | null) => void) : done)?.();
  };
}

/** Per delivery: a kind with `mayRead` sees only what it may read; everyone else as before. */
export function withAccountForward(accounts: readonly NonDeviceAccount[], forward: AuthorizeForward): AuthorizeForward {
  const readers = accounts.filter((a) => a.mayRead);
  if (!readers.length) return forward;
  return (client, packet) => {
    const a = accountOf(readers, client.id);
    return a && !a.mayRead!(client.id, packet.topic) ? null : forward(client, packet);
  };
}

export function withAccountSubscription(accounts: readonly NonDeviceAccount[], metrics: Metrics, authorize: AuthorizeSubscribe): AuthorizeSubscribe {
  if (!accounts.length) return authorize;
  return (client, sub, done) => {
    const a = accountOf(accounts, client?.id);
    if (!a || !client) return authorize(client, sub, done);
    const ok = (sub.qos < 2 || a.qos2 === true) && a.maySubscribe(client.id, sub.topic);
    if (!ok) metrics.aclDenied.inc({ op: 'subscribe' });
    done(null, ok ? sub : null);
  };
}
