import type { ComponentHealth } from './component.js';

/** What /healthz reads, whichever server answers it (the dashboard, or the management port of a node without one). */
export interface HealthSources {
  /** This node's name (`node.name`). */
  node: string;
  /** Devices in the registry this process knows. */
  devices: number;
  components: ComponentHealth[];
  /** The gateway, in a process that runs one. */
  gateway?: { readonly degraded: boolean; pendingBytes(): number; pendingPoints(): number; oldestPendingMs(): number };
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  node: { name: string };
  devices: number;
  influx?: 'ok' | 'unreachable';
  /**
   * Acknowledged data only in this node's spool, not yet in InfluxDB: what losing its disk would cost (bytes, points,
   * and how long the oldest has waited; docs/operations.md, "What a node's permanent loss costs").
   */
  spool?: { pendingBytes: number; pendingPoints: number; oldestPendingMs: number };
  components: ComponentHealth[];
}

/**
 * The body and status of /healthz. 200 while the process serves, `status: "degraded"` when a component is (InfluxDB
 * or Redis away: readings are still acknowledged into the spool, so a load balancer should keep sending devices);
 * 503 while a component is starting or stopped (the process is not serving yet, or is shutting down), which takes
 * the node out of HAProxy's rotation (`option httpchk GET /healthz`).
 */
export function healthReport(s: HealthSources): { statusCode: 200 | 503; body: HealthReport } {
  const g = s.gateway;
  const { components } = s;
  const degraded = g?.degraded || components.some((c) => c.state === 'degraded');
  const serving = components.every((c) => c.state === 'ok' || c.state === 'degraded');
  const body: HealthReport = {
    status: degraded ? 'degraded' : 'ok',
    node: { name: s.node },
    devices: s.devices,
    ...(g ? { influx: g.degraded ? 'unreachable' : 'ok', spool: { pendingBytes: g.pendingBytes(), pendingPoints: g.pendingPoints(), oldestPendingMs: g.oldestPendingMs() } } : {}),
    components,
  };
  return { statusCode: serving ? 200 : 503, body };
}
