/** Uploads held in flight, to test the admission of imports (dashboard/server/import-admission.ts). */
import { request as httpRequest, type ClientRequest } from 'node:http';
import type { ApiClient } from './client.js';

export interface Answer { status: number; retryAfter: string | undefined; body: { code?: string; message?: string; id?: string } }
/**
 * An upload whose last byte is held back: the server has (nearly) all of it, and this upload stays in flight until
 * `finish()`. `answer` settles when the server answers, which a refusal does before the body is read.
 */
export function heldUpload(c: ApiClient, name: string, data: Buffer, prefix = 'imports'): { answer: Promise<Answer>; answered: () => boolean; finish: () => void; req: ClientRequest } {
  const url = new URL(`${c.base}/api/${prefix}?name=${encodeURIComponent(name)}`);
  const req = httpRequest({
    host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', agent: false,
    headers: { cookie: c.cookie, origin: c.base, 'content-type': 'text/csv', 'content-length': data.length },
  });
  let done = false;
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        done = true;
        const h = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, retryAfter: Array.isArray(h) ? h[0] : h, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Answer['body'] });
      });
    });
    // A refused upload's connection may close while the rest of its body is still being written: expected.
    req.on('error', (err) => { if (!done) reject(err); });
  });
  answer.catch(() => undefined);
  req.write(data.subarray(0, data.length - 1));
  return { answer, answered: () => done, finish: () => { if (!done) req.end(data.subarray(data.length - 1)); }, req };
}
