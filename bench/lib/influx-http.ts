import { setTimeout as delay } from 'node:timers/promises';
import { influxAuthHeader, type InfluxCredentials } from '../../lib/influx/index.js';

/**
 * The few InfluxDB v1 HTTP calls the benchmark makes itself, with plain `fetch`: no client library between the
 * raw reference and the server. The managed influxd requires its credential, as EduFleet's own requests do.
 */
export class InfluxHttp {
  readonly headers: Record<string, string>;
  constructor(readonly url: string, readonly credentials?: InfluxCredentials) {
    this.headers = influxAuthHeader(credentials);
  }

  async query(q: string, db?: string): Promise<unknown> {
    const params = new URLSearchParams({ q, ...(db ? { db } : {}) });
    const res = await fetch(`${this.url}/query`, { method: 'POST', headers: this.headers, body: params });
    const text = await res.text();
    if (!res.ok) throw new Error(`InfluxDB query failed (${res.status}): ${q}: ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { results?: { error?: string }[] };
    const err = body.results?.find((r) => r.error)?.error;
    if (err) throw new Error(`InfluxDB query failed: ${q}: ${err}`);
    return body;
  }

  /** `SELECT count(field) FROM measurement`: 0 while the measurement does not exist yet. */
  async count(db: string, from: string, field: string): Promise<number> {
    const body = (await this.query(`SELECT count("${field}") FROM ${from}`, db)) as { results: { series?: { values: [string, number][] }[] }[] };
    return body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
  }

  async write(db: string, body: string, precision = 'ms'): Promise<void> {
    const res = await fetch(`${this.url}/write?db=${encodeURIComponent(db)}&precision=${precision}`, { method: 'POST', headers: this.headers, body });
    if (res.status !== 204) throw new Error(`InfluxDB write failed (${res.status}): ${(await res.text()).slice(0, 300)}`);
  }

  /**
   * Points and write requests influxd accepted into `db` (its shard statistics from `/debug/vars`): an answer from
   * counters in memory, where a `count()` reads every point stored so far.
   */
  async written(db: string): Promise<{ points: number; requests: number }> {
    const res = await fetch(`${this.url}/debug/vars`, { headers: this.headers });
    const vars = (await res.json()) as Record<string, { name?: string; tags?: Record<string, string> | null; values?: Record<string, number> }>;
    let points = 0;
    let requests = 0;
    for (const v of Object.values(vars)) {
      if (v?.name !== 'shard' || v.tags?.database !== db) continue;
      points += v.values?.writePointsOk ?? 0;
      requests += v.values?.writeReqOk ?? 0;
    }
    return { points, requests };
  }

  async version(): Promise<string> {
    const res = await fetch(`${this.url}/ping`);
    return res.headers.get('x-influxdb-version') ?? 'unknown';
  }
}

export interface CountWatch {
  /** performance.now() when a count query first answered `total`. */
  doneAt: number;
  /** The last count seen (equals `total` on success). */
  count: number;
  /** count() queries made (each reads every point stored so far). */
  polls: number;
  /** Write requests influxd accepted into the database during the watch, and their points: the batch size sent. */
  writes: { points: number; requests: number };
}

/** The longest wait between two reads of influxd's write counters during a watch. */
const MAX_POLL_MS = 500;

/**
 * Waits until `SELECT count(field)` reaches `total` (one request in flight at a time, `everyMs` between them). The
 * time recorded is when the answer arrived, so the figure errs on the slow side by at most one query plus `everyMs`.
 *
 * It polls influxd's write counters and runs the count only once they reach the total. A `count()` every 50 ms
 * reads every point stored so far, so its cost grows with the run's length times the data: it made influxd's CPU per
 * point depend on how long a scenario took (18.8 µs fed by EduFleet in 12 s against 10.4 for the raw batches in
 * 1.8 s, where the same points paced over 12 s without polling cost influxd 7.2 µs). The counters are a cheap
 * hint; the count still decides.
 *
 * The counters are read every `everyMs` only near the end: earlier, at half the time the points still missing would
 * take at the rate seen (at most MAX_POLL_MS apart). Each `/debug/vars` answer costs influxd CPU too (its memory
 * statistics and every shard's), and 20 of them a second made influxd's cost per point grow with the length of the
 * run again: EduFleet's runs last ~5 times the raw batches' (issue 13 item 4).
 *
 * With `settle` (QoS 0, where the broker may drop readings by design), the watch also ends once the load is done and
 * the written points have not grown for `quietMs`; `doneAt` is then when they last grew, `count` the final count.
 */
export async function watchCount(influx: InfluxHttp, db: string, from: string, field: string, total: number, timeoutMs: number, everyMs = 50, settle?: { loadDone: () => boolean; quietMs: number }): Promise<CountWatch> {
  const deadline = performance.now() + timeoutMs;
  let count = 0;
  let polls = 0;
  let grewAt = performance.now();
  let written = { points: 0, requests: 0 };
  let readAt = performance.now();
  let waitMs = everyMs;
  const countNow = async () => {
    polls += 1;
    try {
      count = await influx.count(db, from, field);
    } catch (err) {
      // "database not found" until the gateway has created its schema
      if (!/database not found/.test((err as Error).message)) throw err;
    }
    return count;
  };
  while (performance.now() < deadline) {
    const before = written.points;
    const lastReadAt = readAt;
    written = await influx.written(db);
    readAt = performance.now();
    // Other measurements (presence, events) count too, so the counters may reach the total a little early.
    if (written.points >= total && (await countNow()) >= total) return { doneAt: performance.now(), count, polls, writes: written };
    if (written.points > before) {
      grewAt = performance.now();
      const msLeft = ((total - written.points) * (readAt - lastReadAt)) / (written.points - before);
      waitMs = Math.min(MAX_POLL_MS, Math.max(everyMs, msLeft / 2));
    } else if (settle?.loadDone()) {
      if (performance.now() - grewAt > settle.quietMs) {
        await countNow();
        return { doneAt: grewAt, count, polls, writes: written };
      }
      // Whether anything more comes is told by time alone now: watch closely.
      waitMs = everyMs;
    }
    await delay(waitMs);
  }
  throw new Error(`only ${Math.max(count, written.points)} of ${total} points arrived in ${db} ${from} within ${timeoutMs / 1000} s`);
}
