/**
 * The province applying an edge's records (docs/architecture.md, "Edge nodes (issue 21)"), whichever way they came (a
 * file now, the uplink later). Per device, records with q at or below the edge's cursor are already here (counted,
 * skipped); the others go through the gateway's own validation and enrichment (gateway/message-lines.ts) in q order,
 * are written to InfluxDB, the days they fall on are marked for re-analysis, and then the cursors advance in one
 * registry transaction. A crash between the InfluxDB write and the cursor advance applies the records again next time:
 * harmless, as InfluxDB keeps one point per series and time and every record carries the time the edge resolved.
 *
 * The edge judges its site's alerts itself (it saw the devices live): nothing here records health signals or alerts.
 */
import type { Logger } from '../lib/logger.js';
import { vnDay } from '../lib/vn/time.js';
import type { DeviceChannel } from '../protocol/index.js';
import type { DevicePlacement, EdgeReport, EdgeRow, RegistryStore } from '../registry/index.js';
import {
  messageTs, otherLine, parseOther, parseTelemetry, presenceLine, rejectedLine, saneTs, telemetryLines, type TimeWindow,
} from '../gateway/message-lines.js';
import type { TelemetryWriter } from '../gateway/telemetry-writer.js';
import type { DeviceRecord, EdgeRecord, RecordChannel } from './records.js';
import { recordOutcomes } from './outcomes.js';

export interface ApplyDeps {
  registry: RegistryStore;
  writer: TelemetryWriter;
  /** The devices' places (registry/directory.ts or a snapshot of placementsSince(0)). */
  placements: { get(id: string): DevicePlacement | undefined };
  window: TimeWindow;
  log: Logger;
  now: () => number;
}

/** What applying did; the counts add up over the batches of one file. */
export interface ApplyResult {
  /** Records written (new). */
  applied: number;
  /** Records whose q the province already had. */
  present: number;
  /** Records of devices not on the edge's site (or unknown to the province): not applied. */
  refused: number;
  /** New records the gateway's validation refused: stored as the gateway stores a refused message, as rejected. */
  invalid: number;
  /** New records whose q was not the device's cursor + 1 (records missing in between). */
  gaps: number;
  /** Devices with at least one new record. */
  devices: string[];
  refusedDevices: string[];
  /** Local days (Asia/Ho_Chi_Minh) the new records fall on, marked for re-analysis. */
  days: string[];
  /** Commands of the province whose outcome these records brought (edge/outcomes.ts). */
  outcomes: number;
}

export const emptyResult = (): ApplyResult => ({ applied: 0, present: 0, refused: 0, invalid: 0, gaps: 0, devices: [], refusedDevices: [], days: [], outcomes: 0 });

const CHANNEL: Record<RecordChannel, DeviceChannel> = { telemetry: 'telemetry', status: 'status', attributes: 'attributes', event: 'event', result: 'cmd-result' };
const WRITE_LINES = 5_000;

/**
 * Applies a batch of an edge's records; adds to `into` and returns it. `report` (the edge's state) is stored with the
 * cursors. Records of one device must come in q order across batches (a file's and the log's order).
 */
export async function applyRecords(deps: ApplyDeps, edge: EdgeRow, records: readonly EdgeRecord[], o: { into?: ApplyResult; report?: EdgeReport } = {}): Promise<ApplyResult> {
  const out = o.into ?? emptyResult();
  const byDevice = new Map<string, DeviceRecord[]>();
  for (const r of records) {
    const list = byDevice.get(r.d);
    if (list) list.push(r);
    else byDevice.set(r.d, [r]);
  }
  const cursors = await deps.registry.edges.cursors(edge.id, [...byDevice.keys()]);
  const advanced = new Map<string, number>();
  const lines: string[] = [];
  const days = new Set<string>();
  const outcomes: DeviceRecord[] = [];
  const devices = new Set(out.devices);
  const refusedDevices = new Set(out.refusedDevices);
  for (const [d, list] of byDevice) {
    const p = deps.placements.get(d);
    if (!p || p.siteId !== edge.siteId) {
      out.refused += list.length;
      refusedDevices.add(d);
      continue;
    }
    list.sort((a, b) => a.q - b.q);
    let cursor = cursors.get(d) ?? 0;
    for (const r of list) {
      if (r.q <= cursor) {
        out.present++;
        continue;
      }
      if (r.q !== cursor + 1) {
        out.gaps++;
        deps.log.warn({ edge: edge.id, device: d, expected: cursor + 1, got: r.q }, 'edge records of a device arrived with a gap in q');
      }
      cursor = r.q;
      out.applied++;
      devices.add(d);
      if (r.c === 'result') outcomes.push(r);
      if (r.k !== 'outcome' && !recordLines(p, r, deps.window, lines, days)) out.invalid++;
    }
    if (cursor > (cursors.get(d) ?? 0)) advanced.set(d, cursor);
  }
  for (let i = 0; i < lines.length; i += WRITE_LINES) {
    await deps.writer.writeBatch(Buffer.from(lines.slice(i, i + WRITE_LINES).join('\n') + '\n', 'utf8'));
  }
  if (outcomes.length) out.outcomes += await recordOutcomes(deps.registry, outcomes);
  const now = deps.now();
  if (days.size) await deps.registry.usage.markDirtyDays([...days], now);
  if (advanced.size || o.report) await deps.registry.edges.advance(edge.id, advanced, { at: now, report: o.report });
  out.devices = [...devices];
  out.refusedDevices = [...refusedDevices];
  out.days = [...new Set([...out.days, ...days])].sort();
  return out;
}

/**
 * Appends the lines of one record, as the gateway would have stored the message had it arrived when the edge took it
 * (`at`): the device's time when sane then, else `at`. Returns false when validation refused it (a rejected line).
 */
export function recordLines(p: DevicePlacement, r: DeviceRecord, window: TimeWindow, lines: string[], days: Set<string>): boolean {
  const channel = CHANNEL[r.c];
  const note = (ts: number) => {
    days.add(vnDay(ts));
    return ts;
  };
  if (channel === 'telemetry') {
    const res = parseTelemetry(p.kind, r.p);
    if (!res.ok) {
      lines.push(rejectedLine(p, channel, res.error, r.at));
      return false;
    }
    lines.push(...telemetryLines(p, res.value, (x) => {
      const deviceTs = x.ts as number | undefined;
      if (saneTs(deviceTs, r.at, window)) return note(deviceTs);
      if (deviceTs !== undefined) x.clock_replaced = true;
      return note(r.at);
    }));
    return true;
  }
  const res = parseOther(channel, r.p);
  if (!res.ok) {
    lines.push(rejectedLine(p, channel, res.error, r.at));
    return false;
  }
  const m = res.value;
  const own = messageTs(m);
  const ts = note(saneTs(own, r.at, window) ? own : r.at);
  lines.push(m.channel === 'status' ? presenceLine(p, m.value.state, ts) : otherLine(p, m, ts, r.cmd));
  return true;
}
