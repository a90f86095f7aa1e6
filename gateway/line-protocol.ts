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

/**
 * Formats a point as InfluxDB line protocol (ms precision), with the influx package's escaping. The spool holds
 * these lines, so the writer sends them as they are: formatting happens once per reading, at ingest. The
 * measurement-and-tags prefix is cached per tag set (the enrich stage caches one tag object per device).
 */
export function toLine(p: Point): string {
  let byMeasurement = prefixes.get(p.t);
  if (!byMeasurement) {
    byMeasurement = new Map();
    prefixes.set(p.t, byMeasurement);
  }
  let prefix = byMeasurement.get(p.m);
  if (prefix === undefined) {
    // Tags sorted by key, as InfluxDB recommends for the fastest parsing.
    prefix = escape.measurement(p.m) + Object.keys(p.t).sort().map((k) => `,${escape.tag(k)}=${escape.tag(p.t[k]!)}`).join('');
    byMeasurement.set(p.m, prefix);
  }
  let fields = '';
  for (const k in p.f) {
    const v = p.f[k]!;
    fields += (fields ? ',' : '') + fieldKey(k) + '=' + (typeof v === 'string' ? escape.quoted(v.replace(NEWLINES, ' ')) : String(v));
  }
  return `${prefix} ${fields} ${p.ts}`;
}
