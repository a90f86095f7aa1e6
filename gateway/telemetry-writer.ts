import http from 'node:http';
import https from 'node:https';
import type { InfluxDB } from 'influx';
import { ensureInfluxSchema, influxAuthHeader, influxClient, RAW_RP } from '../lib/influx/index.js';

/**
 * Where points end up: the InfluxDB v1 API (below) or the v2 API (token, org, bucket; gateway/influx-v2-writer.ts),
 * which take the same line protocol. test/gateway/writer-contract.ts holds both to one contract.
 */
export interface TelemetryWriter {
  /** Creates the database and retention policies if missing; safe to call at every start. */
  ensureSchema(): Promise<void>;
  /** Writes newline-terminated line-protocol lines (ms precision) as they are; rejects with PermanentWriteError on bad data (isBadData). */
  writeBatch(body: Buffer): Promise<void>;
}

export interface InfluxV1Options {
  url: string;
  database: string;
  username?: string;
  password?: string;
  rawRetention: string;
  rollupRetention: string;
}

const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 4 });

/** Raised for a write InfluxDB refused for what it contains (4xx): retrying would refuse it again. */
export class PermanentWriteError extends Error {}

/**
 * Statuses that say the server cannot take this content (a malformed line, a field type conflict, a body too
 * large): retrying would be refused again. 401, 403, 404 (credentials, rights, a database or bucket missing), 408
 * and 429 (quota) are about the set-up or the server, not the data: those are retried, so readings wait in the
 * spool until the operator has fixed the password or the database instead of being dropped. Both writers use it.
 */
export function isBadData(status: number): boolean {
  return status >= 400 && status < 500 && ![401, 403, 404, 408, 429].includes(status);
}

export class InfluxV1Writer implements TelemetryWriter {
  readonly influx: InfluxDB;
  private readonly writeUrl: URL;
  private readonly authHeader: Record<string, string>;

  constructor(private readonly opts: InfluxV1Options) {
    const u = new URL(opts.url);
    this.writeUrl = new URL('/write', u);
    this.writeUrl.search = new URLSearchParams({ db: opts.database, rp: RAW_RP, precision: 'ms' }).toString();
    this.authHeader = influxAuthHeader(opts);
    this.influx = influxClient(opts.url, opts);
  }

  async ensureSchema(): Promise<void> {
    await ensureInfluxSchema(this.influx, this.opts);
  }

  /**
   * POSTs the spooled lines to `/write` as they are. The `influx` package (used here for the schema and for every
   * query) can only write point objects it serialises itself; re-parsing and re-serialising every spooled point
   * cost 14 % of the gateway's CPU (docs/benchmarks.md), so the batch goes out as the bytes the spool holds, never
   * decoded into strings on the way.
   */
  async writeBatch(body: Buffer): Promise<void> {
    const { status, text } = await this.post(body);
    if (status === 204) return;
    if (isBadData(status)) throw new PermanentWriteError(`InfluxDB refused the batch (${status}): ${text}`);
    throw new Error(`InfluxDB write failed (${status}): ${text}`);
  }

  /**
   * node:http with one Buffer body and a keep-alive agent: `fetch` streamed the body through web streams and copied
   * it on the way, 5 % of the gateway's CPU (docs/benchmarks.md).
   */
  private post(body: Buffer): Promise<{ status: number; text: string }> {
    const u = this.writeUrl;
    const client = u.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = client.request(u, {
        method: 'POST', agent: u.protocol === 'https:' ? httpsAgent : httpAgent,
        headers: { ...this.authHeader, 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length },
      }, (res) => {
        // A 204 has no body; anything else has a short error message worth quoting.
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}
