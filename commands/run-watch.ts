/**
 * The bulk runs' watcher (docs/commands.md, "Bulk runs"): every `commands.watchMs` it looks at the running runs,
 * applies each one's abort rule and ends the runs that have nothing left to wait for. Every step is a conditional
 * update in the registry, so several processes may watch at once: one of them ends a run, and only it audits that.
 * With a lease ("job:command-runs", app/jobs.ts) only its holder watches, and another takes over when it dies.
 */
import type { Config } from '../config/index.js';
import type { Clock } from '../lib/clock.js';
import { guardedInterval, Health, type Component, type ComponentHealth } from '../lib/component.js';
import type { Logger } from '../lib/logger.js';
import type { JobLease, RegistryStore, RunProgress } from '../registry/index.js';

export interface RunWatcherOptions {
  config: Readonly<Config>; registry: RegistryStore; clock: Clock; log: Logger;
  /** The leader lease of the timed passes; without it, this watcher's timer always passes. */
  lease?: JobLease;
}

export class RunWatcher implements Component {
  readonly name = 'command-runs';
  private readonly state: Health;
  private stopTimer: (() => void) | undefined;

  constructor(private readonly o: RunWatcherOptions) {
    this.state = new Health(this.name, o.log);
  }

  health(): ComponentHealth {
    const h = this.state.snapshot();
    return this.o.lease ? this.o.lease.annotate(h) : h;
  }

  async start(): Promise<void> {
    this.state.started();
    const lease = this.o.lease;
    this.stopTimer = guardedInterval(this.state, 'watching command runs', this.o.config.commands.watchMs, async () => {
      if (!lease || (await lease.hold())) await this.pass();
    });
    lease?.keep(this.state, () => this.pass());
  }

  async stop(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = undefined;
    await this.o.lease?.stop();
    this.state.stopped();
  }

  /** One pass over the running runs (tests call it on a controlled clock). */
  async pass(): Promise<void> {
    const reg = this.o.registry;
    for (const run of await reg.listRuns({ state: 'running', limit: 500 })) {
      const p = await reg.runProgress(run.id);
      const at = this.o.clock.now();
      const reason = abortReason(p, run.abortFailedPct);
      if (reason !== null) {
        // The audit rides in the abort's transaction: only the process whose update won writes it.
        const won = await reg.transaction(async (tx) => {
          if (!(await tx.abortRun(run.id, reason, at))) return false;
          await tx.audit('abort', 'command.run.abort', 'run', run.id, { reason, ...outcome(p) });
          return true;
        });
        if (won) this.o.log.info({ runId: run.id, reason }, 'command run aborted by its abort rule');
        continue;
      }
      if (p.queued + p.sent + p.delivered > 0) continue;
      await reg.transaction(async (tx) => {
        if (await tx.finishRun(run.id, at)) await tx.audit('system', 'command.run.done', 'run', run.id, outcome(p));
      });
    }
  }
}

/** The outcome counts an audit entry records. */
export function outcome(p: RunProgress): { total: number; succeeded: number; failed: number; expired: number; cancelled: number } {
  return { total: p.total, succeeded: p.succeeded, failed: p.failed, expired: p.expired, cancelled: p.cancelled };
}

/**
 * The abort rule (AWS IoT Jobs' abort criteria): once at least min(total, 5) commands have finished, more than
 * `pct` % of them failed or expired. A small sample first, so one early failure of a school's 600 boards does not stop
 * the rollout; expired counts as failed, because a device that never answered a restart is as worrying as one that
 * refused it. The reason, or null to carry on.
 */
export function abortReason(p: RunProgress, pct: number | null): string | null {
  if (pct === null) return null;
  const bad = p.failed + p.expired;
  const finished = p.succeeded + bad;
  if (finished === 0 || finished < Math.min(p.total, 5)) return null;
  const share = (bad * 100) / finished;
  if (share <= pct) return null;
  return `${bad} of ${finished} finished failed (${Math.round(share * 10) / 10} % > ${pct} %)`;
}
