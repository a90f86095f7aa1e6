/**
 * Report exports made in the background so the browser can show progress: querying the report, then rendering the
 * rows. The job and its file are kept in the registry for the user who asked, for an hour (user-jobs.ts), so any
 * dashboard answers the polls and the download. Each export queries a whole window of rollups and renders a PDF: a
 * user (or a stolen session in a loop) may start only a few a minute, counted in the registry for every dashboard.
 */
import { EdufleetError } from '../../lib/errors.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import type { FastifyReply } from 'fastify';
import type { RegistryStore, User } from '../../registry/index.js';
import type { ExportJob } from '../../api/index.js';
import { UserJobs } from './user-jobs.js';

export type ExportWork = (progress: (p: ExportJob['progress']) => void) => Promise<{ fileName: string; contentType: string; data: Buffer }>;

/** Refused because the user started too many exports in the last minute; `retryAfterS` is when the next may start. */
export class ExportRateError extends EdufleetError {
  constructor(readonly retryAfterS: number, perMin: number) {
    super('EDUFLEET_ERR_EXPORT_RATE', `at most ${perMin} exports a minute (dashboard.exportsPerUserPerMin); try again in ${retryAfterS} s`);
  }
}

/**
 * At most `perMin` starts per user in a minute of one kind of export (`name`: "usage", "register", "places"),
 * counted in the registry's `rate_limits` (the login limits' fixed windows): a count in one dashboard's memory would
 * let a user behind a load balancer start `perMin` on each.
 */
export class UserRate {
  constructor(private readonly registry: Pick<RegistryStore, 'hitRateLimit'>, private readonly name: string, private readonly perMin: number, private readonly clock: Clock = systemClock) {}

  /** Counts a start for `userId`, or throws ExportRateError when the minute is full. */
  async take(userId: number): Promise<void> {
    const now = this.clock.now();
    const hit = await this.registry.hitRateLimit(`export:${this.name}:user:${userId}`, now, 60_000);
    if (hit.count > this.perMin) throw new ExportRateError(Math.max(1, Math.ceil((hit.windowStart + 60_000 - now) / 1000)), this.perMin);
  }
}

/** The MIME type of an export is written into its view (`contentType`, never shown) so any dashboard can serve the file. */
type StoredExport = ExportJob & { contentType?: string };

export class ExportJobs {
  private readonly jobs: UserJobs<StoredExport>;
  private readonly rate: UserRate;

  constructor(registry: RegistryStore, opts: { perMin: number; clock?: Clock }) {
    this.jobs = new UserJobs<StoredExport>(registry.jobs, 'export', { clock: opts.clock });
    this.rate = new UserRate(registry, 'usage', opts.perMin, opts.clock);
  }

  /** Starts `work` in the background; throws ExportRateError (429) past the user's rate. */
  async start(user: User, format: ExportJob['format'], work: ExportWork): Promise<ExportJob> {
    await this.rate.take(user.id);
    const job = await this.jobs.add(user, (id) => ({ id, format, status: 'running', progress: { phase: 'query', done: 0, total: 1 } }));
    void (async () => {
      try {
        const f = await work((p) => { job.view.progress = p; job.progress(); });
        Object.assign(job.view, { fileName: f.fileName, contentType: f.contentType, status: 'done' });
        await job.save(f.data);
      } catch (err) {
        Object.assign(job.view, { status: 'failed', fileName: undefined, contentType: undefined, error: failure(err) });
        // Unless the registry itself is down, the failure is recorded; if it is, the job stays 'running' until it expires.
        await job.save(null).catch(() => undefined);
      }
    })();
    return exportView(job.view);
  }

  async get(user: User, id: string): Promise<ExportJob> {
    return exportView(await this.jobs.own(user, id));
  }

  async file(user: User, id: string): Promise<{ fileName: string; contentType: string; data: Buffer }> {
    const { view, file } = await this.jobs.ownWithFile(user, id);
    if (!file || !view.fileName || !view.contentType) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', `this export is ${view.status}`);
    return { fileName: view.fileName, contentType: view.contentType, data: file };
  }
}

/** The job as the API shows it (api/usage.ts ExportJob). */
function exportView({ contentType: _contentType, ...view }: StoredExport): ExportJob {
  return { ...view };
}

function failure(err: unknown): { code: string; message: string } {
  return err instanceof EdufleetError ? { code: err.code, message: err.message } : { code: 'EDUFLEET_ERR_INTERNAL', message: `the export failed: ${(err as Error).message}` };
}

/** Runs `start`; a rate refusal leaves with its Retry-After header, as RFC 9110 asks of a 429. */
export async function startOrRetryAfter<T>(reply: FastifyReply, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if (err instanceof ExportRateError) reply.header('retry-after', String(err.retryAfterS));
    throw err;
  }
}
