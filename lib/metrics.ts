import { limitMetrics } from './limits.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every Prometheus metric EduFleet exports, created once per process and handed to the components. */
export function createMetrics() {
  const registry = new Registry();
  // prom-client's own names already start with `process_` or `nodejs_`: the prefix is ours alone
  // (`edufleet_process_cpu_seconds_total`, not `edufleet_process_process_…`; docs/operations.md lists the renames).
  collectDefaultMetrics({ register: registry, prefix: 'edufleet_' });
  // Gauges that end in `_total` (a counter's suffix, which `promtool check metrics` refuses on a gauge); each is the
  // sum over `type` of its sibling: sum(edufleet_nodejs_active_handles) and so on.
  for (const n of ['handles', 'requests', 'resources']) registry.removeSingleMetric(`edufleet_nodejs_active_${n}_total`);
  /** Set by the gateway: how long the oldest unsent reading has waited, read at each scrape. */
  const spoolSource: { oldestPendingMs?: () => number } = {};
  const m = {
    registry,
    messagesIn: new Counter({ name: 'edufleet_messages_in_total', help: 'MQTT messages received from devices, by channel.', labelNames: ['channel'] as const, registers: [registry] }),
    readingsAccepted: new Counter({ name: 'edufleet_readings_accepted_total', help: 'Readings validated and spooled.', registers: [registry] }),
    readingsRejected: new Counter({ name: 'edufleet_readings_rejected_total', help: 'Readings rejected by validation.', registers: [registry] }),
    pointsWritten: new Counter({ name: 'edufleet_points_written_total', help: 'Points written to InfluxDB.', registers: [registry] }),
    pointsDropped: new Counter({ name: 'edufleet_points_dropped_total', help: 'Points InfluxDB refused permanently (4xx).', registers: [registry] }),
    writeErrors: new Counter({ name: 'edufleet_influx_write_errors_total', help: 'Failed InfluxDB writes (retried).', registers: [registry] }),
    writeSeconds: new Histogram({ name: 'edufleet_influx_write_seconds', help: 'InfluxDB write latency per batch.', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry] }),
    spoolPendingBytes: new Gauge({ name: 'edufleet_spool_pending_bytes', help: 'Acknowledged bytes in the spool not yet written to InfluxDB.', registers: [registry] }),
    spoolSource,
    spoolOldestPending: new Gauge({
      name: 'edufleet_spool_oldest_pending_seconds', help: 'How long the oldest acknowledged reading not yet in InfluxDB has waited in the spool (0: none waits).', registers: [registry],
      collect() {
        if (spoolSource.oldestPendingMs) this.set(spoolSource.oldestPendingMs() / 1000);
      },
    }),
    connectionErrors: new Counter({ name: 'edufleet_mqtt_connection_errors_total', help: 'MQTT connections closed on an error (malformed or truncated packet, reset, no CONNECT in time), by whether the client had connected.', labelNames: ['phase'] as const, registers: [registry] }),
    devicesConnected: new Gauge({ name: 'edufleet_devices_connected', help: 'Devices connected to this broker.', registers: [registry] }),
    connectRefused: new Counter({ name: 'edufleet_mqtt_connect_refused_total', help: 'Refused MQTT connections, by reason.', labelNames: ['reason'] as const, registers: [registry] }),
    mqttRefused: new Counter({ name: 'edufleet_mqtt_refused_total', help: 'Connections closed before aedes parsed them (oversize, malformed, pending, rate, proxy), by reason.', labelNames: ['reason'] as const, registers: [registry] }),
    mqttThrottled: new Counter({ name: 'edufleet_mqtt_throttled_total', help: 'PUBLISH packets held back by the per-device rate limit (throttled, not dropped).', registers: [registry] }),
    aclDenied: new Counter({ name: 'edufleet_mqtt_acl_denied_total', help: 'Publishes and subscriptions refused by the ACL.', labelNames: ['op'] as const, registers: [registry] }),
    edgeRecords: new Counter({ name: 'edufleet_edge_records_total', help: 'Records edge nodes sent up over their link, by outcome: applied, present (a duplicate, already here), gap (applied after missing ones), refused (not the edge\'s site), invalid, live.', labelNames: ['outcome'] as const, registers: [registry] }),
    ...limitMetrics(registry),
  };
  return { ...m, tallies: { messagesIn: tallies(m.messagesIn, 'channel'), readingsAccepted: tallies(m.readingsAccepted)('') } };
}

/**
 * A count kept in a plain number on a per-message path and added to its Prometheus counter when the counter is read
 * (a /metrics scrape or `get()`): prom-client hashes the labels on every `inc`, 2 % of the broker+gateway CPU at
 * ingest rates (docs/benchmarks.md).
 */
export class Tally {
  private n = 0;
  constructor(private readonly flushTo: (n: number) => void) {}
  inc(by = 1): void {
    this.n += by;
  }
  flush(): void {
    if (this.n === 0) return;
    this.flushTo(this.n);
    this.n = 0;
  }
}

/** One Tally per value of `label` (none without it), all flushed when the counter is read. */
function tallies(counter: Counter<string>, label?: string): (value: string) => Tally {
  const all = new Map<string, Tally>();
  // prom-client calls a metric's `collect` (its config option, kept on the instance) before every read.
  (counter as unknown as { collect: () => void }).collect = () => { for (const t of all.values()) t.flush(); };
  return (value) => {
    let t = all.get(value);
    if (!t) {
      t = new Tally((n) => (label ? counter.inc({ [label]: value }, n) : counter.inc(n)));
      all.set(value, t);
    }
    return t;
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
