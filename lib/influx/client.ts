import type { IncomingMessage } from 'node:http';
import { InfluxDB } from 'influx';

/** The part of node-influx's request pool the response readers below use. */
interface InfluxPool {
  stream(options: object, callback: (err: Error | undefined, res: IncomingMessage | null) => void): void;
  text(options: object): Promise<string>;
  discard(options: object): Promise<void>;
}

/**
 * node-influx's RequestError (any 3xx/4xx answer, a 401 among them) holds the request, whose headers carry the
 * Basic credential, and pino copies an error's enumerable fields into the log line: the password would be logged.
 * The fields stay readable, only out of enumeration.
 */
function hideRequest(err: Error): Error {
  for (const key of ['req', 'res']) if (Object.hasOwn(err, key)) Object.defineProperty(err, key, { enumerable: false });
  return err;
}

/**
 * Reads a response to its end, or fails when the connection closes first. node-influx waits for `end` only, so
 * an InfluxDB that dies between its early "200 OK" (influxd flushes the header before it runs a query) and the body
 * leaves the promise pending for ever (node-influx issues #524, #605, open): a usage pass that never ends, and a
 * stop that waits on it.
 */
function readBody(pool: InfluxPool, options: object, keep: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    pool.stream(options, (err, res) => {
      if (err || !res) return reject(err ? hideRequest(err) : new Error('InfluxDB gave no response'));
      let body = '';
      res.on('data', (chunk: Buffer | string) => { if (keep) body += chunk.toString(); });
      res.on('end', () => resolve(body));
      res.on('error', reject);
      res.on('close', () => {
        if (!res.complete) reject(Object.assign(new Error('InfluxDB closed the connection before the end of its answer'), { code: 'ECONNRESET' }));
      });
    });
  });
}

/** The `influx` package's client for an InfluxDB v1 URL (http or https, with optional credentials). */
export function influxClient(url: string, o: { database: string; username?: string; password?: string }): InfluxDB {
  const u = new URL(url);
  const client = new InfluxDB({
    host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)), protocol: u.protocol === 'https:' ? 'https' : 'http',
    database: o.database, username: o.username || undefined, password: o.password || undefined,
  });
  const pool = (client as unknown as { _pool: InfluxPool })._pool;
  pool.text = (options) => readBody(pool, options, true);
  pool.discard = (options) => readBody(pool, options, false).then(() => undefined);
  return client;
}
