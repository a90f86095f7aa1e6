import { createHash } from 'node:crypto';
import type { Logger } from '../lib/logger.js';
import { TypedEmitter } from '../lib/typed-emitter.js';
import { verifySecret } from './secrets.js';
import type { RegistryStore } from './store/index.js';
import type { DevicePlacement } from './types.js';

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
  /** sha256 of the last secret that verified, per device: reconnects skip scrypt. Dropped when credentials change. */
  private readonly verified = new Map<string, string>();
  private rev = 0;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(private readonly registry: RegistryStore, logger?: Logger) {
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
    const digest = createHash('sha256').update(secret).digest('base64');
    if (this.verified.get(id) === digest) return 'ok';
    const stored = await this.registry.secretHash(id);
    if (!stored?.hash) return 'bad-secret';
    if (stored.revoked) return 'revoked';
    if (!(await verifySecret(secret, stored.hash))) return 'bad-secret';
    this.verified.set(id, digest);
    return 'ok';
  }
}
