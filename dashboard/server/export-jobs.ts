/**
 * Report exports made in the background so the browser can show progress: querying the report, then rendering the
 * rows. Files are kept in memory for the user who asked, for an hour. Each export queries a whole window of rollups
 * and renders a PDF: a user (or a stolen session in a loop) may start only a few a minute.
 */
import { EdufleetError } from '../../lib/errors.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import type { FastifyReply } from 'fastify';
import type { User } from '../../registry/index.js';
import type { ExportJob } from '../../api/index.js';
import { UserJobs } from './user-jobs.js';

export type ExportWork = (progress: (p: ExportJob['progress']) => void) => Promise<{ fileName: string; contentType: string; data: Buffer }>;

interface Job { view: ExportJob; file?: { contentType: string; data: Buffer } }

/** Refused because the user started too many exports in the last minute; `retryAfterS` is when the next may start. */
export class ExportRateError extends EdufleetError {
  constructor(readonly retryAfterS: number, perMin: number) {
    super('EDUFLEET_ERR_EXPORT_RATE', `at most ${perMin} exports a minute (dashboard.exportsPerUserPerMin); try again in ${retryAfterS} s`);
  }
}

/** At most `perMin` starts per user in any 60 seconds (a sliding window: no burst at the turn of a minute). */
export class UserRate {
  private readonly starts = new Map<number, number[]>();

  constructor(private readonly perMin: number, private readonly clock: Clock = systemClock) {}

  /** Counts a start for `userId`, or throws ExportRateError when the window is full. */
  take(userId: number): void {
    const now = this.clock.now();
    const recent = (this.starts.get(userId) ?? []).filter((t) => now - t < 60_000);
    if (recent.length >= this.perMin) throw new ExportRateError(Math.max(1, Math.ceil((recent[0]! + 60_000 - now) / 1000)), this.perMin);
    recent.push(now);
    this.starts.set(userId, recent);
  }
}

export class ExportJobs {
  private readonly jobs = new UserJobs<Job>('export');
  private readonly rate: UserRate;

  constructor(opts: { perMin: number; clock?: Clock }) {
    this.rate = new UserRate(opts.perMin, opts.clock);
  }

  /** Starts `work` in the background; throws ExportRateError (429) past the user's rate. */
  start(user: User, format: ExportJob['format'], work: ExportWork): ExportJob {
    this.rate.take(user.id);
    const job = this.jobs.add(user, (id) => ({ view: { id, format, status: 'running', progress: { phase: 'query', done: 0, total: 1 } } }));
    work((p) => { job.view.progress = p; }).then((f) => {
      job.file = { contentType: f.contentType, data: f.data };
      job.view.fileName = f.fileName;
      job.view.status = 'done';
    }, (err: unknown) => {
      job.view.status = 'failed';
      job.view.error = err instanceof EdufleetError ? { code: err.code, message: err.message } : { code: 'EDUFLEET_ERR_INTERNAL', message: `the export failed: ${(err as Error).message}` };
    });
    return job.view;
  }

  get(user: User, id: string): ExportJob {
    return this.jobs.own(user, id).view;
  }

  file(user: User, id: string): { fileName: string; contentType: string; data: Buffer } {
    const job = this.jobs.own(user, id);
    if (!job.file || !job.view.fileName) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', `this export is ${job.view.status}`);
    return { fileName: job.view.fileName, ...job.file };
  }
}

/** Runs `start`; a rate refusal leaves with its Retry-After header, as RFC 9110 asks of a 429. */
export function startOrRetryAfter<T>(reply: FastifyReply, start: () => T): T {
  try {
    return start();
  } catch (err) {
    if (err instanceof ExportRateError) reply.header('retry-after', String(err.retryAfterS));
    throw err;
  }
}
