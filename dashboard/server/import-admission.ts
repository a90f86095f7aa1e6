/**
 * How many uploads are read and planned at once (docs/security.md, "Queues and bounds"): one per user, over every
 * dashboard on the registry (a lease row per user), and imports.maxInFlight over everybody in this process (the
 * memory it protects is this process's). An upload is admitted before its body is read (the route's preParsing hook), so
 * a refused one never costs the dashboard its bytes: without this, one user posting the same 20 MB file in a loop
 * keeps every copy in memory (and a worker each), and runs the single process, broker included, out of memory.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EdufleetError } from '../../lib/errors.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import type { RegistryStore } from '../../registry/index.js';

/** What a refused upload is told to wait: a register is read and planned in seconds. */
export const IMPORT_RETRY_AFTER_S = 5;

/** A refused upload; `retryAfterS` goes out as Retry-After (RFC 9110, 429). */
export class ImportBusyError extends EdufleetError {
  readonly retryAfterS = IMPORT_RETRY_AFTER_S;
  constructor(message: string) {
    super('EDUFLEET_ERR_IMPORT_BUSY', message);
  }
}

/** One admitted upload's place; `release` gives it back (more calls do nothing). */
export interface ImportSlot { release(): void }

/**
 * A user's upload lease in the registry (`leases`, "import:user:<id>"): renewed every third of this while the file is
 * read and planned, so a dashboard that dies holding one frees its user within a minute.
 */
export const UPLOAD_LEASE_MS = 60_000;
type Leases = Pick<RegistryStore, 'holdLease' | 'releaseLease'>;

export class ImportAdmission {
  private readonly users = new Set<number>();
  /** Each admitted request's slot, until the job that reads its body takes it over (`handOver`). */
  private readonly pending = new WeakMap<FastifyRequest, ImportSlot>();

  /** This process's name on its leases: the local set already keeps one upload per user here. */
  private readonly owner = `import-admission/${randomBytes(6).toString('hex')}`;

  /** Without `leases` (a test of this process alone) the per-user bound is this process's. */
  constructor(private readonly maxInFlight: number, private readonly leases?: Leases, private readonly clock: Clock = systemClock) {}

  /** Uploads admitted and not yet read and planned (or given up). */
  get inFlight(): number { return this.users.size; }

  /** Admits one upload of `userId`, or throws ImportBusyError (429). */
  async take(userId: number): Promise<ImportSlot> {
    const busy = () => new ImportBusyError(`your previous file is still being read; wait for its preview, then upload again (try again in ${IMPORT_RETRY_AFTER_S} s)`);
    // The local checks come first and synchronously: 20 uploads at once from one user cost one registry write, not 20.
    if (this.users.has(userId)) throw busy();
    if (this.users.size >= this.maxInFlight) {
      throw new ImportBusyError(`${this.maxInFlight} files are being read already (imports.maxInFlight); try again in ${IMPORT_RETRY_AFTER_S} s`);
    }
    this.users.add(userId);
    const lease = `import:user:${userId}`;
    let renew: NodeJS.Timeout | undefined;
    if (this.leases) {
      const leases = this.leases;
      const hold = () => leases.holdLease(lease, this.owner, this.clock.now(), UPLOAD_LEASE_MS);
      try {
        if (!(await hold())) throw busy();
      } catch (err) {
        this.users.delete(userId);
        throw err;
      }
      // A missed renewal is retried at the next; the lease lasts three of them.
      renew = setInterval(() => { hold().catch(() => undefined); }, UPLOAD_LEASE_MS / 3);
      renew.unref();
    }
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        clearInterval(renew);
        this.users.delete(userId);
        // Given back at once; if the registry does not answer, the lease runs out by itself.
        this.leases?.releaseLease(lease, this.owner, this.clock.now()).catch(() => undefined);
      },
    };
  }

  /**
   * The route's preParsing step, before the body is read: admits the request's user (or answers 429 with
   * Retry-After), and gives the slot back when the request ends without a job taking it over (refused later, too
   * large, cut off by the client).
   */
  async admit(req: FastifyRequest, reply: FastifyReply, userId: number): Promise<void> {
    // 'close' comes after the answer is sent, and also when the connection drops first (even while the lease is taken).
    let closed = false;
    reply.raw.once('close', () => {
      closed = true;
      const slot = this.pending.get(req);
      if (slot) { this.pending.delete(req); slot.release(); }
    });
    let slot: ImportSlot;
    try {
      slot = await this.take(userId);
    } catch (err) {
      if (err instanceof ImportBusyError) reply.header('retry-after', String(err.retryAfterS));
      throw err;
    }
    if (closed) slot.release();
    else this.pending.set(req, slot);
  }

  /** The request's slot, now the job's to release once its file is read and planned. */
  handOver(req: FastifyRequest): ImportSlot {
    const slot = this.pending.get(req);
    if (!slot) throw new EdufleetError('EDUFLEET_ERR_INTERNAL', 'an upload reached its handler without being admitted');
    this.pending.delete(req);
    return slot;
  }
}
