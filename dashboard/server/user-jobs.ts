import { randomBytes } from 'node:crypto';
import { EdufleetError } from '../../lib/errors.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import type { JobStore, User } from '../../registry/index.js';

/**
 * The largest file a job keeps in the registry (an export, a preview's packed sheet). A province's PDF report or its
 * packed register is a few MB; a row this size is still cheap for PostgreSQL (bytea goes to 1 GB) and SQLite.
 */
export const MAX_JOB_FILE_BYTES = 64 * 1024 * 1024;
/** How often a running job's progress is written for other dashboards to read; its changes of state are written at once. */
const PROGRESS_EVERY_MS = 500;

/**
 * A job this process runs: `view` is changed in place, `progress()` writes it now and then, `save()` writes it (and
 * a file) at once. Writes go one after another, each with the view as it is by then, so the last one wins.
 */
export interface RunningJob<V> {
  readonly view: V;
  progress(): void;
  save(file?: Buffer | null): Promise<void>;
}

/**
 * Background jobs that belong to the user who started them (imports, report exports), kept in the registry
 * (registry/store/jobs.ts) for an hour after they were last looked at, at most a few per user, invisible to everyone
 * else. The process that starts a job runs it; any dashboard on the registry answers for it.
 */
export class UserJobs<V extends { id: string; status: string }> {
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly keep: number;
  private readonly what: string;

  /** `kind` names the jobs' rows ("import", "places-import", "export"); `what` names one in messages. */
  constructor(private readonly store: JobStore, private readonly kind: string, o: { clock?: Clock; ttlMs?: number; maxPerUser?: number; what?: string } = {}) {
    this.what = o.what ?? kind;
    this.clock = o.clock ?? systemClock;
    this.ttlMs = o.ttlMs ?? 60 * 60 * 1000;
    this.keep = o.maxPerUser ?? 5;
  }

  /** Stores a new job under a fresh id, dropping the user's oldest beyond the limit. */
  async add(user: User, make: (id: string) => V): Promise<RunningJob<V>> {
    const view = make(randomBytes(9).toString('base64url'));
    await this.store.add({ id: view.id, kind: this.kind, userId: user.id, status: view.status, view: JSON.stringify(view) }, { now: this.clock.now(), ttlMs: this.ttlMs, keep: this.keep });
    return this.running(view);
  }

  /** The job, if it is this user's (404 otherwise, whether it exists or not). */
  async own(user: User, id: string): Promise<V> {
    return JSON.parse((await this.touch(user, id, false)).view) as V;
  }

  /** The job and its file (null until made). */
  async ownWithFile(user: User, id: string): Promise<{ view: V; file: Buffer | null }> {
    const r = await this.touch(user, id, true);
    return { view: JSON.parse(r.view) as V, file: r.file };
  }

  /**
   * Takes the job in status `from` for this process, changed by `change`: one taker among every dashboard (a second
   * confirmation is refused rather than applied twice). Undefined when the job is no longer in `from`.
   */
  async claim(user: User, id: string, from: V['status'], change: (view: V) => void): Promise<RunningJob<V> | undefined> {
    const view = await this.own(user, id);
    if (view.status !== from) return undefined;
    change(view);
    const taken = await this.store.claim({ kind: this.kind, id, userId: user.id }, from, { status: view.status, view: JSON.stringify(view) });
    return taken ? this.running(view) : undefined;
  }

  private async touch(user: User, id: string, withFile: boolean): Promise<{ view: string; file: Buffer | null }> {
    const r = await this.store.touch({ kind: this.kind, id, userId: user.id }, this.clock.now(), this.ttlMs, withFile);
    if (!r) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no such ${this.what} (they are kept for an hour)`);
    return r;
  }

  private running(view: V): RunningJob<V> {
    let chain: Promise<void> = Promise.resolve();
    let written = 0;
    // The status as last saved: a progress write queued before a change of state must not carry the new state ahead
    // of the save that goes with it (a preview shown 'planned' before its sheet is stored).
    let saved = view.status;
    const write = (status: string, file?: Buffer | null) => this.store.save(view.id, { status, view: JSON.stringify({ ...view, status }), file });
    return {
      view,
      progress: () => {
        const now = this.clock.now();
        if (now - written < PROGRESS_EVERY_MS) return;
        written = now;
        // A lost progress write only shows an older bar: the next write carries the whole view again.
        const status = saved;
        chain = chain.then(() => write(status)).catch(() => undefined);
      },
      save: (file) => {
        if (file && file.length > MAX_JOB_FILE_BYTES) {
          return Promise.reject(new EdufleetError('EDUFLEET_ERR_JOB_TOO_LARGE', `the ${this.what}'s file is ${(file.length / 1048576).toFixed(1)} MB; a job keeps at most ${MAX_JOB_FILE_BYTES / 1048576} MB`));
        }
        saved = view.status;
        const status = saved;
        const done = chain.then(() => write(status, file));
        chain = done.catch(() => undefined);
        return done;
      },
    };
  }
}
