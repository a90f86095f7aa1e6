/**
 * The web app's import and export jobs (dashboard/server/user-jobs.ts), a row each: the job's view as the browser polls
 * it, its status apart so a change of state can be a conditional update, and its file once made (an export's CSV, XLSX
 * or PDF; a preview's parsed sheet). Any dashboard on the registry answers a poll, a download or a confirmation,
 * whichever one started the job. A job is its user's only and lasts `ttlMs` after it was last looked at.
 */
import type { Ctx } from './context.js';
import { changed } from './context.js';

export interface NewUserJob { id: string; kind: string; userId: number; status: string; view: string }
/** Which job: `kind` ("import", "places-import", "export") keeps kinds apart, `userId` keeps users apart. */
export interface JobKey { kind: string; id: string; userId: number }

export class JobStore {
  constructor(private readonly c: Ctx) {}

  /**
   * Adds a job, first dropping every job untouched for `ttlMs` and this user's oldest of the kind beyond `keep - 1`,
   * so the table holds at most `keep` of a kind per user and nothing older than an hour (as the memory did).
   */
  async add(j: NewUserJob, o: { now: number; ttlMs: number; keep: number }): Promise<void> {
    await this.c.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('user_jobs').where('touched_at', '<=', o.now - o.ttlMs).execute();
      const mine = await trx.selectFrom('user_jobs').select('id').where('user_id', '=', j.userId).where('kind', '=', j.kind)
        .orderBy('touched_at', 'desc').orderBy('id').offset(Math.max(0, o.keep - 1)).limit(1000).execute();
      if (mine.length) await trx.deleteFrom('user_jobs').where('id', 'in', mine.map((r) => r.id)).execute();
      await trx.insertInto('user_jobs').values({ id: j.id, kind: j.kind, user_id: j.userId, status: j.status, view: j.view, file: null, touched_at: o.now }).execute();
    });
  }

  /** The job's view (and its file when `withFile`), touched now; undefined when it is not this user's or has expired. */
  async touch(k: JobKey, now: number, ttlMs: number, withFile = false): Promise<{ view: string; file: Buffer | null } | undefined> {
    const r = await this.c.db.updateTable('user_jobs').set({ touched_at: now })
      .where('id', '=', k.id).where('kind', '=', k.kind).where('user_id', '=', k.userId).where('touched_at', '>', now - ttlMs)
      .returning(withFile ? ['view', 'file'] : ['view']).executeTakeFirst();
    return r && { view: r.view, file: 'file' in r && r.file ? Buffer.from(r.file) : null };
  }

  /** Writes the job's state; `file` undefined keeps the stored one, null drops it. */
  async save(id: string, s: { status: string; view: string; file?: Buffer | null }): Promise<void> {
    await this.c.db.updateTable('user_jobs').set({ status: s.status, view: s.view, ...(s.file !== undefined ? { file: s.file } : {}) }).where('id', '=', id).execute();
  }

  /** Moves the job from status `from` to `to`, for one caller of all dashboards: true when this call did. */
  async claim(k: JobKey, from: string, to: { status: string; view: string }): Promise<boolean> {
    return changed(await this.c.db.updateTable('user_jobs').set(to)
      .where('id', '=', k.id).where('kind', '=', k.kind).where('user_id', '=', k.userId).where('status', '=', from).executeTakeFirst());
  }
}
