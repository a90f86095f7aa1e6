/**
 * What a device's message becomes in InfluxDB: validation against the protocol's schemas and enrichment with the
 * device's place, as line protocol. The gateway runs it for a message that arrives over MQTT; edge/apply.ts runs the
 * same for a message an edge node accepted and forwarded (by link or by file), so a reading is stored alike whichever
 * way it came. How a time is settled (the device's, or the server's made unique per device) is the caller's.
 */
import { RAW_MEASUREMENTS as M, telemetryMeasurement } from '../lib/influx/index.js';
import {
  AttributesPayload, CommandResultPayload, EventPayload, parseMessage, parseTelemetryRecords, StatusPayload,
  type DeviceChannel, type DeviceKind, type TelemetryRecord,
} from '../protocol/index.js';
import type { DevicePlacement } from '../registry/index.js';
import { placementTags } from './enrich.js';
import { linePrefix, telemetryLine, toLine, type Point } from './line-protocol.js';

/** A device time is kept when it is within `maxAgeMs` before `now` and `maxFutureSkewMs` after it. */
export interface TimeWindow { maxFutureSkewMs: number; maxAgeMs: number }

export const saneTs = (ts: number | undefined, now: number, w: TimeWindow): ts is number =>
  ts !== undefined && ts <= now + w.maxFutureSkewMs && ts >= now - w.maxAgeMs;

const measurements = new Map<DeviceKind, string>();

function measurementOf(kind: DeviceKind): string {
  let m = measurements.get(kind);
  if (m === undefined) {
    m = telemetryMeasurement(kind);
    measurements.set(kind, m);
  }
  return m;
}

/**
 * The lines of a device's telemetry records, `settle` giving each record's stored time (it may also mark the record,
 * e.g. `clock_replaced`, before the line is formatted). One pass, no point objects: the gateway runs this per reading.
 */
export function telemetryLines(p: DevicePlacement, records: TelemetryRecord[], settle: (r: TelemetryRecord) => number): string[] {
  const prefix = linePrefix(measurementOf(p.kind), placementTags(p));
  const lines = new Array<string>(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const ts = settle(r);
    lines[i] = telemetryLine(prefix, r, ts);
  }
  return lines;
}

/** A non-telemetry message, validated: what its line is built from. */
export type OtherMessage =
  | { channel: 'status'; value: StatusPayload }
  | { channel: 'event'; value: EventPayload }
  | { channel: 'attributes'; value: AttributesPayload }
  | { channel: 'cmd-result'; value: CommandResultPayload };

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Validates a message of a channel other than telemetry against its schema. */
export function parseOther(channel: Exclude<DeviceChannel, 'telemetry'>, payload: Buffer | string): Parsed<OtherMessage> {
  const schema = { status: StatusPayload, event: EventPayload, attributes: AttributesPayload, 'cmd-result': CommandResultPayload }[channel];
  const res = parseMessage<OtherMessage['value']>(schema, payload);
  return res.ok ? { ok: true, value: { channel, value: res.value } as OtherMessage } : res;
}

/** Validates a telemetry payload (one reading or an array of them) against the kind's schema. */
export function parseTelemetry(kind: DeviceKind, payload: Buffer | string): Parsed<TelemetryRecord[]> {
  return parseTelemetryRecords(kind, payload);
}

/** The device's own time of a message, if it carries one (events, results, status). */
export function messageTs(m: OtherMessage): number | undefined {
  return m.channel === 'attributes' ? undefined : m.value.ts;
}

/** The line of a validated non-telemetry message, stored at `ts`. */
export function otherLine(p: DevicePlacement, m: OtherMessage, ts: number, commandId?: string): string {
  const t = placementTags(p);
  switch (m.channel) {
    case 'status':
      return presenceLine(p, m.value.state, ts);
    case 'event': {
      const f: Point['f'] = { type: m.value.type };
      if (m.value.code !== undefined) f.code = String(m.value.code);
      if (m.value.message !== undefined) f.message = m.value.message;
      return toLine({ m: M.event, t, f, ts });
    }
    case 'attributes':
      return toLine({ m: M.attributes, t, f: m.value, ts });
    case 'cmd-result': {
      const f: Point['f'] = { command: commandId ?? '', ok: m.value.ok };
      if (m.value.message !== undefined) f.message = m.value.message;
      return toLine({ m: M.commandResult, t, f, ts });
    }
  }
}

/** A presence change of the device (connect, disconnect, status message, Last Will). */
export function presenceLine(p: DevicePlacement, state: string, ts: number): string {
  return toLine({ m: M.presence, t: placementTags(p), f: { state, online: state === 'online' }, ts });
}

/** A message refused by validation: kept, so an operator can see what a device sends wrong. */
export function rejectedLine(p: DevicePlacement, channel: DeviceChannel, reason: string, ts: number): string {
  return toLine({ m: M.rejected, t: placementTags(p), f: { reason, channel }, ts });
}
