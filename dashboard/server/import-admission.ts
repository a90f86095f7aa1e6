/**
 * How many uploads are read and planned at once (docs/security.md, "Queues and bounds"): one per user, and
 * imports.maxInFlight over everybody. An upload is admitted before its body is read (the route's preParsing hook), so
 * a refused one never costs the dashboard its bytes: without this, one user posting the same 20 MB file in a loop
 * keeps every copy in memory (and a worker each), and runs the single process, broker included, out of memory.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EdufleetError } from '../../lib/errors.js';

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

export class ImportAdmission {
  private readonly users = new Set<number>();
  /** Each admitted request's slot, until the job that reads its body takes it over (`handOver`). */
  private readonly pending = new WeakMap<FastifyRequest, ImportSlot>();

  constructor(private readonly maxInFlight: number) {}

  /** Uploads admitted and not yet read and planned (or given up). */
  get inFlight(): number { return this.users.size; }

  /** Admits one upload of `userId`, or throws ImportBusyError (429). */
  take(userId: number): ImportSlot {
    if (this.users.has(userId)) {
      throw new ImportBusyError(`your previous file is still being read; wait for its preview, then upload again (try again in ${IMPORT_RETRY_AFTER_S} s)`);
    }
    if (this.users.size >= this.maxInFlight) {
      throw new ImportBusyError(`${this.maxInFlight} files are being read already (imports.maxInFlight); try again in ${IMPORT_RETRY_AFTER_S} s`);
    }
    this.users.add(userId);
    let held = true;
    return { release: () => { if (held) { held = false; this.users.delete(userId); } } };
  }

  /**
   * The route's preParsing step, before the body is read: admits the request's user (or answers 429 with
   * Retry-After), and gives the slot back when the request ends without a job taking it over (refused later, too
   * large, cut off by the client).
   */
  admit(req: FastifyRequest, reply: FastifyReply, userId: number): void {
    let slot: ImportSlot;
    try {
      slot = this.take(userId);
    } catch (err) {
      if (err instanceof ImportBusyError) reply.header('retry-after', String(err.retryAfterS));
      throw err;
    }
    this.pending.set(req, slot);
    // 'close' comes after the answer is sent, and also when the connection drops first.
    reply.raw.once('close', () => { if (this.pending.get(req) === slot) slot.release(); });
  }

  /** The request's slot, now the job's to release once its file is read and planned. */
  handOver(req: FastifyRequest): ImportSlot {
    const slot = this.pending.get(req);
    if (!slot) throw new EdufleetError('EDUFLEET_ERR_INTERNAL', 'an upload reached its handler without being admitted');
    this.pending.delete(req);
    return slot;
  }
}
