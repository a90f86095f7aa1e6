import type { Logger } from '../lib/logger.js';
import { TypedEmitter } from '../lib/typed-emitter.js';
import { hmacVerifier, matchesVerifier, secretVerifier, verifySecret } from './secrets.js';
import type { SecretVerifier } from './store/device-verifiers.js';
import type { RegistryStore } from './store/index.js';
import type { DevicePlacement } from './types.js';

/** How long a login whose verifier is not in memory waits for others to share its registry query. */
const LOOKUP_GATHER_MS = 5;

type StoredSecret = NonNullable<ReturnType<Awaited<ReturnType<RegistryStore['secretHashes']>>['get']>>;

export type AuthOutcome = 'ok' | 'unknown' | 'bad-secret' | 'revoked';

interface DirectoryEvents extends Record<string, unknown[]> {
  /** A device was revoked or its secret rotated (not merely edited): whoever holds its connection must drop it. */
  invalidated: [deviceId: string];
  changed: [placement: DevicePlacement];
}

/**
 * An in-memory view of every device's placement, kept fresh by polling the registry's revision counter, so the
 * hot paths (authentication, ingest enrichment, scope checks) never query the registry per message, and a device
 * added or revoked from another process (the CLI) takes effect within one poll. The poll is the stack's
 * (app/components.ts, DirectoryComponent): `refresh()` is the only way in.
 */
export class DeviceDirectory extends TypedEmitter<DirectoryEvents> {
  private readonly byId = new Map<string, DevicePlacement>();
  /**
   * The verifier of the last secret that passed scrypt, per device (with the scrypt record it is keyed with): a
   * reconnect skips scrypt. Loaded from the registry at the first pull, so a restart does too; dropped when the
   * credentials change.
   */
  private readonly verified = new Map<string, { hash: string; verifier: string }>();
  /** Verifiers waiting to be written: one transaction takes all that piled up while the previous one ran. */
  private unsaved: SecretVerifier[] = [];
  private saving: Promise<void> | undefined;
  /**
   * Logins waiting for their device's stored secret: read in one query per batch, not one per CONNECT (a node taking
   * over a dead node's devices looks up thousands at once); the next batch gathers while one is in flight.
   */
  private lookups = new Map<string, ((r: StoredSecret | undefined | Error) => void)[]>();
  private looking = false;
  /** How logins were checked since start: `scrypt` (the slow path) or `verifier`. For /metrics and tests. */
  readonly checks = { scrypt: 0, verifier: 0 };
  private rev = 0;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(private readonly registry: RegistryStore, private readonly logger?: Logger) {
    super(logger);
  }

  /**
   * Pulls changes now; called by the poll and by in-process writers that cannot wait for it. One pull at a time: a
   * call while one runs waits for a fresh pull after it (the running one may have read before the caller's write),
   * and two overlapping pulls from the same revision would emit every change twice.
   */
  refresh(): Promise<void> {
    if (!this.running) {
      this.running = this.pull().finally(() => { this.running = undefined; });
      return this.running;
    }
    this.queued ??= this.running.catch(() => undefined).then(() => {
      this.queued = undefined;
      return this.refresh();
    });
    return this.queued;
  }

  private async pull(): Promise<void> {
    const { rev, placements } = await this.registry.placementsSince(this.rev);
    const first = this.rev === 0;
    this.rev = rev;
    for (const p of placements) {
      const before = this.byId.get(p.id);
      this.byId.set(p.id, p);
      // Only a revocation or a new secret ends a session; editing the record (name, notes, room) must not.
      const credentialsChanged = !before || before.revoked !== p.revoked || before.credential !== p.credential;
      if (credentialsChanged) this.verified.delete(p.id);
      if (!first) {
        if (before && credentialsChanged) this.emit('invalidated', p.id);
        this.emit('changed', p);
      }
    }
    if (first) await this.loadVerifiers();
  }

  /** The verifiers saved by earlier runs, for devices whose credentials are still those the verifier was made from. */
  private async loadVerifiers(): Promise<void> {
    for (const v of await this.registry.secretVerifiers()) {
      const p = this.byId.get(v.id);
      if (p && !p.revoked && p.credential === v.hash.slice(-12)) this.verified.set(v.id, { hash: v.hash, verifier: v.verifier });
    }
  }

  private save(v: SecretVerifier): void {
    this.unsaved.push(v);
    if (this.saving) return;
    const next = (): Promise<void> | undefined => {
      const batch = this.unsaved;
      if (batch.length === 0) return undefined;
      this.unsaved = [];
      // Losing a verifier costs one scrypt at the next restart, nothing more: a failed write is not worth a login.
      return this.registry.storeSecretVerifiers(batch).catch((err: unknown) => this.logger?.warn({ err, devices: batch.length }, 'could not save device secret verifiers'))
        .then(() => next());
    };
    this.saving = next()?.finally(() => { this.saving = undefined; });
  }

  /** Resolves once every verifier noted so far is written (tests, shutdown). */
  async flushVerifiers(): Promise<void> {
    while (this.saving) await this.saving;
  }

  get(id: string): DevicePlacement | undefined {
    return this.byId.get(id);
  }

  all(): IterableIterator<DevicePlacement> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }

  async authenticate(id: string, secret: string): Promise<AuthOutcome> {
    if (!this.byId.has(id)) await this.refresh();
    const p = this.byId.get(id);
    if (!p) return 'unknown';
    if (p.revoked) return 'revoked';
    const known = this.verified.get(id);
    if (known && matchesVerifier(secret, known.hash, known.verifier)) {
      this.checks.verifier++;
      return 'ok';
    }
    const stored = await this.storedSecret(id);
    if (!stored?.hash) return 'bad-secret';
    if (stored.revoked) return 'revoked';
    // Saved by another process (or an earlier run) since this one loaded the verifiers: a node taking over a dead
    // node's devices would otherwise pay scrypt for each of them at once, in the middle of a failover.
    if (stored.verifier && matchesVerifier(secret, stored.hash, stored.verifier)) {
      this.checks.verifier++;
      this.verified.set(id, { hash: stored.hash, verifier: stored.verifier });
      return 'ok';
    }
    this.checks.scrypt++;
    if (!(await verifySecret(secret, stored.hash))) return 'bad-secret';
    const durable = secretVerifier(secret, stored.hash);
    this.verified.set(id, { hash: stored.hash, verifier: durable ?? hmacVerifier(secret, stored.hash) });
    if (durable) this.save({ id, hash: stored.hash, verifier: durable });
    return 'ok';
  }

  /** The device's stored secret, looked up with the other logins of the moment (see `lookups`). */
  private storedSecret(id: string): Promise<StoredSecret | undefined> {
    return new Promise((resolve, reject) => {
      const waiting = this.lookups.get(id);
      const settle = (r: StoredSecret | undefined | Error) => (r instanceof Error ? reject(r) : resolve(r));
      if (waiting) waiting.push(settle);
      else this.lookups.set(id, [settle]);
      if (!this.looking) {
        this.looking = true;
        // A few milliseconds for the CONNECTs arriving together to join one query (a failover brings a thousand a
        // second to each node; one query each cost the node more than the rest of the login).
        setTimeout(() => void this.lookUp(), LOOKUP_GATHER_MS);
      }
    });
  }

  private async lookUp(): Promise<void> {
    while (this.lookups.size) {
      const batch = this.lookups;
      this.lookups = new Map();
      try {
        const found = await this.registry.secretHashes([...batch.keys()]);
        for (const [id, waiting] of batch) for (const settle of waiting) settle(found.get(id));
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        for (const waiting of batch.values()) for (const settle of waiting) settle(e);
      }
    }
    this.looking = false;
  }
}
