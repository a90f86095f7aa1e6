import { setTimeout as delay } from 'node:timers/promises';

/**
 * The few InfluxDB v1 HTTP calls the benchmark makes itself, with plain `fetch`: no client library between the
 * raw reference and the server.
 */
export class InfluxHttp {
  constructor(readonly url: string) {}

  async query(q: string, db?: string): Promise<unknown> {
    const params = new URLSearchParams({ q, ...(db ? { db } : {}) });
    const res = await fetch(`${this.url}/query`, { method: 'POST', body: params });
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
    const res = await fetch(`${this.url}/write?db=${encodeURIComponent(db)}&precision=${precision}`, { method: 'POST', body });
    if (res.status !== 204) throw new Error(`InfluxDB write failed (${res.status}): ${(await res.text()).slice(0, 300)}`);
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
  polls: number;
}

/**
 * Polls a count until it reaches `total` (one query in flight at a time, `everyMs` between them). The time recorded
 * is when the answer arrived, so the figure errs on the slow side by at most one query plus `everyMs`.
 */
/**
 * With `settle` (QoS 0, where the broker may drop readings by design), the watch also ends once the load is done and
 * the count has not grown for `quietMs`; `doneAt` is then when it last grew.
 */
export async function watchCount(influx: InfluxHttp, db: string, from: string, field: string, total: number, timeoutMs: number, everyMs = 50, settle?: { loadDone: () => boolean; quietMs: number }): Promise<CountWatch> {
  const deadline = performance.now() + timeoutMs;
  let count = 0;
  let polls = 0;
  let grewAt = performance.now();
  let last = 0;
  while (performance.now() < deadline) {
    try {
      count = await influx.count(db, from, field);
    } catch (err) {
      // "database not found" until the gateway has created its schema
      if (!/database not found/.test((err as Error).message)) throw err;
    }
    polls += 1;
    if (count >= total) return { doneAt: performance.now(), count, polls };
    if (count > last) {
      last = count;
      grewAt = performance.now();
    } else if (settle?.loadDone() && performance.now() - grewAt > settle.quietMs) return { doneAt: grewAt, count, polls };
    await delay(everyMs);
  }
  throw new Error(`only ${count} of ${total} points arrived in ${db} ${from} within ${timeoutMs / 1000} s`);
}
