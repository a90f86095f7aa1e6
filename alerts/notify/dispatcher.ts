/**
 * The 'notifications' component: leases due outbox rows, sends one message per recipient and school (a burst is one
 * message), marks them sent, or gives them back due again after an exponential back-off, and gives a message up after
 * alerts.notifyMaxAttempts; every attempt is logged in the registry and in the log. Recipients are served at once,
 * each one message at a time, so a receiver that never answers holds up only itself, for alerts.webhookTimeoutMs.
 * Before each send the lease is checked and renewed (the fencing check), and renewed again every third of its length
 * while the send runs: a process that stalled past its lease sends nothing another process has taken over, and a
 * process that died gives its rows up within one lease (15 s by default, `jobs.leaseMs` under the stack). Queues the daily digest of every school at `alerts.digestAt` (Asia/Ho_Chi_Minh),
 * and at start when that time has already passed today (so a restart across it does not skip the day), claimed per
 * (school, local day) so that it goes out once whatever the number of processes. Everything waiting is
 * in the registry, so a restart loses nothing: a lease that a dead process held simply runs out.
 */
import { randomUUID } from 'node:crypto';
import schedule from 'node-schedule';
import type { Config } from '../../config/index.js';
import type { Clock } from '../../lib/clock.js';
import { guardedInterval, Health, type Component, type ComponentHealth } from '../../lib/component.js';
import type { Logger } from '../../lib/logger.js';
import { addDays, vnDay } from '../../lib/vn/time.js';
import type { Lookup } from '../../lib/net-guard.js';
import type { NotificationRecipient, OutboxRow, RegistryStore } from '../../registry/index.js';
import type { AlertEvent } from '../events.js';
import { deliveryIdOf, groups, webhookBody, type Queued } from './payload.js';
import { singleEmailAddress } from './recipient-checks.js';
import { Mailer, postWebhook, type SendResult } from './send.js';
import { alertMessage, digestMessage, type Message } from './texts.js';

export interface DispatcherOptions {
  config: Readonly<Config>;
  registry: RegistryStore;
  log: Logger;
  clock: Clock;
  /** How often due rows are looked for (ms). */
  pollMs?: number;
  /** How long a claim is this process's; a process that dies holding it gives it up when it runs out. */
  leaseMs?: number;
  /** Retry after baseMs, 2×, 4× … capped at maxMs (5 s … 10 min by default). */
  backoff?: { baseMs: number; maxMs: number };
  /** Resolves webhook hosts (the system resolver by default); a test decides what a name resolves to. */
  lookup?: Lookup;
}

/** One claim of the outbox: a recipient's rows, held under `token`. */
type Claim = { token: string; recipientId: number; rows: OutboxRow[] };

export class NotificationDispatcher implements Component {
  readonly name = 'notifications';
  private readonly state: Health;
  private readonly mailer: Mailer;
  private readonly owner = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private stopTimer: (() => void) | undefined;
  private job: schedule.Job | undefined;
  private running: Promise<number> | undefined;
  /** The catch-up of today's digest started by start() (catchUpDigest), awaited by stop(). */
  private catchingUp: Promise<number[]> | undefined;

  constructor(private readonly o: DispatcherOptions) {
    this.state = new Health(this.name, o.log);
    this.mailer = new Mailer(o.config.alerts.smtpUrl || o.config.reports.smtpUrl, o.config.alerts.from);
  }

  health(): ComponentHealth { return this.state.snapshot(); }

  async start(): Promise<void> {
    this.state.started();
    this.stopTimer = guardedInterval(this.state, 'sending notifications', this.o.pollMs ?? 1000, () => this.dispatchDue());
    const [hour, minute] = this.o.config.alerts.digestAt.split(':').map(Number);
    this.job = schedule.scheduleJob({ hour, minute, tz: 'Asia/Ho_Chi_Minh' }, this.state.guard('daily digest', () => this.runDigest()));
    // In the background: a province's schools are one claim each, and the process need not wait for them to serve.
    this.catchingUp = this.catchUpDigest().catch((err: unknown) => { this.state.fail(err, 'daily digest (catching up at start)'); return []; });
  }

  /**
   * Queues today's digest if `alerts.digestAt` has already passed today (Asia/Ho_Chi_Minh). The scheduled job only
   * fires in a running process: if every process with notifications was down at that minute (a restart at 6:59
   * that came back at 7:02), it would next fire tomorrow and today's digest would never go out. Each school's claim
   * (per local day) keeps it to once, so the processes that were up at digestAt, or started earlier today, queue
   * nothing again. Returns the schools this call queued.
   */
  catchUpDigest(): Promise<number[]> {
    const now = this.o.clock.now();
    const today = vnDay(now);
    const due = Date.parse(`${today}T${this.o.config.alerts.digestAt}:00+07:00`);
    return now >= due ? this.runDigest(today) : Promise.resolve([]);
  }

  /** When the next digest is queued (for operators and tests). */
  nextDigest(): Date | undefined {
    // node-schedule hands out a cron-parser date; a plain Date is what callers can format.
    const next = this.job?.nextInvocation() as { getTime(): number } | null | undefined;
    return next ? new Date(next.getTime()) : undefined;
  }

  async stop(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = undefined;
    this.job?.cancel();
    this.job = undefined;
    await this.catchingUp;
    await this.running?.catch(() => undefined);
    this.mailer.close();
    this.state.stopped();
  }

  /** Sends what is due now; returns the number of messages delivered. One pass at a time. */
  dispatchDue(): Promise<number> {
    this.running ??= this.pass().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async pass(): Promise<number> {
    const now = this.o.clock.now();
    const claims = await this.o.registry.claimOutbox({ owner: this.owner, now, leaseMs: this.leaseMs() });
    if (!claims.length) return 0;
    const recipients = new Map((await this.o.registry.recipients()).map((r) => [r.id, r]));
    // Every recipient at once, one message at a time to each (its claim is the per-recipient limit).
    const outcomes = await Promise.allSettled(claims.map((claim) => this.sendClaim(claim, recipients.get(claim.recipientId), now)));
    let delivered = 0;
    for (const [i, o] of outcomes.entries()) {
      if (o.status === 'fulfilled') delivered += o.value;
      else this.o.log.error({ err: o.reason as unknown, recipient: claims[i]!.recipientId }, 'notifications of a recipient not handled; its lease runs out and another pass retries');
    }
    return delivered;
  }

  private async sendClaim(claim: Claim, r: NotificationRecipient | undefined, now: number): Promise<number> {
    if (!r) {
      await this.o.registry.outboxSent(claim.rows.map((x) => x.id), claim.token, now);
      return 0;
    }
    let delivered = 0;
    for (const group of groups(claim.rows)) {
      if (await this.deliver(r, group, claim.token)) delivered++;
    }
    return delivered;
  }

  /** Sends one message; true when it was delivered. */
  private async deliver(r: NotificationRecipient, rows: { row: OutboxRow; q: Queued }[], token: string): Promise<boolean> {
    const now = this.o.clock.now();
    const ids = rows.map((x) => x.row.id);
    const first = rows[0]!.q;
    const kind = first.type === 'digest' ? 'digest' : 'alerts';
    const deliveryId = deliveryIdOf(r.id, rows.map((x) => x.row));
    const log = { recipient: r.id, channel: r.channel, kind, items: rows.length, deliveryId };
    if (!(await this.o.registry.outboxFence(ids, token, { now, leaseMs: this.leaseMs(), deliveryId }))) {
      this.o.log.info(log, 'notification not sent: another process holds it now (this lease ran out)');
      return false;
    }
    const res = await this.renewingWhile(ids, token, deliveryId, () => this.send(r, rows.map((x) => x.q), now, deliveryId));
    const tries = Math.max(...rows.map((x) => x.row.attempts)) + 1;
    const gaveUp = !res.ok && tries >= this.o.config.alerts.notifyMaxAttempts;
    await this.o.registry.logNotificationAttempt({ recipientId: r.id, at: now, kind, items: rows.length, ok: res.ok, status: res.status, error: res.error, deliveryId, gaveUp });
    if (res.ok) {
      await this.o.registry.outboxSent(ids, token, now);
      this.o.log.info({ ...log, status: res.status }, 'notification sent');
      return true;
    }
    if (gaveUp) {
      await this.o.registry.outboxGiveUp(ids, token, now, `gave up after ${tries} attempts: ${res.error ?? 'failed'}`);
      this.o.log.error({ ...log, status: res.status, error: res.error, attempts: tries }, 'notification given up after its last attempt');
      return false;
    }
    const { baseMs, maxMs } = this.o.backoff ?? { baseMs: 5000, maxMs: 600_000 };
    const wait = Math.min(baseMs * 2 ** (tries - 1), maxMs);
    await this.o.registry.outboxRetry(ids, token, now + wait, res.error ?? 'failed');
    this.o.log.warn({ ...log, status: res.status, error: res.error, attempt: tries, retryInMs: wait }, 'notification not delivered; will retry');
    return false;
  }

  private async send(r: NotificationRecipient, qs: Queued[], now: number, deliveryId: string): Promise<SendResult> {
    const a = this.o.config.alerts;
    try {
      // A recipient saved before addresses were parsed may hold a list: it is not sent to (docs/alerts.md).
      if (r.channel === 'email') return oneAddress(r.address) ? await this.mailer.send(r.address, ...subjectAndText(r, qs, a.dashboardUrl))
        : { ok: false, status: null, error: 'refused: not one e-mail address' };
      return await postWebhook(r.address, r.secret ?? '', webhookBody(qs, { now, deliveryId, dashboardUrl: a.dashboardUrl }), {
        now, deliveryId, timeoutMs: a.webhookTimeoutMs, allowedTargets: a.webhookAllowedTargets, ...(this.o.lookup ? { lookup: this.o.lookup } : {}),
      });
    } catch (err) {
      return { ok: false, status: null, error: err instanceof Error ? err.message : String(err) };
    }
  }

  private leaseMs(): number { return this.o.leaseMs ?? 15_000; }

  /**
   * Renews the rows' lease every third of its length while `send` runs (an SMTP server may take longer than a
   * lease), so no other process takes them over from a live sender; a sender that dies stops renewing.
   */
  private async renewingWhile<T>(ids: number[], token: string, deliveryId: string, send: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => {
      this.o.registry.outboxFence(ids, token, { now: this.o.clock.now(), leaseMs: this.leaseMs(), deliveryId })
        .catch((err: unknown) => this.o.log.warn({ err, deliveryId }, 'notification lease not renewed during a send'));
    }, Math.max(1, Math.floor(this.leaseMs() / 3)));
    timer.unref();
    try {
      return await send();
    } finally {
      clearInterval(timer);
    }
  }

  /**
   * Queues the digest of `day` (a local date; today by default) for every school with a digest recipient, each
   * school claimed first; returns the schools this call queued.
   */
  async runDigest(day = vnDay(this.o.clock.now())): Promise<number[]> {
    const now = this.o.clock.now();
    const queued: number[] = [];
    const nextMonthEnd = addDays(`${addMonths(day, 2)}-01`, -1);
    for (const schoolId of await this.o.registry.digestSchools()) {
      await this.o.registry.transaction(async (tx) => {
        if (!(await tx.claimDigest(schoolId, day, this.owner, now))) return;
        const data = await tx.digestData(schoolId, { since: now - 86_400_000, today: day, warrantyUntil: nextMonthEnd });
        const to = (await tx.recipientsFor({ schoolId, districtId: data.districtId })).filter((r) => r.digest);
        const event = JSON.stringify({ type: 'digest', day, data });
        await tx.enqueueNotifications(to.map((r) => ({ recipientId: r.id, schoolId, event, at: now, dueAt: now })));
        queued.push(schoolId);
      });
    }
    if (queued.length) this.o.log.info({ day, schools: queued.length }, 'daily digests queued');
    return queued;
  }
}

/** 'yyyy-mm' of the month `n` months after the one of `day`. */
function addMonths(day: string, n: number): string {
  const m = Number(day.slice(0, 4)) * 12 + Number(day.slice(5, 7)) - 1 + n;
  return `${Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
}

function subjectAndText(r: NotificationRecipient, qs: Queued[], dashboardUrl: string): [string, string] {
  const first = qs[0]!;
  const m: Message = first.type === 'digest' ? digestMessage(first.data, first.day, r.language, dashboardUrl) : alertMessage(qs as AlertEvent[], r.language, dashboardUrl);
  return [m.subject, m.text];
}

function oneAddress(address: string): boolean {
  try {
    return singleEmailAddress(address) === address;
  } catch {
    return false;
  }
}
