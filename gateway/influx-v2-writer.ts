import { HttpError, InfluxDB, type WriteApi } from '@influxdata/influxdb-client';
import { isBadData, PermanentWriteError, type TelemetryWriter } from './telemetry-writer.js';

export interface InfluxV2Options {
  /** The server's base URL (InfluxDB 2.x, 3.x, Cloud, or anything that takes `/api/v2/write`). */
  url: string;
  token: string;
  org: string;
  bucket: string;
}

/**
 * Most lines one `writeRecords` takes before the client would flush on its own: its own flush swallows the error
 * (the promise is caught inside the client), so every batch is cut below this and flushed by us, whose promise
 * says whether it was written.
 */
const CHUNK_LINES = 10_000;

/**
 * Writes the spooled line protocol through the v2 write API (`/api/v2/write?org=&bucket=&precision=ms`) with
 * `@influxdata/influxdb-client`. The lines go as they are (no parsing into points); the client's own retry buffer
 * and flush timer are off, because the spool and the writer loop already retry and keep order: one batch in, one
 * flush, its outcome reported like the v1 writer's.
 */
export class InfluxV2Writer implements TelemetryWriter {
  private readonly api: WriteApi;

  constructor(readonly opts: InfluxV2Options) {
    const client = new InfluxDB({ url: opts.url, token: opts.token, timeout: 30_000 });
    this.api = client.getWriteApi(opts.org, opts.bucket, 'ms', {
      batchSize: CHUNK_LINES + 1,
      flushInterval: 0,
      maxRetries: 0,
      maxBufferLines: 0,
      maxBatchBytes: Number.MAX_SAFE_INTEGER,
      // Returning a promise makes it the flush's outcome: no retry, and no console logging by the client.
      writeFailed: (error) => Promise.reject(error),
    });
  }

  /**
   * Buckets, their retention and the DBRP mappings are the operator's set-up (docs/integration.md): a token that
   * only writes to its bucket, as an InfluxDB 2.x operator would hand out, cannot create them.
   */
  ensureSchema(): Promise<void> {
    return Promise.resolve();
  }

  async writeBatch(body: Buffer): Promise<void> {
    if (body.length === 0) return;
    // The spool's records each end in a newline; the client joins the lines with newlines again.
    const lines = body.toString('utf8', 0, body[body.length - 1] === 10 ? body.length - 1 : body.length).split('\n');
    for (let i = 0; i < lines.length; i += CHUNK_LINES) {
      this.api.writeRecords(lines.slice(i, i + CHUNK_LINES));
      try {
        await this.api.flush();
      } catch (err) {
        throw describe(err);
      }
    }
  }
}

/** The v1 writer's mapping: bad content is permanent, everything else (5xx, network, set-up) is retried. */
function describe(err: unknown): Error {
  if (err instanceof HttpError) {
    const text = `(${err.statusCode}): ${err.body || err.message}`;
    if (isBadData(err.statusCode)) return new PermanentWriteError(`InfluxDB refused the batch ${text}`);
    return new Error(`InfluxDB write failed ${text}`);
  }
  // A fresh error with the message and code only: nothing of the request (its token header) reaches a log.
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as Error & { code?: unknown }).code;
  return Object.assign(new Error(`InfluxDB write failed: ${e.message}`), typeof code === 'string' ? { code } : {});
}
