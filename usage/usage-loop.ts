import type { InfluxDB } from 'influx';
import type { Config } from '../config/index.js';
import type { Clock } from '../lib/clock.js';
import { Health, type Component, type ComponentHealth } from '../lib/component.js';
import { influxClient, rollupStorage, type RollupStorage } from '../lib/influx/index.js';
import type { Logger } from '../lib/logger.js';
import type { JobLease, RegistryStore, ReportStore } from '../registry/index.js';
import { UsageAnalyser } from './analyser.js';

/**
 * The `usage` component: analyses today, yesterday and the days late data reached (a device's backlog, marked by
 * the gateway) every `usage.analyseIntervalMs`, so rollups stay current
 * within minutes. Of the processes that run it, the holder of its lease ("job:usage", app/jobs.ts) passes and the
 * others stand by to take over (rewriting a day is idempotent, so a pass of a holder that lost its lease meanwhile
 * harms nothing; it is only wasteful twice). A pass
 * that fails (InfluxDB down, a registry read refused) is logged once, shown on /healthz and simply tried again at
 * the next interval.
 */
export class UsageLoop implements Component {
  readonly name = 'usage';
  readonly analyser: UsageAnalyser;
  private readonly influx: InfluxDB;
  /** InfluxDB 1.x or 2.x, as `influx.version` says: the set-up and the clearing of a day (lib/influx/rollup-storage.ts). */
  private readonly rollups: RollupStorage;
  private readonly state: Health;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private schemaReady = false;

  constructor(private readonly o: { config: Readonly<Config>; influxUrl: string; registry: RegistryStore; store: ReportStore; log: Logger; clock: Clock; lease?: JobLease }) {
    this.influx = influxClient(o.influxUrl, o.config.influx);
    this.rollups = rollupStorage({ ...o.config.influx, url: o.influxUrl }, this.influx, o.log);
    this.analyser = new UsageAnalyser({ influx: this.influx, database: o.config.influx.database, registry: o.registry, store: o.store, log: o.log, clock: o.clock, rollups: this.rollups });
    this.state = new Health(this.name, o.log);
  }

  health(): ComponentHealth {
    const h = this.state.snapshot();
    return this.o.lease ? this.o.lease.annotate(h) : h;
  }

  async start(): Promise<void> {
    this.state.started();
    const every = this.o.config.usage.analyseIntervalMs;
    // The rollup retention policy must exist even in a process that runs no gateway. InfluxDB down at start is a
    // fault like any other: shown, and the schema is tried again before the next pass. An InfluxDB 2.x primary is
    // the operator's: its buckets are set up only when this process is to analyse (then, or before the first pass).
    if (this.rollups.ownsSchema || every) await this.ensureSchema().catch((err: unknown) => this.state.fail(err, 'InfluxDB schema set-up'));
    if (!every || this.timer) return;
    this.timer = setInterval(() => void this.leading(), every);
    this.timer.unref();
    // Renewed while a pass runs too; a standby takes over within the lease and passes at its own next turn.
    this.o.lease?.keep(this.state, () => undefined);
  }

  /** A timed pass, if this process holds the lease (or has none); checked before each pass. */
  private async leading(): Promise<void> {
    try {
      if (this.o.lease && !(await this.o.lease.hold())) return;
    } catch (err) {
      this.state.fail(err, 'taking the usage lease');
      return;
    }
    await this.runOnce();
  }

  private async ensureSchema(): Promise<void> {
    if (this.schemaReady) return;
    await this.rollups.ensureSchema();
    this.schemaReady = true;
  }

  /** One pass; a pass still running is not started twice. Never rejects: a failure is recorded in health(). */
  async runOnce(): Promise<void> {
    if (this.running) return this.running.then(() => undefined);
    const started = Date.now();
    this.running = this.ensureSchema().then(() => this.analyser.analyseRecent()).then(
      (days) => {
        this.state.ok();
        this.o.log.debug({ days: days.map((d) => d.date), ms: Date.now() - started }, 'room usage analysed');
      },
      (err: unknown) => this.state.fail(err, 'room usage analysis'),
    );
    await this.running;
    this.running = undefined;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.o.lease?.stop();
    this.state.stopped();
  }
}
