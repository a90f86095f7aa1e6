import { escape } from 'influx';

/** One point before it is spooled: measurement, tags, fields and a UTC ms timestamp. */
export interface Point {
  m: string;
  t: Readonly<Record<string, string>>;
  f: Record<string, number | boolean | string>;
  ts: number;
}

/** The spool is newline-delimited, so a string value (an event message, a rejection reason) loses its line breaks. */
const NEWLINES = /[\r\n]/g;

const prefixes = new WeakMap<Readonly<Record<string, string>>, Map<string, string>>();
const fieldKeys = new Map<string, string>();

function fieldKey(k: string): string {
  let e = fieldKeys.get(k);
  if (e === undefined) {
    e = escape.tag(k);
    // Field names come from the protocol schemas (a bounded set), but attributes may carry extra keys: cap the cache.
    if (fieldKeys.size < 10_000) fieldKeys.set(k, e);
  }
  return e;
}

/** The measurement-and-tags part of a line, cached per tag set (the enrich stage caches one tag object per device). */
export function linePrefix(m: string, t: Readonly<Record<string, string>>): string {
  let byMeasurement = prefixes.get(t);
  if (!byMeasurement) {
    byMeasurement = new Map();
    prefixes.set(t, byMeasurement);
  }
  let prefix = byMeasurement.get(m);
  if (prefix === undefined) {
    // Tags sorted by key, as InfluxDB recommends for the fastest parsing.
    prefix = escape.measurement(m) + Object.keys(t).sort().map((k) => `,${escape.tag(k)}=${escape.tag(t[k]!)}`).join('');
    byMeasurement.set(m, prefix);
  }
  return prefix;
}

function fieldValue(v: number | boolean | string): string {
  return typeof v === 'string' ? escape.quoted(v.replace(NEWLINES, ' ')) : String(v);
}

/**
 * Formats a point as InfluxDB line protocol (ms precision), with the influx package's escaping. The spool holds
 * these lines, so the writer sends them as they are: formatting happens once per reading, at ingest.
 */
export function toLine(p: Point): string {
  let fields = '';
  for (const k in p.f) fields += (fields ? ',' : '') + fieldKey(k) + '=' + fieldValue(p.f[k]!);
  return `${linePrefix(p.m, p.t)} ${fields} ${p.ts}`;
}

/**
 * The line of a telemetry reading as the device sent it (protocol/validate.ts TelemetryRecord): every key but `ts`
 * is a field (`seq` too), and `ts` is the time the gateway settled on. One pass, no point object: this runs for
 * every reading.
 */
export function telemetryLine(prefix: string, r: Readonly<Record<string, number | boolean | string>>, ts: number): string {
  let fields = '';
  for (const k in r) {
    if (k === 'ts') continue;
    fields += (fields ? ',' : '') + fieldKey(k) + '=' + fieldValue(r[k]!);
  }
  return prefix + ' ' + fields + ' ' + ts;
}
