/**
 * MQTT accounts that are not devices, one model for all (ROADMAP: "One non-device MQTT account model"): an account
 * kind says which client ids are its own, checks their credentials, and names the topics each client may write and
 * read. Its publishes go to the kind's own handler, which the broker waits for before the PUBACK (as a device's wait
 * for the spool): an edge node's backlog (edge/link-province.ts) is applied before it is acknowledged. The first
 * kind is the edge account (issue 21); the integration accounts of issue 22 are the same thing with other patterns.
 */
import type { AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import type { Logger } from '../../lib/logger.js';
import type { Metrics } from '../../lib/metrics.js';
import { CONNACK } from './authenticate.js';

export interface NonDeviceAccount {
  /** For logs and metrics. */
  kind: string;
  /** True for a client id of this kind (checked before the device registry is asked). */
  owns(clientId: string): boolean;
  /** The credentials' check: 'ok', or why not. The client id and the username are the same (checked before). */
  authenticate(clientId: string, password: Buffer): Promise<'ok' | 'bad-credentials' | 'revoked'>;
  /** True when `clientId` may publish on `topic` (with this QoS and retain flag). */
  mayPublish(clientId: string, topic: string, packet: { qos: number; retain: boolean }): boolean;
  /** True when `clientId` may subscribe to `topic` (no wildcards unless the kind allows them). */
  maySubscribe(clientId: string, topic: string): boolean;
  /** Handles an allowed publish; the PUBACK waits for it, and a rejection closes the connection unacknowledged. */
  publish(clientId: string, topic: string, payload: Buffer): Promise<void>;
  /** Told when one of its clients connects or goes (its link state). */
  connected?(clientId: string, up: boolean): void;
}

type Done = (err: AuthenticateError | null, ok: boolean | null) => void;
type Authenticate = (client: Client, username: Readonly<string> | undefined, password: Readonly<Buffer> | undefined, done: Done) => void;
type AuthorizePublish = (client: Client | null, packet: PublishPacket, done: (err?: Error | null) => void) => void;
type AuthorizeSubscribe = (client: Client | null, sub: Subscription, done: (err: Error | null, sub?: Subscription | null) => void) => void;

const refuse = (code: number, message: string): AuthenticateError => Object.assign(new Error(message), { returnCode: code }) as AuthenticateError;

export const accountOf = (accounts: readonly NonDeviceAccount[], clientId: string | undefined): NonDeviceAccount | undefined =>
  clientId === undefined ? undefined : accounts.find((a) => a.owns(clientId));

/** An account's client logs in with username = client id; everyone else goes on to the devices' check. */
export function withAccounts(accounts: readonly NonDeviceAccount[], metrics: Metrics, log: Logger, authenticate: Authenticate): Authenticate {
  if (!accounts.length) return authenticate;
  return (client, username, password, done) => {
    const a = accountOf(accounts, client.id) ?? accountOf(accounts, username);
    if (!a) return authenticate(client, username, password, done);
    if (!username || !password || client.id !== username) {
      metrics.connectRefused.inc({ reason: `${a.kind}-credentials` });
      return done(refuse(CONNACK.badCredentials, `${a.kind}: username = client id and a password are required`), null);
    }
    a.authenticate(client.id, Buffer.from(password)).then((outcome) => {
      if (outcome !== 'ok') metrics.connectRefused.inc({ reason: `${a.kind}-${outcome}` });
      const err = outcome === 'ok' ? null : refuse(outcome === 'revoked' ? CONNACK.notAuthorized : CONNACK.badCredentials, `${a.kind} ${outcome}`);
      if (!err) log.info({ account: a.kind, clientId: client.id }, 'account connected');
      done(err, err ? null : true);
    }, (err: Error) => done(refuse(CONNACK.notAuthorized, err.message), null));
  };
}

/** An account's publish: its ACL, then its handler before the PUBACK. A refusal closes the connection [MQTT-3.3.5-2]. */
export function withAccountPublish(accounts: readonly NonDeviceAccount[], metrics: Metrics, log: Logger, authorize: AuthorizePublish): AuthorizePublish {
  if (!accounts.length) return authorize;
  return (client, packet, done) => {
    const id = client?.id ?? (packet as PublishPacket & { clientId?: string }).clientId;
    const a = accountOf(accounts, id);
    if (!a || id === undefined) return authorize(client, packet, done);
    if (!a.mayPublish(id, packet.topic, packet)) {
      metrics.aclDenied.inc({ op: 'publish' });
      return done(new Error(`${a.kind} ${id} may not publish on ${packet.topic}`));
    }
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    a.publish(id, packet.topic, payload).then(() => done(null), (err: Error) => {
      log.warn({ err: err.message, account: a.kind, clientId: id, topic: packet.topic }, 'account publish not handled; not acknowledged');
      done(err);
    });
  };
}

export function withAccountSubscription(accounts: readonly NonDeviceAccount[], metrics: Metrics, authorize: AuthorizeSubscribe): AuthorizeSubscribe {
  if (!accounts.length) return authorize;
  return (client, sub, done) => {
    const a = accountOf(accounts, client?.id);
    if (!a || !client) return authorize(client, sub, done);
    const ok = sub.qos < 2 && a.maySubscribe(client.id, sub.topic);
    if (!ok) metrics.aclDenied.inc({ op: 'subscribe' });
    done(null, ok ? sub : null);
  };
}
