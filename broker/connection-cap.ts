import type { AuthenticateError, Client } from 'aedes';
import type { ProcessLimits } from '../lib/limits.js';
import type { Metrics } from '../lib/metrics.js';

type Done = (err: AuthenticateError | null, ok: boolean | null) => void;
export type Authenticate = (client: Client, username: Readonly<string> | undefined, password: Readonly<Buffer> | undefined, done: Done) => void;

/** CONNACK 3 [MQTT-3.2.2.3]: the device keeps its readings and tries again later, as after any outage. */
const SERVER_UNAVAILABLE = 3;

/**
 * The broker's connection cap: a device beyond it is refused with CONNACK 3 "server unavailable" rather than
 * accepted into a process that would then fail to open its spool segment or a registry file (EMFILE) and take every
 * device down with it. Counted per device id, so a reconnect that takes over its own session is not a new connection.
 */
export class ConnectionCap {
  private readonly connected = new Map<string, Client>();
  private refused = 0;

  constructor(private readonly limits: ProcessLimits, private readonly metrics: Metrics) {
    metrics.connectionCap.set(limits.connectionCap);
    if (Number.isFinite(limits.openFiles.soft)) metrics.openFileLimit.set(limits.openFiles.soft);
  }

  get cap(): number {
    return this.limits.connectionCap;
  }

  /** Checks the cap before the credentials (no scrypt for a device that will be refused) and again once they pass. */
  wrap(authenticate: Authenticate): Authenticate {
    return (client, username, password, done) => {
      if (this.full(client)) return this.refuse(done);
      authenticate(client, username, password, (err, ok) => {
        if (err || !ok) return done(err, ok);
        // Authentications run concurrently: the first check may have passed for more devices than places left.
        if (this.full(client)) return this.refuse(done);
        this.admit(client);
        done(null, true);
      });
    };
  }

  /** For /healthz: what the cap is, what it rests on, and how often it refused. */
  details(): Record<string, number | string> {
    const l = this.limits;
    return {
      connections: this.connected.size,
      connectionCap: l.connectionCap,
      capSource: l.capSource,
      openFileLimit: Number.isFinite(l.openFiles.soft) ? l.openFiles.soft : 'unlimited',
      fileReserve: l.reserve,
      refusedOverCap: this.refused,
    };
  }

  private full(client: Client): boolean {
    return this.connected.size >= this.cap && !this.connected.has(client.id);
  }

  private refuse(done: Done): void {
    this.refused += 1;
    this.metrics.connectRefused.inc({ reason: 'cap' });
    const err = new Error(`server unavailable: ${this.cap} devices connected (the connection cap)`) as AuthenticateError;
    err.returnCode = SERVER_UNAVAILABLE;
    done(err, null);
  }

  private admit(client: Client): void {
    const conn = client.conn;
    if (conn.destroyed) return;
    this.connected.set(client.id, client);
    conn.once('close', () => {
      if (this.connected.get(client.id) === client) this.connected.delete(client.id);
    });
  }
}
