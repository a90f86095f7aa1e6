/**
 * The edge node's parts in a stack (`edufleet start --edge`, docs/edge.md): the forward log beside the gateway's spool
 * (the broker acknowledges a device's message once both hold it, edge/edge-ingest.ts) and the uplink to the province
 * when `edge.uplink.url` is set. And at the province, the edge account every broker node offers (edge/link-province.ts).
 */
import type { IngestSink } from '../broker/auth/authorize-publish.js';
import type { PresenceSink } from '../broker/broker.js';
import type { Config } from '../config/index.js';
import { EdgeIngest } from '../edge/edge-ingest.js';
import type { ForwardLog } from '../edge/forward-log.js';
import { edgeKeys } from '../edge/keys.js';
import { EdgeLinks } from '../edge/link-province.js';
import { edgeDir, openForwardLog } from '../edge/sneakernet.js';
import { readCa, Uplink } from '../edge/uplink.js';
import type { Gateway } from '../gateway/gateway.js';
import type { Clock } from '../lib/clock.js';
import { Health, type Component, type ComponentHealth } from '../lib/component.js';
import { parseDuration } from '../lib/duration.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { DeviceDirectory, RegistryStore } from '../registry/index.js';

/** The forward log as a component: opened before the broker takes a message, closed after it stopped. */
class ForwardLogComponent implements Component {
  readonly name = 'forward-log';
  private readonly state: Health;
  log: ForwardLog | undefined;
  constructor(private readonly cfg: Readonly<Config>, logger: Logger) {
    this.state = new Health(this.name, logger);
  }
  async start(): Promise<void> {
    this.log = await openForwardLog(this.cfg.dataDir, {
      groupCommitMs: this.cfg.gateway.groupCommitMs, segmentBytes: this.cfg.gateway.segmentBytes,
      onFault: (err, context) => this.state.fail(err, context), onRecovered: () => this.state.ok(),
    });
    this.state.started();
  }
  async stop(): Promise<void> {
    await this.log?.close();
    this.state.stopped();
  }
  health(): ComponentHealth {
    const s = this.log?.stats();
    return { ...this.state.snapshot(), ...(s ? { details: { records: s.records, bytes: s.bytes, oldestAt: s.oldestAt ?? 0 } } : {}) };
  }
}

export interface EdgeNode {
  log: ForwardLog;
  uplink?: Uplink;
  ingest: (inner: IngestSink) => IngestSink;
  presence: (inner: PresenceSink) => PresenceSink;
}

type Starter = <C extends Component>(c: C, stop?: () => Promise<void>) => Promise<C>;

/** Starts the forward log (and the uplink) of an edge node; call before the broker starts. */
export async function startEdgeNode(o: { config: Readonly<Config>; log: Logger; clock: Clock; gateway: Gateway }, start: Starter): Promise<EdgeNode> {
  const { config, log, clock, gateway } = o;
  const fl = (await start(new ForwardLogComponent(config, log))).log!;
  const u = config.edge.uplink;
  const uplink = u.url
    ? await start(new Uplink({
      url: u.url, ca: readCa(u.caFile), keys: edgeKeys(edgeDir(config.dataDir)), log: fl, batchBytes: u.batchBytes,
      ratePerSec: config.edge.backlogRatePerSec, logger: log, now: () => clock.now(), dataDir: config.dataDir,
      spool: () => ({ bytes: gateway.pendingBytes(), oldestMs: gateway.oldestPendingMs() }),
    }))
    : undefined;
  const ei = new EdgeIngest({ log: fl, now: () => clock.now(), logger: log, appended: (r) => uplink?.appended(r) });
  return { log: fl, uplink, ingest: (inner) => ei.wrap(inner), presence: (inner) => ei.wrapPresence(inner) };
}

/** The edge account of a broker node at the province: edges' links land here. */
export function edgeLinks(o: { config: Readonly<Config>; registry: RegistryStore; directory: DeviceDirectory; gateway: Gateway; metrics: Metrics; log: Logger; clock: Clock }): EdgeLinks {
  const window = { maxFutureSkewMs: o.config.gateway.maxFutureSkewMs, maxAgeMs: parseDuration(o.config.influx.rawRetention) };
  const rate = { ratePerSec: o.config.mqtt.publishRatePerSec, burst: o.config.mqtt.publishBurst };
  return new EdgeLinks({ registry: o.registry, placements: o.directory, gateway: o.gateway, window, rate, metrics: o.metrics, log: o.log, now: () => o.clock.now() });
}
