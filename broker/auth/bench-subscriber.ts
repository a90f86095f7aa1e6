import { timingSafeEqual } from 'node:crypto';
import type { AuthenticateError, Client, Subscription } from 'aedes';
import { topics } from '../../protocol/index.js';

/**
 * A benchmark-only account (`mqtt.benchSubscriber` = "user:secret", empty by default) that may subscribe to every
 * device's telemetry, `edu/v1/+/telemetry`, and nothing else: `npm run bench` times publish → subscriber latency
 * through it, as it does against Mosquitto, until real integration accounts exist. It is not a device: no registry
 * entry, no presence, and it may not publish (the publish ACL only knows devices).
 */
export interface BenchSubscriber {
  user: string;
  secret: Buffer;
}

export function parseBenchSubscriber(setting: string): BenchSubscriber | undefined {
  const i = setting.indexOf(':');
  if (!setting || i < 1 || i === setting.length - 1) return undefined;
  return { user: setting.slice(0, i), secret: Buffer.from(setting.slice(i + 1), 'utf8') };
}

type Authenticate = (client: Client, username: Readonly<string> | undefined, password: Readonly<Buffer> | undefined, done: (err: AuthenticateError | null, ok: boolean | null) => void) => void;
type AuthorizeSubscribe = (client: Client | null, sub: Subscription, done: (err: Error | null, sub?: Subscription | null) => void) => void;

export const isBenchSubscriber = (b: BenchSubscriber | undefined, clientId: string | undefined): boolean => Boolean(b && clientId === b.user);

/** Lets the bench account in with its secret (and client id = user); everyone else goes to the devices' check. */
export function withBenchSubscriber(b: BenchSubscriber | undefined, authenticate: Authenticate): Authenticate {
  if (!b) return authenticate;
  return (client, username, password, done) => {
    if (username !== b.user) return authenticate(client, username, password, done);
    const ok = client.id === b.user && !!password && password.length === b.secret.length && timingSafeEqual(password, b.secret);
    if (ok) return done(null, true);
    const err = new Error('bad bench subscriber credentials') as AuthenticateError;
    err.returnCode = 4;
    done(err, null);
  };
}

/** The bench account may subscribe to `edu/v1/+/telemetry` only (QoS 0 or 1); devices keep their own ACL. */
export function withBenchSubscription(b: BenchSubscriber | undefined, authorize: AuthorizeSubscribe): AuthorizeSubscribe {
  if (!b) return authorize;
  const allowed = topics.telemetry('+');
  return (client, sub, done) => {
    if (!isBenchSubscriber(b, client?.id)) return authorize(client, sub, done);
    done(null, sub.topic === allowed && sub.qos < 2 ? sub : null);
  };
}
