/**
 * The two channels. A webhook is signed so a receiver can tell it came from EduFleet and was not replayed:
 * `X-EduFleet-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the recipient's secret
 * (docs/alerts.md shows a receiver's check).
 */
import { createHmac, randomBytes } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';

/** The outcome of one delivery attempt; `status` is the HTTP or SMTP status when there was one. */
export interface SendResult { ok: boolean; status: number | null; error: string | null }

export const newWebhookSecret = (): string => randomBytes(24).toString('base64url');

export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export async function postWebhook(url: string, secret: string, payload: object, o: { now: number; timeoutMs: number }): Promise<SendResult> {
  const body = JSON.stringify(payload);
  const timestamp = String(Math.floor(o.now / 1000));
  try {
    const res = await fetch(url, {
      method: 'POST', body, signal: AbortSignal.timeout(o.timeoutMs),
      headers: { 'content-type': 'application/json', 'user-agent': 'EduFleet', 'x-edufleet-timestamp': timestamp, 'x-edufleet-signature': signature(secret, timestamp, body) },
    });
    await res.body?.cancel();
    return res.ok ? { ok: true, status: res.status, error: null } : { ok: false, status: res.status, error: `HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    return { ok: false, status: null, error: e.cause?.code ?? e.cause?.message ?? e.message };
  }
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
