/**
 * The edge's uplink to the province (docs/architecture.md, "Edge nodes (issue 21)"): an MQTT client over TLS, logged in
 * as the edge account (edge/link.ts). Per connection it asks for its bundle (`up/sync`), says how it is (`up/state`,
 * retained; its Will says the link is down), and sends the forward log from the confirmed cursor on, one backlog
 * message at a time: each device's records in q order, at most `backlogRatePerSec` records a second. The province
 * applies a backlog message before its PUBACK; only then does the edge confirm those records in its log. A message
 * lost with a cut is simply sent again (the province counts it as present): one copy upstream whatever the cuts.
 * While a backlog is being sent, what devices say now goes up at once on `up/live` (shown, stored, no cursor moves).
 *
 * Each connection is a fresh client (a fresh signed login, nothing of the last one's in-flight queue re-sent); after a
 * cut it tries again with a back-off from 1 s to 30 s.
 */
import { readFileSync, statfsSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { Health, type Component, type ComponentHealth } from '../lib/component.js';
import type { Logger } from '../lib/logger.js';
import type { ForwardLog } from './forward-log.js';
import type { EdgeKeys } from './keys.js';
import { linkTopics, loginPassword, type EdgeState, type SyncRequest } from './link.js';
import type { DeviceRecord } from './records.js';

export interface UplinkOptions {
  url: string;
  /** PEM of the province's certificate authority (else the system's). */
  ca?: Buffer;
  keys: EdgeKeys;
  log: ForwardLog;
  batchBytes: number;
  ratePerSec: number;
  logger: Logger;
  now: () => number;
  /** The gateway's spool and the data directory, for the state the province shows. */
  spool?: () => { bytes: number; oldestMs: number };
  dataDir?: string;
  /** G's seam: a bundle the province sent down; and the slice version the edge holds, asked in `up/sync`. */
  onBundle?: (bundle: Buffer) => void | Promise<void>;
  sliceVersion?: () => number | null;
}

const MIN_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;
const LIVE_FLUSH_MS = 200;
const STATE_EVERY_MS = 10_000;
/** How long the pump waits for new records before it reads the log again (an append wakes it sooner). */
const IDLE_MS = 1_000;

/** One connection: everything it started ends with it. */
class Session {
  alive = true;
  private readonly enders = new Set<() => void>();
  constructor(readonly client: MqttClient) {}
  end(): void {
    this.alive = false;
    for (const f of this.enders) f();
    this.enders.clear();
  }
  /** Resolves after `ms`, or at once when the session ends or `wake` is called. */
  sleep(ms: number, wake?: { fn?: () => void }): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.enders.delete(done);
        if (wake) wake.fn = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.enders.add(done);
      if (wake) wake.fn = done;
    });
  }
  /** Publishes and resolves on the PUBACK (QoS 1); rejects when the connection ends first. */
  publish(topic: string, payload: string, o: { qos: 0 | 1; retain?: boolean }): Promise<void> {
    return new Promise((resolve, reject) => {
      const lost = () => reject(new Error('link lost'));
      this.enders.add(lost);
      this.client.publish(topic, payload, { qos: o.qos, retain: o.retain ?? false }, (err) => {
        this.enders.delete(lost);
        if (err) reject(err);
        else resolve();
      });
    });
  }
}

export class Uplink implements Component {
  readonly name = 'uplink';
  private readonly health_: Health;
  private readonly topics: ReturnType<typeof linkTopics>;
  private session: Session | undefined;
  private stopped = false;
  private backoff = MIN_BACKOFF_MS;
  private retry: NodeJS.Timeout | undefined;
  private stateTimer: NodeJS.Timeout | undefined;
  /** True while the pump has more than one batch to send: live records then take `up/live`. */
  private behind = true;
  private completeUntil: number | null = null;
  private live: DeviceRecord[] = [];
  private liveTimer: NodeJS.Timeout | undefined;
  private readonly wake: { fn?: () => void } = {};
  /** Records the province acknowledged over this link since start (for tests, /healthz and the benchmark). */
  sent = 0;

  private readonly o: UplinkOptions;

  constructor(o: UplinkOptions) {
    this.o = { ...o };
    this.health_ = new Health(this.name, o.logger);
    this.topics = linkTopics(o.keys.id);
  }

  get connected(): boolean {
    return this.session?.alive === true && this.session.client.connected;
  }

  health(): ComponentHealth {
    const s = this.o.log.stats();
    return { ...this.health_.snapshot(), details: { link: this.connected ? 'up' : 'down', backlogRecords: s.records, backlogBytes: s.bytes, sent: this.sent } };
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.health_.started();
    this.connect();
    await Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    clearTimeout(this.liveTimer);
    clearInterval(this.stateTimer);
    const s = this.session;
    this.session = undefined;
    s?.end();
    if (s) await s.client.endAsync(true).catch(() => undefined);
    this.health_.stopped();
  }

  /** G's seam at the edge: who applies a bundle from `down`, and the slice version `up/sync` reports. */
  handleBundles(onBundle: (bundle: Buffer) => void | Promise<void>, sliceVersion?: () => number | null): void {
    this.o.onBundle = onBundle;
    if (sliceVersion) this.o.sliceVersion = sliceVersion;
  }

  /** Told of records once durable: sent at once on `up/live` while a backlog is being sent. */
  appended(records: DeviceRecord[]): void {
    this.wake.fn?.();
    if (!this.behind || !this.connected) return;
    this.live.push(...records);
    this.liveTimer ??= setTimeout(() => this.flushLive(), LIVE_FLUSH_MS);
  }

  private flushLive(): void {
    this.liveTimer = undefined;
    const list = this.live;
    this.live = [];
    const s = this.session;
    if (!list.length || !s?.alive) return;
    s.publish(this.topics.live, JSON.stringify(list), { qos: 1 }).catch(() => undefined);
  }

  private connect(): void {
    if (this.stopped) return;
    const will: EdgeState = { link: 'down', at: this.o.now(), backlog: this.o.log.stats(), completeUntil: this.completeUntil };
    const client = mqtt.connect(this.o.url, {
      clientId: this.o.keys.id, username: this.o.keys.id, password: loginPassword(this.o.keys, this.o.now()),
      clean: true, keepalive: 30, reconnectPeriod: 0, connectTimeout: 15_000, ...(this.o.ca ? { ca: this.o.ca } : {}),
      will: { topic: this.topics.state, payload: Buffer.from(JSON.stringify(will)), qos: 1, retain: true },
    });
    const session = new Session(client);
    this.session = session;
    client.on('connect', () => {
      this.backoff = MIN_BACKOFF_MS;
      this.health_.ok();
      this.o.logger.info({ url: this.o.url }, 'uplink connected');
      void this.run(session);
    });
    client.on('message', (topic, payload) => {
      if (topic !== this.topics.down || !this.o.onBundle) return;
      Promise.resolve(this.o.onBundle(payload)).catch((err: unknown) => this.o.logger.error({ err }, 'bundle from the province not applied'));
    });
    client.on('error', (err) => this.health_.fail(err, 'uplink connection', { url: this.o.url }));
    client.on('close', () => {
      if (!session.alive) return;
      session.end();
      client.end(true);
      if (this.stopped) return;
      this.retry = setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    });
  }

  /** One connection's work: subscribe, ask, tell, then pump the log until the link ends. */
  private async run(s: Session): Promise<void> {
    try {
      await s.client.subscribeAsync(this.topics.down, { qos: 1 });
      const req: SyncRequest = { sliceVersion: this.o.sliceVersion?.() ?? null, confirmed: this.o.log.confirmed() };
      await s.publish(this.topics.sync, JSON.stringify(req), { qos: 1 });
      await this.publishState(s);
      clearInterval(this.stateTimer);
      this.stateTimer = setInterval(() => void this.publishState(s).catch(() => undefined), STATE_EVERY_MS);
      await this.pump(s);
    } catch (err) {
      if (s.alive) this.o.logger.warn({ err }, 'uplink: connection work failed; reconnecting');
      s.client.end(true);
    }
  }

  private async pump(s: Session): Promise<void> {
    let pos = this.o.log.start();
    while (s.alive) {
      const readAt = this.o.now();
      const r = this.o.log.read(pos, this.o.batchBytes);
      this.behind = !r.done;
      if (r.records.length) {
        await s.publish(this.topics.backlog, JSON.stringify(r.records), { qos: 1 });
        // Applied at the province: the log may forget them.
        await this.o.log.confirm(lastQ(r.records));
        this.sent += r.records.length;
        if (r.done) this.completeUntil = readAt;
        await s.sleep((r.records.length * 1000) / this.o.ratePerSec);
      } else if (r.done) this.completeUntil = readAt;
      pos = r.next;
      if (r.done) await s.sleep(IDLE_MS, this.wake);
    }
  }

  private async publishState(s: Session): Promise<void> {
    const state: EdgeState = { link: 'up', at: this.o.now(), backlog: this.o.log.stats(), completeUntil: this.completeUntil };
    if (this.o.spool) state.spool = this.o.spool();
    if (this.o.dataDir) {
      try {
        const f = statfsSync(this.o.dataDir);
        state.diskFreeBytes = f.bavail * f.bsize;
        state.diskTotalBytes = f.blocks * f.bsize;
      } catch {
        // Not on every platform: the province then shows no disk figure.
      }
    }
    await s.publish(this.topics.state, JSON.stringify(state), { qos: 1, retain: true });
  }
}

/** Per device, the last q of a batch (records come in q order per device). */
function lastQ(records: readonly DeviceRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) if (r.q > (out[r.d] ?? 0)) out[r.d] = r.q;
  return out;
}

/** The CA file's contents, when configured. */
export const readCa = (file: string): Buffer | undefined => (file ? readFileSync(file) : undefined);
