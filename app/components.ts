import { Health, guardedInterval, type Component, type ComponentHealth } from '../lib/component.js';
import type { ManagedInfluxd } from '../lib/influx/index.js';
import type { Logger } from '../lib/logger.js';
import type { DeviceDirectory } from '../registry/index.js';

/**
 * The device directory as a component: the poll of the registry lives here, where a failed read (a locked or
 * vanished database) is logged once, shown on /healthz and retried at the next poll, never an uncaught exception.
 */
export class DirectoryComponent implements Component {
  readonly name = 'directory';
  private readonly state: Health;
  private stopPoll: (() => void) | undefined;

  constructor(readonly directory: DeviceDirectory, private readonly pollMs: number, log: Logger) {
    this.state = new Health(this.name, log);
  }

  async start(): Promise<void> {
    if (this.stopPoll) return;
    await this.directory.refresh();
    this.state.started();
    this.stopPoll = guardedInterval(this.state, 'device registry poll', this.pollMs, () => this.directory.refresh());
  }

  async stop(): Promise<void> {
    this.stopPoll?.();
    this.stopPoll = undefined;
    await this.directory.flushVerifiers();
    this.state.stopped();
  }

  health(): ComponentHealth {
    return this.state.snapshot();
  }
}

/** The managed influxd as a component: degraded (and logged once) when the server it started is no longer running. */
export class InfluxdComponent implements Component {
  readonly name = 'influxd';
  private readonly state: Health;
  private started = false;

  constructor(readonly influxd: ManagedInfluxd, log: Logger) {
    this.state = new Health(this.name, log);
  }

  async start(): Promise<void> {
    await this.influxd.start();
    this.started = true;
    this.state.started();
  }

  async stop(): Promise<void> {
    this.started = false;
    await this.influxd.stop();
    this.state.stopped();
  }

  health(): ComponentHealth {
    if (this.started) {
      if (this.influxd.running) this.state.ok();
      else this.state.fail(new Error(`influxd is not running; see ${this.influxd.dir}/influxd.log`), 'managed InfluxDB');
    }
    return this.state.snapshot();
  }
}
