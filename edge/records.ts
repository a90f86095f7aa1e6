/**
 * The one record format of everything an edge node sends up to the province, by MQTT (the uplink) or by file (the
 * sneakernet): docs/architecture.md, "Edge nodes (issue 21)". A device record is one message a device sent and the
 * edge accepted (acknowledged), as the province must store it.
 */

/** The device channels an edge forwards; `result` is a command's result (the gateway's `cmd-result`). */
export const RECORD_CHANNELS = ['telemetry', 'status', 'attributes', 'event', 'result'] as const;
export type RecordChannel = (typeof RECORD_CHANNELS)[number];

/**
 * One message of one device. `q` is the edge's own sequence per device, from 1, +1 per record, never reused (not the
 * device's `seq`, which stays inside `p`): the province applies a device's records in q order and remembers the last
 * one it applied, which makes a record sent twice (an overlapping file, a batch re-sent after a cut) harmless.
 */
export interface DeviceRecord {
  /**
   * Absent for a device record: site-level records (alerts judged at the edge, command outcomes, edge health) get a
   * kind of their own. `outcome`: the final state at the edge of a command the province issued (edge/downlink.ts),
   * with `c` 'result', `cmd` its id and `p` {"state", "message"}: it shares its device's q, so it is applied once.
   */
  k?: 'outcome';
  d: string;
  q: number;
  c: RecordChannel;
  /** The command id of a `result`. */
  cmd?: string;
  /** The payload as JSON text, every reading's `ts` resolved by the edge (resolveTimes). */
  p: string;
  /** When the edge accepted it (ms). */
  at: number;
}

/** Every kind of record; site-level kinds join this union (with `k` set) without changing device records. */
export type EdgeRecord = DeviceRecord;

/** A device record before the forward log gives it its q. */
export type NewDeviceRecord = Omit<DeviceRecord, 'q'>;

/** Per device: the first and last q a batch or a file holds. */
export type QRanges = Record<string, { from: number; to: number }>;

/** A record refused by the validator, with where it was. */
export interface BadRecord { position: number; error: string }

const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_PAYLOAD = 256 * 1024;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isMs = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * Checks the shape of one record (its payload's content is the gateway's validation, at the province). Returns the
 * record or what is wrong with it; never throws.
 */
export function checkRecord(v: unknown): { ok: true; record: EdgeRecord } | { ok: false; error: string } {
  if (!isObject(v)) return { ok: false, error: 'not a JSON object' };
  if (v.k !== undefined && v.k !== 'outcome') return { ok: false, error: `unknown record kind '${String(v.k)}'` };
  if (v.k === 'outcome' && (v.c !== 'result' || v.cmd === undefined)) return { ok: false, error: 'an outcome record is a result that names its command' };
  if (typeof v.d !== 'string' || !DEVICE_ID.test(v.d)) return { ok: false, error: 'd: not a device id' };
  if (!Number.isSafeInteger(v.q) || (v.q as number) < 1) return { ok: false, error: 'q: not a sequence number from 1' };
  if (!RECORD_CHANNELS.includes(v.c as RecordChannel)) return { ok: false, error: `c: unknown channel '${String(v.c)}' (known: ${RECORD_CHANNELS.join(', ')})` };
  if (v.cmd !== undefined && (typeof v.cmd !== 'string' || v.cmd.length > 128)) return { ok: false, error: 'cmd: not a command id' };
  if (v.c === 'result' && v.cmd === undefined) return { ok: false, error: 'cmd: a result names its command' };
  if (typeof v.p !== 'string' || v.p.length > MAX_PAYLOAD) return { ok: false, error: 'p: not a payload text' };
  if (!isMs(v.at)) return { ok: false, error: 'at: not a time in ms' };
  const known = new Set(['d', 'q', 'k', 'c', 'cmd', 'p', 'at']);
  const extra = Object.keys(v).find((key) => !known.has(key));
  if (extra) return { ok: false, error: `unknown field '${extra}'` };
  return { ok: true, record: v as unknown as DeviceRecord };
}

/** Parses newline-delimited records: the good ones, and the bad ones with their position (1-based). */
export function parseRecords(lines: Iterable<string>, firstPosition = 1): { records: EdgeRecord[]; bad: BadRecord[] } {
  const records: EdgeRecord[] = [];
  const bad: BadRecord[] = [];
  let position = firstPosition;
  for (const line of lines) {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      bad.push({ position, error: 'not JSON' });
      position++;
      continue;
    }
    const res = checkRecord(v);
    if (res.ok) records.push(res.record);
    else bad.push({ position, error: res.error });
    position++;
  }
  return { records, bad };
}

/** The q ranges of a list of device records. */
export function qRanges(records: Iterable<EdgeRecord>): QRanges {
  const out: QRanges = {};
  for (const r of records) {
    const x = out[r.d];
    if (!x) out[r.d] = { from: r.q, to: r.q };
    else {
      if (r.q < x.from) x.from = r.q;
      if (r.q > x.to) x.to = r.q;
    }
  }
  return out;
}

/**
 * Gives every reading of a payload a time, so the province stores the same timestamp each time it sees the record
 * (InfluxDB keeps one point per series and time: a re-sent point stays one point). A reading without `ts` gets `at`,
 * made unique per device through `unique` (two readings in one millisecond would merge). Payloads that are not
 * JSON are left for the province's validation to refuse; attributes carry no time (the record's `at` is theirs).
 */
export function resolveTimes(c: RecordChannel, payload: string, at: number, unique: (at: number) => number = (t) => t): string {
  if (c === 'attributes') return payload;
  let data: unknown;
  try {
    data = JSON.parse(payload);
  } catch {
    return payload;
  }
  const list = Array.isArray(data) ? data : [data];
  let changed = false;
  for (const item of list) {
    if (isObject(item) && item.ts === undefined) {
      item.ts = unique(at);
      changed = true;
    }
  }
  return changed ? JSON.stringify(data) : payload;
}

/** A `unique` for resolveTimes: the edge's times for one device, never the same millisecond twice. */
export function uniqueTimes(): (deviceId: string) => (at: number) => number {
  const last = new Map<string, number>();
  return (deviceId) => (at) => {
    const prev = last.get(deviceId) ?? 0;
    const t = at > prev ? at : prev + 1;
    last.set(deviceId, t);
    return t;
  };
}
