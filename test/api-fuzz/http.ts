/**
 * Sending a fuzzed request over real HTTP: `fetch` where it would send the bytes as they are, and a raw TCP write
 * where it would not (it resolves `..`, encodes non-ASCII bytes, refuses a body on GET, and a client that keeps writing
 * a body the server has already refused sees the socket reset rather than the answer).
 */
import net from 'node:net';
import type { WireRequest } from './recipe.js';

export interface Answer {
  status: number;
  contentType: string;
  /** The parsed JSON body, or the text when it is not JSON. */
  body: unknown;
  /** Sent as raw bytes over `net` rather than with fetch. */
  raw: boolean;
}

/** Larger bodies go over `net`: the server answers 413 and closes while a client may still be writing. */
const FETCH_BODY_MAX = 60 * 1024;

/** Must these bytes go over a raw socket? */
export function needsRaw(w: WireRequest): boolean {
  return /[^\x21-\x7e]|\.\.|\/\.(\/|\?|$)|\\|#/.test(w.target)
    || (w.body !== undefined && (w.method === 'GET' || w.method === 'HEAD' || w.body.length > FETCH_BODY_MAX));
}

export async function send(base: string, w: WireRequest): Promise<Answer> {
  if (needsRaw(w)) return sendRaw(new URL(base), w);
  try {
    return await sendFetch(base, w);
  } catch (err) {
    // A pooled keep-alive connection the server closed meanwhile fails before the request is sent: once more, on a new one.
    if (!isStaleSocket(err)) throw err;
    return sendFetch(base, w);
  }
}

function isStaleSocket(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code === 'UND_ERR_SOCKET' || cause?.code === 'ECONNRESET';
}

async function sendFetch(base: string, w: WireRequest): Promise<Answer> {
  const res = await fetch(base + w.target, { method: w.method, headers: w.headers, body: w.body && new Uint8Array(w.body), redirect: 'manual', signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  return { status: res.status, contentType, body: parse(contentType, text), raw: false };
}

function parse(contentType: string, text: string): unknown {
  if (!contentType.includes('json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** One request on its own connection, written byte for byte; the answer read until the server closes. */
function sendRaw(url: URL, w: WireRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    const finish = (err?: Error) => {
      const got = Buffer.concat(chunks);
      // A reset after the whole answer arrived (the server refused the body mid-write) still has its answer.
      if (got.length > 0) {
        try {
          return resolve(parseResponse(got));
        } catch (parseErr) {
          if (!err) return reject(parseErr as Error);
        }
      }
      reject(err ?? new Error(`the server closed the connection without an answer to ${w.method} ${w.target.slice(0, 200)}`));
    };
    socket.setTimeout(30_000, () => socket.destroy(new Error(`no answer within 30 s to ${w.method} ${w.target.slice(0, 200)}`)));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => finish(err));
    socket.on('close', (hadError) => { if (!hadError) finish(); });
    const lines = [`${w.method} ${w.target} HTTP/1.1`, `host: ${url.host}`, 'connection: close', ...Object.entries(w.headers).map(([k, v]) => `${k}: ${v}`)];
    if (w.body) lines.push(`content-length: ${w.body.length}`);
    socket.write(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), w.body ?? Buffer.alloc(0)]));
  });
}

/** Status, content type and body of an HTTP/1.1 answer (chunked or not). */
export function parseResponse(bytes: Buffer): Answer {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`not an HTTP answer: ${JSON.stringify(bytes.subarray(0, 200).toString('latin1'))}`);
  const [statusLine, ...headerLines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  if (!status) throw new Error(`not an HTTP status line: ${JSON.stringify(statusLine)}`);
  const headers = new Map(headerLines.map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  let body = bytes.subarray(end + 4);
  if (headers.get('transfer-encoding')?.toLowerCase() === 'chunked') body = dechunk(body);
  const contentType = headers.get('content-type') ?? '';
  return { status, contentType, body: parse(contentType, body.toString('utf8')), raw: true };
}

function dechunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = b.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(b.subarray(at, eol).toString('latin1'), 16);
    if (!size) break;
    out.push(b.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}
