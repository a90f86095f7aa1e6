import { randomBytes } from 'node:crypto';
import { EdufleetError } from '../../lib/errors.js';
import type { User } from '../../registry/index.js';

/**
 * Background jobs that belong to the user who started them (imports, report exports): kept in this process's
 * memory for an hour after they were last looked at, at most a few per user, invisible to everyone else.
 */
export class UserJobs<J> {
  private readonly jobs = new Map<string, { job: J; userId: number; touched: number }>();

  constructor(private readonly what: string, private readonly ttlMs = 60 * 60 * 1000, private readonly maxPerUser = 5) {}

  /** Stores a new job under a fresh id, dropping the user's oldest beyond the limit. */
  add(user: User, make: (id: string) => J): J {
    this.expire();
    const mine = [...this.jobs.entries()].filter(([, j]) => j.userId === user.id);
    for (const [id] of mine.slice(0, Math.max(0, mine.length - this.maxPerUser + 1))) this.jobs.delete(id);
    const id = randomBytes(9).toString('base64url');
    const job = make(id);
    this.jobs.set(id, { job, userId: user.id, touched: Date.now() });
    return job;
  }

  /** The job, if it is this user's (404 otherwise, whether it exists or not). */
  own(user: User, id: string): J {
    this.expire();
    const entry = this.jobs.get(id);
    if (!entry || entry.userId !== user.id) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no such ${this.what} (they are kept for an hour)`);
    entry.touched = Date.now();
    return entry.job;
  }

  private expire(now = Date.now()): void {
    for (const [id, j] of this.jobs) if (now - j.touched > this.ttlMs) this.jobs.delete(id);
  }
}
