import type { Config } from '../config/index.js';
import type { Logger } from '../lib/logger.js';
import { InfluxV2Writer } from './influx-v2-writer.js';
import { InfluxV1Writer, type TelemetryWriter } from './telemetry-writer.js';

/** The writer `influx.version` names, for the server at `url` (the configured one, or the managed influxd's). */
export function primaryWriter(influx: Readonly<Config['influx']>, url: string): TelemetryWriter {
  if (influx.version === 2) return new InfluxV2Writer({ url, token: influx.token, org: influx.org, bucket: influx.bucket });
  return new InfluxV1Writer({ ...influx, url });
}

/** The mirror's writer (always the v2 write API), or none when `influx.mirror.url` is empty. */
export function mirrorWriter(influx: Readonly<Config['influx']>): TelemetryWriter | undefined {
  const m = influx.mirror;
  return m.url ? new InfluxV2Writer({ url: m.url, token: m.token, org: m.org, bucket: m.bucket }) : undefined;
}

/** Creates the database and retention policies before the first write, retrying until InfluxDB answers. */
export class SchemaFirstWriter implements TelemetryWriter {
  private ready = false;
  constructor(private readonly inner: TelemetryWriter, private readonly log: Logger) {}
  async ensureSchema(): Promise<void> {
    await this.inner.ensureSchema();
    this.ready = true;
  }
  async writeBatch(body: Buffer): Promise<void> {
    if (!this.ready) {
      await this.ensureSchema();
      this.log.info('InfluxDB database and retention policies are in place');
    }
    await this.inner.writeBatch(body);
  }
}
