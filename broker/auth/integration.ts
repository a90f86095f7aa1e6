/**
 * The integration accounts' kind of MQTT account (issue 22; broker/auth/accounts.ts, docs/integration.md): a client
 * logs in with the account's name as username and its secret as password, under any client id its glob allows. Its
 * session is kept under `@<name>:<client id>` (a zero-length id with a clean session gets a fresh one), so clients of
 * two accounts never share a session, nor a device's (device ids have no `@`). A SUBSCRIBE is granted when its filter
 * can ever match a read pattern (else SUBACK 0x80); each delivery is then checked against the read patterns and, for a
 * device's topic (`edu/v1/<device>/…`), the account's district or school (the device directory's placement). A
 * publish outside the write patterns is acknowledged, dropped and counted. Accepted publishes are delivered to
 * subscribers and retained as asked; none is ingested: an account is not a device. The accounts are reloaded from the
 * registry every poll, and a revoked account's clients are closed at the reload that sees it.
 */
import { randomUUID } from 'node:crypto';
import { guardedInterval, Health, type Component, type ComponentHealth } from '../../lib/component.js';
import type { Logger } from '../../lib/logger.js';
import { filterMatches, filtersOverlap, globMatches, TOPIC_ROOT } from '../../protocol/index.js';
import { hmacVerifier, matchesVerifier, verifySecret } from '../../registry/secrets.js';
import { CONNECTED_EVERY_MS, type DevicePlacement, type IntegrationLogin } from '../../registry/index.js';
import type { NonDeviceAccount } from './accounts.js';
import { CONNACK } from './authenticate.js';

/** How often the accounts are read again: a revocation made by the CLI on another machine takes effect within it. */
export const INTEGRATION_POLL_MS = 1000;

const PREFIX = '@';
const SEP = ':';
const DEVICE_ROOT = `${TOPIC_ROOT}/`;

export interface IntegrationDeps {
  /** Every account with its scrypt record (registry.integrations.logins): a handful of rows, read whole each poll. */
  logins: () => Promise<IntegrationLogin[]>;
  /** Where devices are (the device directory): a device's topics reach only accounts whose scope holds it. */
  placements: { get(id: string): DevicePlacement | undefined };
  log: Logger;
  pollMs?: number;
  /**
   * Notes that a client of the account logged in (registry.integrations.noteConnected: the web app's "last connection"),
   * called at most once a minute per account by this broker; a failure is logged, never refuses the login.
   */
  connected?: (name: string, at: number) => Promise<void>;
}

/** The account name in a session id `@<name>:<client id>`, or undefined for any other client id. */
export function accountName(sessionId: string): string | undefined {
  if (!sessionId.startsWith(PREFIX)) return undefined;
  const i = sessionId.indexOf(SEP);
  return i > PREFIX.length ? sessionId.slice(PREFIX.length, i) : undefined;
}

export class IntegrationAccounts implements Component {
  readonly name = 'integration-accounts';
  /** What the broker is given (broker/auth/accounts.ts). */
  readonly account: NonDeviceAccount;
  private readonly state: Health;
  private byName = new Map<string, IntegrationLogin>();
  /** The verifier of the secret that last passed scrypt, per account: a reconnect skips scrypt (as devices'). */
  private readonly verified = new Map<string, { hash: string; verifier: string }>();
  private readonly closers = new Set<(match: (clientId: string) => boolean) => void>();
  /** When this broker last noted each account's login. */
  private readonly noted = new Map<string, number>();
  private stopPoll: (() => void) | undefined;

  constructor(private readonly d: IntegrationDeps) {
    this.state = new Health(this.name, d.log);
    this.account = {
      kind: 'integration',
      owns: (id) => accountName(id) !== undefined,
      sessionId: (login) => this.sessionId(login),
      authenticate: (id, password, username) => this.authenticate(id, password, username),
      mayPublish: (id, topic) => this.live(id)?.writePatterns.some((p) => filterMatches(p, topic)) ?? false,
      maySubscribe: (id, filter) => !filter.startsWith('$') && (this.live(id)?.readPatterns.some((p) => filtersOverlap(filter, p)) ?? false),
      mayRead: (id, topic) => this.mayRead(id, topic),
      // Not a device: nothing is ingested; the publish goes on to its subscribers (and the retained store) as asked.
      publish: () => Promise.resolve(),
      qos2: true,
      dropRefused: true,
      rateKey: (id) => `${PREFIX}${accountName(id)!}`,
      onDrop: (close) => {
        this.closers.add(close);
        return () => this.closers.delete(close);
      },
    };
  }

  async start(): Promise<void> {
    if (this.stopPoll) return;
    await this.reload();
    this.state.started();
    this.stopPoll = guardedInterval(this.state, 'integration accounts reload', this.d.pollMs ?? INTEGRATION_POLL_MS, () => this.reload());
  }

  async stop(): Promise<void> {
    this.stopPoll?.();
    this.stopPoll = undefined;
    this.state.stopped();
  }

  health(): ComponentHealth {
    return this.state.snapshot();
  }

  /** Reads the accounts again; clients of an account revoked (or gone) since are closed. */
  async reload(): Promise<void> {
    const next = new Map((await this.d.logins()).map((a) => [a.name, a]));
    const gone = [...this.byName.values()].filter((a) => !a.revokedAt && next.get(a.name)?.revokedAt !== null).map((a) => a.name);
    this.byName = next;
    for (const name of gone) {
      this.verified.delete(name);
      this.d.log.info({ account: name }, 'integration account revoked: disconnecting its clients');
      for (const close of this.closers) close((id) => accountName(id) === name);
    }
  }

  /** [MQTT-3.1.3-8]: a zero-length client id needs a clean session; the account's glob decides any other. */
  private sessionId(login: { username: string | undefined; clientId: string; clean: boolean }): string | { refuse: number } | undefined {
    const a = login.username === undefined ? undefined : this.byName.get(login.username);
    // A device with the same id keeps its login (the registry refuses such a name, but a device may come later).
    if (!a || this.d.placements.get(a.name)) return undefined;
    if (login.clientId === '' && (!login.clean || a.clientIdPattern !== '')) return { refuse: CONNACK.identifierRejected };
    if (login.clientId !== '' && !globMatches(a.clientIdPattern, login.clientId)) return { refuse: CONNACK.identifierRejected };
    return `${PREFIX}${a.name}${SEP}${login.clientId || `~${randomUUID()}`}`;
  }

  private async authenticate(sessionId: string, password: Buffer, username: string): Promise<'ok' | 'bad-credentials' | 'revoked'> {
    const a = this.byName.get(username);
    // A session id of another account's (typed in by hand) never passes with this one's secret.
    if (!a || accountName(sessionId) !== a.name) return 'bad-credentials';
    if (a.revokedAt !== null) return 'revoked';
    const secret = password.toString('utf8');
    const known = this.verified.get(a.name);
    if (!(known?.hash === a.secretHash && matchesVerifier(secret, known.hash, known.verifier))) {
      if (!(await verifySecret(secret, a.secretHash))) return 'bad-credentials';
      this.verified.set(a.name, { hash: a.secretHash, verifier: hmacVerifier(secret, a.secretHash) });
    }
    this.noteConnected(a.name);
    return 'ok';
  }

  /** The account's last connection, for the web app's list: not on every login (the Paho suite makes dozens a second). */
  private noteConnected(name: string): void {
    const now = Date.now();
    if (!this.d.connected || now - (this.noted.get(name) ?? -Infinity) < CONNECTED_EVERY_MS) return;
    this.noted.set(name, now);
    this.d.connected(name, now).catch((err: unknown) => this.d.log.warn({ err, account: name }, 'last connection of an integration account not noted'));
  }

  /** The account of a connected client, unless revoked since. */
  private live(sessionId: string): IntegrationLogin | undefined {
    const name = accountName(sessionId);
    const a = name === undefined ? undefined : this.byName.get(name);
    return a && a.revokedAt === null ? a : undefined;
  }

  /** Per delivery: a read pattern matches, and a device's topic is within the account's scope. */
  private mayRead(sessionId: string, topic: string): boolean {
    const a = this.live(sessionId);
    if (!a || topic.startsWith('$') || !a.readPatterns.some((p) => filterMatches(p, topic))) return false;
    if ((a.districtId === null && a.schoolId === null) || !topic.startsWith(DEVICE_ROOT)) return true;
    const end = topic.indexOf('/', DEVICE_ROOT.length);
    const p = this.d.placements.get(topic.slice(DEVICE_ROOT.length, end < 0 ? undefined : end));
    if (!p) return false;
    return a.schoolId !== null ? p.schoolId === a.schoolId : p.districtId === a.districtId;
  }
}
