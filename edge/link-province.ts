/**
 * The edge account at the province (broker/auth/accounts.ts): an edge node's uplink logs in with its signed login
 * (edge/link.ts), may publish only on its own `up/*` topics and read only its own `down`, and a backlog it sends is
 * applied (edge/apply.ts, the gateway's spool as the durable sink) before the PUBACK: PUBACK = applied and the cursors
 * advanced, so the edge may then confirm its forward log. The cursors are in the registry: with several broker nodes
 * behind HAProxy (issue 20) the edge may land on any of them.
 */
import type { NonDeviceAccount } from '../broker/auth/accounts.js';
import type { Gateway } from '../gateway/gateway.js';
import type { TimeWindow } from '../gateway/message-lines.js';
import type { TelemetryWriter } from '../gateway/telemetry-writer.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { DevicePlacement, EdgeReport, EdgeRow, RegistryStore } from '../registry/index.js';
import { applyRecords, recordLines, type ApplyResult } from './apply.js';
import { checkLogin, linkTopics, parseUpTopic, type EdgeState, type SyncRequest } from './link.js';
import { SiteRate } from './link-rate.js';
import { checkRecord, type EdgeRecord, type RecordChannel } from './records.js';

export interface EdgeLinksDeps {
  registry: RegistryStore;
  placements: { get(id: string): DevicePlacement | undefined; all(): Iterable<DevicePlacement> };
  gateway: Pick<Gateway, 'store' | 'observe'>;
  window: TimeWindow;
  /** Per device (mqtt.publishRatePerSec, mqtt.publishBurst): the edge may send what its site's devices could. */
  rate: { ratePerSec: number; burst: number };
  metrics: Metrics;
  log: Logger;
  now: () => number;
}

/** G's seam: what the province does when an edge asks for its bundle (edufleet edge bundle over the link). */
export type SyncHandler = (edge: EdgeRow, req: SyncRequest) => void | Promise<void>;

const EDGE_ID = /^edge-[0-9a-f]{16}$/;
/** Backlog records this recent are shown live too (a caught-up edge's backlog is its live traffic). */
const LIVE_WINDOW_MS = 60_000;
const GATEWAY_CHANNEL = { telemetry: 'telemetry', status: 'status', attributes: 'attributes', event: 'event', result: 'cmd-result' } as const satisfies Record<RecordChannel, string>;

export class EdgeLinks {
  /** What the broker is given (broker/auth/accounts.ts). */
  readonly account: NonDeviceAccount;
  private onSync: SyncHandler | undefined;
  private publishOwn: ((topic: string, payload: Buffer, o: { retain: boolean }) => Promise<void>) | undefined;
  /** The spool as apply's writer: the broker node's durable sink, never a direct InfluxDB write. */
  private readonly sink: TelemetryWriter;
  private readonly rate: SiteRate;

  constructor(private readonly d: EdgeLinksDeps) {
    this.rate = new SiteRate({ ...d.rate, now: d.now, siteDevices: (siteId) => countSite(d.placements, siteId) });
    this.sink = {
      ensureSchema: () => Promise.resolve(),
      writeBatch: (body) => d.gateway.store(body.toString('utf8').split('\n').filter((l) => l.length > 0)),
    };
    this.account = {
      kind: 'edge',
      owns: (id) => EDGE_ID.test(id),
      authenticate: (id, password) => this.authenticate(id, password),
      mayPublish: (id, topic, p) => mayPublish(id, topic, p),
      maySubscribe: (id, topic) => topic === linkTopics(id).down,
      publish: (id, topic, payload) => this.received(id, topic, payload),
      connected: (id, up) => d.log.info({ edge: id, link: up ? 'up' : 'down' }, 'edge link'),
    };
  }

  /** Wires the broker's own publish (for `down`) and G's sync handler. */
  attach(o: { publish?: (topic: string, payload: Buffer, o: { retain: boolean }) => Promise<void>; onSync?: SyncHandler }): void {
    if (o.publish) this.publishOwn = o.publish;
    if (o.onSync) this.onSync = o.onSync;
  }

  /** Sends a bundle down to an edge (QoS 1, retained until the next one: it reaches an edge that connects later). */
  async publish(edgeId: string, bundle: Buffer): Promise<void> {
    if (!this.publishOwn) throw new Error('no broker in this process to send the bundle through');
    await this.publishOwn(linkTopics(edgeId).down, bundle, { retain: true });
  }

  private async authenticate(clientId: string, password: Buffer): Promise<'ok' | 'bad-credentials' | 'revoked'> {
    const edge = await this.d.registry.edges.get(clientId);
    if (!edge) return 'bad-credentials';
    if (edge.revokedAt !== null) return 'revoked';
    return checkLogin(edge.id, edge.signKey, password.toString('utf8'), this.d.now()) ? 'ok' : 'bad-credentials';
  }

  private async received(edgeId: string, topic: string, payload: Buffer): Promise<void> {
    const t = parseUpTopic(topic)!;
    const edge = await this.d.registry.edges.get(edgeId);
    if (!edge || edge.revokedAt !== null) throw new Error(`edge ${edgeId} is not registered or revoked`);
    if (t.up === 'backlog' || t.up === 'live') {
      const records = this.parse(payload);
      const wait = this.rate.delay(edge.id, edge.siteId, records.length);
      if (wait > 0) {
        this.d.metrics.mqttThrottled.inc();
        await new Promise((r) => setTimeout(r, wait));
      }
      await (t.up === 'backlog' ? this.backlog(edge, records) : this.live(edge, records));
    }
    else if (t.up === 'state') await this.state(edge, payload);
    else await this.sync(edge, payload);
  }

  private parse(payload: Buffer): EdgeRecord[] {
    let list: unknown;
    try {
      list = JSON.parse(payload.toString('utf8'));
    } catch {
      list = undefined;
    }
    if (!Array.isArray(list)) {
      this.d.metrics.edgeRecords.inc({ outcome: 'invalid' });
      return [];
    }
    const out: EdgeRecord[] = [];
    for (const v of list) {
      const r = checkRecord(v);
      if (r.ok) out.push(r.record);
      else this.d.metrics.edgeRecords.inc({ outcome: 'invalid' });
    }
    return out;
  }

  /** Applied (to the spool) and the cursors advanced before this resolves, so the PUBACK means "applied". */
  private async backlog(edge: EdgeRow, records: EdgeRecord[]): Promise<void> {
    const res = await applyRecords({ ...this.d, writer: this.sink }, edge, records);
    this.count(res);
    const recent = this.d.now() - LIVE_WINDOW_MS;
    for (const r of records) if (r.at >= recent && !res.refusedDevices.includes(r.d)) this.d.gateway.observe(r.d, GATEWAY_CHANNEL[r.c], r.p, r.at);
  }

  private count(res: ApplyResult): void {
    const m = this.d.metrics.edgeRecords;
    if (res.applied) m.inc({ outcome: 'applied' }, res.applied);
    if (res.present) m.inc({ outcome: 'present' }, res.present);
    if (res.gaps) m.inc({ outcome: 'gap' }, res.gaps);
    if (res.refused) m.inc({ outcome: 'refused' }, res.refused);
    if (res.invalid) m.inc({ outcome: 'invalid' }, res.invalid);
  }

  /**
   * Stored (the spool) and shown (the live state) at once, as apply would store them; no cursor moves (the backlog
   * brings them again, in order, and InfluxDB keeps one point per series and time). Not judged: the edge judges its
   * site's alerts, so the province records no health signals for them.
   */
  private async live(edge: EdgeRow, records: EdgeRecord[]): Promise<void> {
    const lines: string[] = [];
    const days = new Set<string>();
    let n = 0;
    for (const r of records) {
      const p = this.d.placements.get(r.d);
      if (!p || p.siteId !== edge.siteId) {
        this.d.metrics.edgeRecords.inc({ outcome: 'refused' });
        continue;
      }
      n++;
      recordLines(p, r, this.d.window, lines, days);
    }
    await this.d.gateway.store(lines);
    for (const r of records) if (this.d.placements.get(r.d)?.siteId === edge.siteId) this.d.gateway.observe(r.d, GATEWAY_CHANNEL[r.c], r.p, r.at);
    if (n) this.d.metrics.edgeRecords.inc({ outcome: 'live' }, n);
  }

  /** The edge's own report, kept in the registry for the provincial view of its edges. */
  private async state(edge: EdgeRow, payload: Buffer): Promise<void> {
    let s: Partial<EdgeState>;
    try {
      s = JSON.parse(payload.toString('utf8')) as Partial<EdgeState>;
    } catch {
      return;
    }
    const now = this.d.now();
    const report: EdgeReport = {
      via: 'link', at: typeof s.at === 'number' ? s.at : now,
      pendingRecords: s.backlog?.records ?? 0, oldestPendingAt: s.backlog?.oldestAt ?? null, completeUntil: s.completeUntil ?? null,
      // For the provincial edges screen (dashboard/server/edges.ts): the link as the edge says, its backlog's size, its health.
      link: s.link === 'down' ? 'down' : 'up', pendingBytes: s.backlog?.bytes,
      health: {
        diskFreeBytes: s.diskFreeBytes ?? null, diskTotalBytes: s.diskTotalBytes ?? null, spoolBytes: s.spool?.bytes ?? 0, spoolOldestMs: s.spool ? s.spool.oldestMs : null,
        clockOffsetMs: null,
      },
    };
    await this.d.registry.edges.advance(edge.id, new Map(), { at: now, report });
  }

  private async sync(edge: EdgeRow, payload: Buffer): Promise<void> {
    let req: SyncRequest;
    try {
      req = JSON.parse(payload.toString('utf8')) as SyncRequest;
    } catch {
      return;
    }
    // A failing handler must not close the edge's link: the edge asks again at its next connect.
    try {
      await this.onSync?.(edge, req);
    } catch (err) {
      this.d.log.warn({ err, edge: edge.id }, 'edge sync request not handled');
    }
  }
}

/** An edge writes only its own `up/*` topics, QoS 0 or 1; only its state is retained. */
function mayPublish(clientId: string, topic: string, p: { qos: number; retain: boolean }): boolean {
  const t = parseUpTopic(topic);
  if (!t || t.edgeId !== clientId || p.qos === 2) return false;
  return p.retain ? t.up === 'state' : true;
}

/** The devices of a site in the directory. */
function countSite(placements: EdgeLinksDeps['placements'], siteId: number): number {
  let n = 0;
  for (const p of placements.all()) if (p.siteId === siteId) n++;
  return n;
}
