/**
 * The two channels. A webhook is signed so a receiver can tell it came from EduFleet and was not replayed:
 * `X-EduFleet-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the recipient's secret
 * (docs/alerts.md shows a receiver's check), and carries `X-EduFleet-Delivery`, the same for every attempt of one
 * message, so a receiver can drop a repeat. The request goes only to an address lib/net-guard.ts checked, and a
 * redirect is not followed (it could point anywhere, inside included).
 */
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import { checkTarget, type CheckedTarget, type Lookup, type Refusal } from '../../lib/net-guard.js';

/** The outcome of one delivery attempt; `status` is the HTTP or SMTP status when there was one. */
export interface SendResult { ok: boolean; status: number | null; error: string | null }

export const newWebhookSecret = (): string => randomBytes(24).toString('base64url');

export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What the delivery log says of a refused target: nothing about the address, the port or why it would fail. */
export const REFUSAL_TEXT: Record<Refusal, string> = {
  private: 'refused: private address', scheme: 'refused: not an http(s) URL', unresolved: 'refused: host name not found',
};

export interface WebhookOptions {
  now: number;
  timeoutMs: number;
  /** Stable over the retries of one message (X-EduFleet-Delivery). */
  deliveryId: string;
  lookup?: Lookup;
  /** config alerts.webhookAllowedTargets. */
  allowedTargets?: readonly string[];
}

export async function postWebhook(url: string, secret: string, payload: object, o: WebhookOptions): Promise<SendResult> {
  const body = JSON.stringify(payload);
  const timestamp = String(Math.floor(o.now / 1000));
  // One deadline for the whole attempt, the lookup included; past it nothing is started, and what runs is cut off.
  const stop = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<SendResult>((resolve) => {
    timer = setTimeout(() => {
      stop.abort();
      resolve({ ok: false, status: null, error: `no answer within ${o.timeoutMs} ms` });
    }, o.timeoutMs);
  });
  const attempt = (async (): Promise<SendResult> => {
    // Checked again at every send: what a name resolved to when the recipient was saved proves nothing now.
    const checked = await checkTarget(url, { lookup: o.lookup, allowedTargets: o.allowedTargets });
    if (!checked.ok) return { ok: false, status: null, error: REFUSAL_TEXT[checked.refusal] };
    if (stop.signal.aborted) return { ok: false, status: null, error: 'timed out' };
    return request(checked.target, body, {
      'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'EduFleet',
      'x-edufleet-delivery': o.deliveryId, 'x-edufleet-timestamp': timestamp, 'x-edufleet-signature': signature(secret, timestamp, body),
    }, stop.signal);
  })();
  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    clearTimeout(timer);
    // Also ends a response whose body never finishes: the status is all a delivery needs.
    stop.abort();
  }
}

/** One POST to the checked address, Host and TLS server name kept as the URL's name; answers with the status. */
function request(t: CheckedTarget, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<SendResult> {
  // Whatever net.connect asks, the answer is the address that was checked: no second resolution.
  const pinned: LookupFunction = (_host, opts, cb) => {
    if (opts.all) cb(null, [{ address: t.address, family: t.family }]);
    else cb(null, t.address, t.family);
  };
  return new Promise((resolve) => {
    const lib = t.url.protocol === 'https:' ? https : http;
    const req = lib.request({
      protocol: t.url.protocol, hostname: t.host, port: t.port, path: `${t.url.pathname}${t.url.search}`, method: 'POST', headers,
      lookup: pinned, agent: false, signal,
    }, (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      if (status >= 200 && status < 300) resolve({ ok: true, status, error: null });
      else if (status >= 300 && status < 400) resolve({ ok: false, status, error: 'redirect not followed' });
      else resolve({ ok: false, status, error: `HTTP ${status}` });
    });
    req.on('error', (err: Error & { code?: string }) => resolve({ ok: false, status: null, error: err.code ?? err.message }));
    req.end(body);
  });
}

export class Mailer {
  private readonly transport: Transporter | undefined;

  constructor(smtpUrl: string, private readonly from: string) {
    // Short timeouts: a dead mail server must fail the attempt (and schedule a retry), not hold the dispatcher.
    this.transport = smtpUrl ? nodemailer.createTransport(smtpUrl, { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 } as object) : undefined;
  }

  async send(to: string, subject: string, text: string): Promise<SendResult> {
    if (!this.transport) {
      // Kept in the outbox and retried: setting alerts.smtpUrl later delivers what waited.
      return { ok: false, status: null, error: 'no SMTP server configured (alerts.smtpUrl or reports.smtpUrl)' };
    }
    try {
      await this.transport.sendMail({ from: this.from, to, subject, text });
      return { ok: true, status: 250, error: null };
    } catch (err) {
      const e = err as Error & { responseCode?: number; code?: string };
      return { ok: false, status: e.responseCode ?? null, error: e.code ? `${e.code}: ${e.message}` : e.message };
    }
  }

  close(): void { this.transport?.close(); }
}
