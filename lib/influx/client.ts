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

/**
 * How a request to an InfluxDB 2.x primary's v1-compatibility API (`/query`, `/write`) authenticates: with the
 * API token, `Authorization: Token <token>`, unless the operator configured a v1 authorization (influx.username):
 * InfluxDB 2.x OSS takes a user and password on that API only from `influx v1 auth`, never a token as password.
 * node-influx sends nothing but Basic, so the token goes in as a header and the Basic credential is left out.
 */
export function withTokenAuth<T extends { auth?: string; headers?: Record<string, string> }>(options: T, token: string): T {
  return { ...options, auth: undefined, headers: { ...options.headers, Authorization: `Token ${token}` } };
}

/** The connection options `influxClient` reads (config/schema.ts, `influx.*`). */
export interface InfluxClientOptions {
  database: string;
  username?: string;
  password?: string;
  /** 2: an InfluxDB 2.x (or 3.x) primary, read and written through its v1-compatibility API with `token`. */
  version?: number;
  token?: string;
}

/**
 * The `influx` package's client for an InfluxDB v1 URL (http or https, with optional credentials), or for the
 * v1-compatibility API of an InfluxDB 2.x primary (`version` 2), where the DBRP mappings give the buckets their
 * `"db"."rp"` names (v2-plan.ts).
 */
export function influxClient(url: string, o: InfluxClientOptions): InfluxDB {
  const u = new URL(url);
  const client = new InfluxDB({
    host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)), protocol: u.protocol === 'https:' ? 'https' : 'http',
    database: o.database, username: o.username || undefined, password: o.password || undefined,
  });
  const pool = (client as unknown as { _pool: InfluxPool })._pool;
  const token = o.version === 2 && !o.username && o.token ? o.token : undefined;
  const auth = (options: object) => (token ? withTokenAuth(options, token) : options);
  pool.text = (options) => readBody(pool, auth(options), true);
  pool.discard = (options) => readBody(pool, auth(options), false).then(() => undefined);
  return client;
}
