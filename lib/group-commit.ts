/**
 * Group commit for the append-only logs (the gateway's spool, an edge's forward log): appends gather for `delayMs`,
 * one write and one fdatasync cover them all, and every append of the group waits on one shared promise. It exists so
 * that both logs keep one copy of the delicate part — one commit at a time, the next group scheduled once it is done,
 * close committing what is left — while each keeps its own commit body (what it writes, its bookkeeping, the cut back
 * to the durable offset on error).
 */

/** The waiters of one group: the commit body settles them all at once, resolved only when the group is durable. */
export interface GroupWaiters {
  resolve(): void;
  /** Nothing of the group counts as acknowledged. */
  reject(err: Error): void;
}

/** The group the next commit will cover, and the promise every append in it shares. */
export interface PendingGroup<G> {
  readonly group: G;
  readonly done: Promise<void>;
}

export interface GroupCommitOptions<G> {
  /** How long appends gather before one commit covers them all. */
  delayMs: number;
  /** A new, empty group. */
  newGroup: () => G;
  /**
   * Writes a group and settles its waiters: resolves them once it is durable, or rejects them all. It is never called
   * while another commit (or a task given to `runExclusive`) is in progress. The body settles them, not this class, so
   * that each log keeps its own order (the spool resolves, then wakes its writer) and its own error handling: a body
   * that throws leaves its waiters as they are and the error in the commit slot (close() rethrows it). Must be async.
   */
  commit: (group: G, waiters: GroupWaiters) => Promise<void>;
}

export class GroupCommit<G> {
  /** One promise per group, not per append: appends arrive by the thousand between two commits. */
  private pending: (PendingGroup<G> & GroupWaiters) | undefined;
  private committing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly o: GroupCommitOptions<G>) {}

  /**
   * The group the next commit will cover (a new one if none is gathering), with the commit scheduled: the caller adds
   * its items to `group` and waits on `done`.
   */
  join(): PendingGroup<G> {
    if (!this.pending) {
      let resolve!: () => void;
      let reject!: (e: Error) => void;
      const done = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
      this.pending = { group: this.o.newGroup(), done, resolve, reject };
    }
    this.schedule();
    return this.pending;
  }

  /** True when no group is gathering, waiting for its timer or being committed. */
  get idle(): boolean {
    return !this.pending && !this.timer && !this.committing;
  }

  /**
   * Runs `task` in the commit slot (only when idle and not closed): no commit starts until it is done, and a group
   * that gathered meanwhile is scheduled after it.
   */
  runExclusive(task: () => Promise<void>): void {
    if (this.closed || !this.idle) return;
    this.occupy(task());
  }

  private schedule(): void {
    if (this.timer || this.committing || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.occupy(this.commitPending());
    }, this.o.delayMs);
  }

  /** One commit at a time: the next group waits for this one, then gets its own timer. */
  private occupy(work: Promise<void>): void {
    this.committing = work.finally(() => {
      this.committing = undefined;
      if (this.pending) this.schedule();
    });
  }

  private commitPending(): Promise<void> {
    const p = this.pending;
    this.pending = undefined;
    if (!p) return Promise.resolve();
    return this.o.commit(p.group, p);
  }

  /** Stops the timer, waits for the commit in progress, then commits what is still gathering; no more are scheduled. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.committing;
    if (this.pending) await this.commitPending();
  }
}
