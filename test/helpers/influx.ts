/**
 * The managed influxd runs with authentication on: a test that talks to it (a client, a direct `/query`, a CLI child
 * pointed at it) takes its URL and credential from here, from the ManagedInfluxd it started or from a stack.
 */
import type { InfluxDB } from 'influx';
import { influxAuthHeader, influxClient, type InfluxCredentials } from '../../lib/influx/index.js';

/**
 * A ManagedInfluxd a test started (or a URL and the credential read from a data directory), or a stack (whose config
 * carries the managed credential).
 */
export type InfluxSource =
  | { url: string; credentials: InfluxCredentials | undefined }
  | { influxUrl: string; config: { influx: { username: string; password: string } } };

/** The URL and credential of a source, as config's `influx` options take them. */
export function influxOptions(src: InfluxSource): { url: string; username: string; password: string } {
  if ('influxUrl' in src) return { url: src.influxUrl, username: src.config.influx.username, password: src.config.influx.password };
  // No credential: a server without authentication (an influxd as an older EduFleet ran it).
  return { url: src.url, ...(src.credentials ?? { username: '', password: '' }) };
}

/** An authenticated client (with EduFleet's cut-off-safe response reader). */
export function testInfluxClient(src: InfluxSource, database = 'edufleet'): InfluxDB {
  const o = influxOptions(src);
  return influxClient(o.url, { database, username: o.username, password: o.password });
}

/** Headers for a direct `fetch` to `/query` or `/write`. */
export function influxHeaders(src: InfluxSource): Record<string, string> {
  return influxAuthHeader(influxOptions(src));
}

/** The environment that points an `edufleet` child process at this InfluxDB. */
export function influxEnv(src: InfluxSource): Record<string, string> {
  const o = influxOptions(src);
  return { EDUFLEET_INFLUX_URL: o.url, EDUFLEET_INFLUX_USERNAME: o.username, EDUFLEET_INFLUX_PASSWORD: o.password };
}
