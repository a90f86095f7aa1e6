import { InfluxDB } from 'influx';

/** The `influx` package's client for an InfluxDB v1 URL (http or https, with optional credentials). */
export function influxClient(url: string, o: { database: string; username?: string; password?: string }): InfluxDB {
  const u = new URL(url);
  return new InfluxDB({
    host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)), protocol: u.protocol === 'https:' ? 'https' : 'http',
    database: o.database, username: o.username || undefined, password: o.password || undefined,
  });
}
