/**
 * At an edge node, every message a device sends is also a record in the forward log (edge/forward-log.ts), durable
 * before the broker acknowledges it: the broker's ingest waits for both the gateway's spool and the forward log.
 *
 * Two fsyncs, not one: the spool and the log are separate files with separate lives (the spool empties into the local
 * InfluxDB within seconds, the log waits for the province for weeks and is compacted per device), and their group
 * commits run side by side, so a message waits for the slower of the two, not for their sum.
 */
import type { IngestSink } from '../broker/auth/authorize-publish.js';
import type { PresenceSink } from '../broker/broker.js';
import type { Logger } from '../lib/logger.js';
import type { DeviceChannel } from '../protocol/index.js';
import type { ForwardLog } from './forward-log.js';
import { resolveTimes, uniqueTimes, type DeviceRecord, type NewDeviceRecord, type RecordChannel } from './records.js';

const RECORD_CHANNEL: Record<DeviceChannel, RecordChannel> = { telemetry: 'telemetry', status: 'status', attributes: 'attributes', event: 'event', 'cmd-result': 'result' };

export interface EdgeIngestOptions {
  log: ForwardLog;
  now: () => number;
  /** Told of each group of records once durable (the uplink's live path). */
  appended: (records: DeviceRecord[]) => void;
  logger: Logger;
}

export class EdgeIngest {
  private readonly unique = uniqueTimes();
  constructor(private readonly o: EdgeIngestOptions) {}

  /** The broker's ingest: the gateway's and the forward log's, acknowledged once both hold the message. */
  wrap(inner: IngestSink): IngestSink {
    return (deviceId, channel, payload, commandId) => Promise.all([inner(deviceId, channel, payload, commandId), this.record(deviceId, channel, payload, commandId)]).then(([r]) => r);
  }

  /** Presence from connect and disconnect is a status record too: the province shows it as the device's own. */
  wrapPresence(inner: PresenceSink): PresenceSink {
    return (deviceId, state, p) => {
      inner(deviceId, state, p);
      const at = this.o.now();
      this.append({ d: deviceId, c: 'status', p: JSON.stringify({ state, ts: this.unique(deviceId)(at) }), at }).catch((err: unknown) =>
        this.o.logger.debug({ err, deviceId }, 'presence not kept in the forward log'));
    };
  }

  private record(d: string, channel: DeviceChannel, payload: Buffer, cmd: string | undefined): Promise<unknown> {
    const at = this.o.now();
    const c = RECORD_CHANNEL[channel];
    const r: NewDeviceRecord = { d, c, p: resolveTimes(c, payload.toString('utf8'), at, this.unique(d)), at };
    if (cmd !== undefined) r.cmd = cmd;
    return this.append(r);
  }

  private async append(r: NewDeviceRecord): Promise<void> {
    const done = await this.o.log.append([r]);
    this.o.appended(done);
  }
}
