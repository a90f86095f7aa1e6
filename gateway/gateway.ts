import type { Config } from '../config/index.js';
import type { Clock } from '../lib/clock.js';
import { Health, type Component, type ComponentHealth } from '../lib/component.js';
import { parseDuration } from '../lib/duration.js';
import { EdufleetError } from '../lib/errors.js';
import { countResourceError, formatBytes } from '../lib/limits.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { DeviceChannel } from '../protocol/index.js';
import type { DeviceDirectory, DevicePlacement, RegistryStore } from '../registry/index.js';
import { HealthSignals } from './health-signals.js';
import { LateDays } from './late-days.js';
import { LiveState, type Presence } from './live-state.js';
import { Spool, SpoolFullError } from './spool.js';
import { messageTs, otherLine, parseOther, parseTelemetry, presenceLine, rejectedLine, saneTs, telemetryLines, type TimeWindow } from './message-lines.js';
import { MirrorLoop } from './mirror-loop.js';
import type { TelemetryWriter } from './telemetry-writer.js';
import { WriterLoop } from './writer-loop.js';
import { mirrorWriter, primaryWriter, SchemaFirstWriter } from './writers.js';

export interface GatewayOptions {
  config: Readonly<Config>;
  /** The InfluxDB URL to write to (the configured one, or the managed influxd's). */
  influxUrl: string;
  directory: DeviceDirectory;
  metrics: Metrics;
  log: Logger;
  clock: Clock;
  /** Defaults to the writer `influx.version` names (gateway/writers.ts). */
  writer?: TelemetryWriter;
  /** Where the health signals go (docs/alerts.md); without it, or with `alerts.enabled` off, none are recorded. */
  registry?: RegistryStore;
}

export type IngestOutcome = { accepted: number } | { rejected: string };

const UNKNOWN_DEVICE: IngestOutcome = { rejected: 'unknown device' };
const ACCEPTED_ONE: IngestOutcome = { accepted: 1 };
const acceptedOne = (): IngestOutcome => ACCEPTED_ONE;

/**
 * Validates, enriches and spools what devices send; the writer loop takes it on to InfluxDB. `ingest` resolves
 * once the result is durable in the spool: the broker acknowledges a QoS 1 message only then.
 */
export class Gateway implements Component {
  readonly name = 'gateway';
  readonly live = new LiveState();
  /** Appends to the spool: degraded while the disk refuses them (the broker then acknowledges nothing). */
  private readonly spoolHealth: Health;
  /** Starting new spool segments: a failure (EMFILE) lets appends go on into the current one, so it has its own state. */
  private readonly segmentHealth: Health;
  readonly writer: TelemetryWriter;
  private readonly spool: Spool;
  private readonly loop: WriterLoop;
  /** The second store every written batch goes on to (`influx.mirror.url`), if any. */
  readonly mirror: MirrorLoop | undefined;
  private readonly schemaFirst: SchemaFirstWriter;
  private readonly lastServerTs = new Map<string, number>();
  /** The device times kept as they are; others are replaced by the server's (gateway/message-lines.ts). */
  private readonly window: TimeWindow;
  /** The devices' health signals, written to the registry for the alert engine of any process. */
  readonly signals: HealthSignals | undefined;
  /** Days past that readings arrived for, marked for the usage loop to analyse again. */
  private readonly lateDays: LateDays | undefined;
  /** Per-message counts, added to their Prometheus counters when read (lib/metrics.ts Tally). */
  private readonly messagesIn: Record<DeviceChannel, { inc(): void }>;
  private readonly readingsAccepted: { inc(n: number): void };

  constructor(private readonly o: GatewayOptions) {
    const c = o.config;
    this.writer = o.writer ?? primaryWriter(c.influx, o.influxUrl);
    const count = (err: unknown, context: string) => countResourceError(o.metrics, err, context);
    this.spoolHealth = new Health('gateway', o.log, count);
    this.segmentHealth = new Health('gateway', o.log, count);
    this.spool = new Spool({
      dir: c.gateway.spoolDir, groupCommitMs: c.gateway.groupCommitMs, segmentBytes: c.gateway.segmentBytes, maxBytes: c.gateway.spoolMaxBytes,
      onFault: (err, context) => this.segmentHealth.fail(err, context, { dir: c.gateway.spoolDir }),
      onRecovered: () => this.segmentHealth.ok(),
      onAppendOutcome: (err) => (err === undefined ? this.spoolHealth.ok() : this.refused(err)),
    });
    o.metrics.spoolMaxBytes.set(c.gateway.spoolMaxBytes);
    o.metrics.spoolSource.oldestPendingMs = () => this.spool.oldestPendingMs();
    this.schemaFirst = new SchemaFirstWriter(this.writer, o.log);
    this.loop = new WriterLoop(this.spool, this.schemaFirst, c.gateway, o.metrics, o.log);
    const mirror = mirrorWriter(c.influx);
    if (mirror) this.mirror = new MirrorLoop(this.spool, c.gateway.spoolDir, mirror, c.gateway, o.log);
    this.window = { maxFutureSkewMs: c.gateway.maxFutureSkewMs, maxAgeMs: parseDuration(c.influx.rawRetention) };
    const channels: DeviceChannel[] = ['telemetry', 'status', 'event', 'attributes', 'cmd-result'];
    this.messagesIn = Object.fromEntries(channels.map((ch) => [ch, o.metrics.tallies.messagesIn(ch)])) as unknown as Record<DeviceChannel, { inc(): void }>;
    this.readingsAccepted = o.metrics.tallies.readingsAccepted;
    if (o.registry) this.lateDays = new LateDays({ store: o.registry.usage, log: o.log, clock: o.clock });
    if (o.registry && c.alerts.enabled) this.signals = new HealthSignals({ registry: o.registry, clock: o.clock, log: o.log, flushMs: c.alerts.flushMs });
  }

  get degraded(): boolean {
    return this.loop.degraded;
  }

  pendingBytes(): number {
    return this.spool.pendingBytes();
  }

  /** Points (readings, events, presence changes) acknowledged and not yet in InfluxDB: what pendingBytes holds. */
  pendingPoints(): number {
    return this.spool.pendingRecords();
  }

  /** How long the oldest acknowledged reading not yet in InfluxDB has waited in the spool, ms (0: none waits). */
  oldestPendingMs(): number {
    return this.spool.oldestPendingMs();
  }

  /**
   * One entry for the gateway: degraded when any of its parts is. Its error is the first degraded part's, parts
   * in order of what an operator must act on first (devices not acknowledged before InfluxDB unreachable: the
   * spool-full message names the InfluxDB outage too, and a retry failing every second must not hide it); once
   * all are well, the most recent error of any of them.
   */
  health(): ComponentHealth {
    const parts = [this.spoolHealth.snapshot(), this.segmentHealth.snapshot(), this.loop.influxHealth.snapshot(), this.loop.spoolHealth.snapshot()];
    if (this.signals) parts.push(this.signals.health());
    const bad = parts.filter((p) => p.state === 'degraded');
    const recent = parts.flatMap((p) => (p.lastError ? [p.lastError] : [])).sort((a, b) => b.at.localeCompare(a.at));
    const lastError = bad.find((p) => p.lastError)?.lastError ?? recent[0];
    const state = bad.length ? 'degraded' : parts[0]!.state;
    const since = (bad.length ? bad : parts).map((p) => p.since).sort()[0]!;
    const { usedBytes, maxBytes } = this.spool.usage();
    const details = { spoolBytes: usedBytes, spoolMaxBytes: maxBytes, spoolPendingBytes: this.spool.pendingBytes(), ...this.mirrorDetails() };
    return { name: this.name, state, since, ...(lastError ? { lastError } : {}), details };
  }

  /**
   * The mirror's state beside the gateway's, not in it: a mirror outage holds nothing of the primary back, so it
   * does not make the gateway degraded; an operator reads it here and in the log.
   */
  private mirrorDetails(): Record<string, string | number> {
    const m = this.mirror;
    if (!m) return {};
    const h = m.health.snapshot();
    return { mirror: h.state === 'degraded' ? 'unreachable' : h.state, mirrorWrittenPoints: m.written, mirrorSkippedPoints: m.skippedPoints, mirrorRefusedPoints: m.refusedPoints };
  }

  async start(): Promise<void> {
    await this.spool.open();
    this.mirror?.start();
    this.spoolHealth.started();
    this.segmentHealth.started();
    // Create the schema now when InfluxDB answers; if it does not, the first write retries it.
    await this.schemaFirst.ensureSchema().catch((err: unknown) => this.o.log.warn({ err }, 'InfluxDB not reachable at start; readings are spooled until it is'));
    this.loop.start();
    await this.signals?.start();
  }

  /** With `drain`, waits until the spool is written out (used by tests and a clean shutdown when InfluxDB is up). */
  async stop(drain = false): Promise<void> {
    await this.signals?.stop();
    this.lateDays?.stop();
    await this.loop.stop(drain);
    await this.mirror?.stop();
    await this.spool.close();
    this.spoolHealth.stopped();
    this.segmentHealth.stopped();
  }

  /** Appends to the spool; whether the disk took it reaches the gateway's health through the spool's onAppendOutcome. */
  private append(lines: string[]): Promise<void> {
    return this.spool.append(lines);
  }

  /**
   * Lines built elsewhere, stored durably as a device's message is: an edge's records applied at the province
   * (edge/apply.ts) go through the spool, so an edge's backlog is acknowledged once it is as safe as a device's reading.
   */
  store(lines: string[]): Promise<void> {
    return lines.length ? this.append(lines) : Promise.resolve();
  }

  /**
   * Shows a message an edge forwarded in the live state (its readings and its presence), without storing it (apply
   * stored it) nor judging it (the edge judged its alerts). `at` is when the edge accepted it.
   */
  observe(deviceId: string, channel: DeviceChannel, payload: string, at: number): void {
    const p = this.o.directory.get(deviceId);
    if (!p) return;
    const now = this.o.clock.now();
    if (channel === 'telemetry') {
      const res = parseTelemetry(p.kind, payload);
      if (res.ok) for (const r of res.value) this.live.reading(p.id, p.kind, (r.ts as number | undefined) ?? at, r, now);
    } else if (channel === 'status') {
      const res = parseOther('status', payload);
      if (res.ok && res.value.channel === 'status') this.live.presence(p.id, p.kind, res.value.value.state, now);
    }
  }

  /** Records a refused append or a failed group commit (nothing in it is acknowledged). */
  private refused(err: unknown): void {
    if (err instanceof SpoolFullError) {
      this.o.metrics.spoolRefused.inc();
      this.spoolHealth.fail(this.spoolFull(err), 'spool full (messages are not acknowledged)', { dir: this.o.config.gateway.spoolDir });
    } else {
      this.spoolHealth.fail(err, 'spool write (messages are not acknowledged)', { dir: this.o.config.gateway.spoolDir });
    }
  }

  /** Says why the spool is full: the operator's next step depends on whether InfluxDB is down or only slow. */
  private spoolFull(err: SpoolFullError): EdufleetError {
    const influx = this.loop.influxHealth.snapshot();
    const why = influx.state === 'degraded' ? `InfluxDB unreachable since ${influx.since}` : 'InfluxDB is taking readings out more slowly than devices send them';
    return new EdufleetError('EDUFLEET_ERR_SPOOL_FULL', `spool full: ${formatBytes(err.usedBytes)} of ${formatBytes(err.maxBytes)}, ${why}`);
  }

  /**
   * Handles one message a device published on one of its channels. Not an async function: telemetry, nearly all
   * the traffic, takes a path with one promise per message (the spool's), docs/benchmarks.md.
   */
  ingest(deviceId: string, channel: DeviceChannel, payload: Buffer, commandId?: string): Promise<IngestOutcome> {
    const p = this.o.directory.get(deviceId);
    if (!p) return Promise.resolve(UNKNOWN_DEVICE);
    this.messagesIn[channel].inc();
    const now = this.o.clock.now();
    return channel === 'telemetry' ? this.telemetry(p, payload, now) : this.other(p, channel, payload, now, commandId);
  }

  /**
   * Telemetry in one pass per reading: the time settled, the line formatted from the reading as parsed, the live
   * state and health signals told (they describe the device, which did send it, even if the spool then refuses it).
   */
  private telemetry(p: DevicePlacement, payload: Buffer, now: number): Promise<IngestOutcome> {
    const res = parseTelemetry(p.kind, payload);
    if (!res.ok) return this.reject(p, 'telemetry', res.error, now);
    const records = res.value;
    const lines = telemetryLines(p, records, (r) => {
      const deviceTs = r.ts as number | undefined;
      let ts: number;
      if (saneTs(deviceTs, now, this.window)) {
        ts = deviceTs;
      } else {
        ts = this.serverTs(p.id, now);
        if (deviceTs !== undefined) r.clock_replaced = true;
      }
      this.lateDays?.noteReading(ts, now);
      this.signals?.reading(p.id, r, deviceTs, now);
      this.live.reading(p.id, p.kind, ts, r, now);
      return ts;
    });
    this.readingsAccepted.inc(records.length);
    const n = records.length;
    return this.append(lines).then(n === 1 ? acceptedOne : () => ({ accepted: n }));
  }

  private async other(p: DevicePlacement, channel: Exclude<DeviceChannel, 'telemetry'>, payload: Buffer, now: number, commandId?: string): Promise<IngestOutcome> {
    const res = parseOther(channel, payload);
    if (!res.ok) return this.reject(p, channel, res.error, now);
    const m = res.value;
    if (m.channel === 'status') {
      await this.presence(p.id, m.value.state);
      return { accepted: 1 };
    }
    // Attributes carry no time of their own: the server's.
    const ts = m.channel === 'attributes' ? this.serverTs(p.id, now) : this.resolveTs(p.id, messageTs(m), now);
    await this.append([otherLine(p, m, ts, commandId)]);
    if (m.channel === 'event') this.signals?.event(p.id, m.value.type, now);
    return { accepted: 1 };
  }

  /**
   * Records a presence change (from the broker's connect / disconnect, a status message or a Last Will). `force`:
   * recorded even if this process's view already has that state (a dead node's device, which this node may have
   * last seen long ago: the registry and InfluxDB say what that node recorded, not what this one remembers).
   */
  async presence(deviceId: string, state: Presence, o: { force?: boolean } = {}): Promise<void> {
    const p = this.o.directory.get(deviceId);
    if (!p) return;
    const now = this.o.clock.now();
    if (!this.live.presence(deviceId, p.kind, state, now, o.force)) return;
    if (o.force) this.signals?.forget(deviceId);
    if (state !== 'unknown') this.signals?.presence(deviceId, state, now);
    await this.append([presenceLine(p, state, this.serverTs(p.id, now))]);
  }

  private async reject(p: DevicePlacement, channel: DeviceChannel, reason: string, now: number): Promise<IngestOutcome> {
    this.o.metrics.readingsRejected.inc();
    this.live.rejection(p.id, p.kind, reason, now);
    this.signals?.rejection(p.id, reason, now);
    await this.append([rejectedLine(p, channel, reason, this.serverTs(p.id, now))]);
    return { rejected: reason };
  }

  /** The device's time when it is sane, else the server's (serverTs). */
  private resolveTs(deviceId: string, ts: number | undefined, now: number): number {
    if (saneTs(ts, now, this.window)) return ts;
    return this.serverTs(deviceId, now);
  }

  /**
   * The server's time for a point of the device, made unique per device: InfluxDB keeps one point per series and
   * timestamp, and two readings in the same millisecond would merge.
   */
  private serverTs(deviceId: string, now: number): number {
    const last = this.lastServerTs.get(deviceId) ?? 0;
    const server = now > last ? now : last + 1;
    this.lastServerTs.set(deviceId, server);
    return server;
  }
}
