/**
 * The bulk runs' watcher (docs/commands.md, "Bulk runs"): every `commands.watchMs` it looks at the running runs,
 * applies each one's abort rule and ends the runs that have nothing left to wait for. Every step is a conditional
 * update in the registry, so several processes may watch at once: one of them ends a run, and only it audits that.
 */
import type { Config } from '../config/index.js';
import type { Clock } from '../lib/clock.js';
import { guardedInterval, Health, type Component, type ComponentHealth } from '../lib/component.js';
import type { Logger } from '../lib/logger.js';
import type { RegistryStore } from '../registry/index.js';

export interface RunWatcherOptions { config: Readonly<Config>; registry: RegistryStore; clock: Clock; log: Logger }

export class RunWatcher implements Component {
  readonly name = 'command-runs';
  private readonly state: Health;
  private stopTimer: (() => void) | undefined;

  constructor(private readonly o: RunWatcherOptions) {
    this.state = new Health(this.name, o.log);
  }

  health(): ComponentHealth { return this.state.snapshot(); }

  async start(): Promise<void> {
    this.state.started();
    this.stopTimer = guardedInterval(this.state, 'watching command runs', this.o.config.commands.watchMs, () => this.pass());
  }

  async stop(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = undefined;
    this.state.stopped();
  }

  /** One pass over the running runs (tests call it on a controlled clock). */
  async pass(): Promise<void> {
    // Filled in by the bulk-run work: abort rule, end of run, audit.
  }
}
