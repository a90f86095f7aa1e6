import { limitMetrics } from './limits.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every Prometheus metric EduFleet exports, created once per process and handed to the components. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'edufleet_process_' });
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
    connectionErrors: new Counter({ name: 'edufleet_mqtt_connection_errors_total', help: 'MQTT connections closed on an error (malformed or truncated packet, reset, no CONNECT in time), by whether the client had connected.', labelNames: ['phase'] as const, registers: [registry] }),
    devicesConnected: new Gauge({ name: 'edufleet_devices_connected', help: 'Devices connected to this broker.', registers: [registry] }),
    connectRefused: new Counter({ name: 'edufleet_mqtt_connect_refused_total', help: 'Refused MQTT connections, by reason.', labelNames: ['reason'] as const, registers: [registry] }),
    mqttRefused: new Counter({ name: 'edufleet_mqtt_refused_total', help: 'Connections closed before aedes parsed them (oversize, malformed, pending, rate), by reason.', labelNames: ['reason'] as const, registers: [registry] }),
    mqttThrottled: new Counter({ name: 'edufleet_mqtt_throttled_total', help: 'PUBLISH packets held back by the per-device rate limit (throttled, not dropped).', registers: [registry] }),
    aclDenied: new Counter({ name: 'edufleet_mqtt_acl_denied_total', help: 'Publishes and subscriptions refused by the ACL.', labelNames: ['op'] as const, registers: [registry] }),
    ...limitMetrics(registry),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
