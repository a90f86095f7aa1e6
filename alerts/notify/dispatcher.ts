/**
 * The 'notifications' component: leases due outbox rows, sends one message per recipient and school (a burst is one
 * message), marks them sent, or gives them back due again after an exponential back-off; every attempt is logged in
 * the registry and in the log. Queues the daily digest of every school at `alerts.digestAt` (Asia/Ho_Chi_Minh),
 * claimed per (school, local day) so that it goes out once whatever the number of processes. Everything waiting is
 * in the registry, so a restart loses nothing: a lease that a dead process held simply runs out.
 */
import { randomUUID } from 'node:crypto';
import schedule from 'node-schedule';
import type { Config } from '../../config/index.js';
import type { Clock } from '../../lib/clock.js';
import { guardedInterval, Health, type Component, type ComponentHealth } from '../../lib/component.js';
import type { Logger } from '../../lib/logger.js';
import { addDays, vnDay } from '../../lib/vn/time.js';
import type { DigestData, NotificationRecipient, OutboxRow, RegistryStore } from '../../registry/index.js';
import type { AlertEvent } from '../events.js';
import { Mailer, postWebhook, type SendResult } from './send.js';
import { alertMessage, digestMessage, ruleWords, type Message } from './texts.js';

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
  webhookTimeoutMs?: number;
}

/** An outbox row's content: an alert change, or a school's digest. */
type Queued = AlertEvent | { type: 'digest'; day: string; data: DigestData };

export class NotificationDispatcher implements Component {
  readonly name = 'notifications';
  private readonly state: Health;
  private readonly mailer: Mailer;
  private readonly owner = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private stopTimer: (() => void) | undefined;
  private job: schedule.Job | undefined;
  private running: Promise<number> | undefined;

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
    const claims = await this.o.registry.claimOutbox({ owner: this.owner, now, leaseMs: this.o.leaseMs ?? 60_000 });
    if (!claims.length) return 0;
    const recipients = new Map((await this.o.registry.recipients()).map((r) => [r.id, r]));
    let delivered = 0;
    for (const claim of claims) {
      const r = recipients.get(claim.recipientId);
      if (!r) {
        await this.o.registry.outboxSent(claim.rows.map((x) => x.id), claim.token, now);
        continue;
      }
      for (const group of groups(claim.rows)) {
        if (await this.deliver(r, group, claim.token)) delivered++;
      }
    }
    return delivered;
  }

  /** Sends one message; true when it was delivered. */
  private async deliver(r: NotificationRecipient, rows: { row: OutboxRow; q: Queued }[], token: string): Promise<boolean> {
    const now = this.o.clock.now();
    const ids = rows.map((x) => x.row.id);
    const first = rows[0]!.q;
    const kind = first.type === 'digest' ? 'digest' : 'alerts';
    let res: SendResult;
    try {
      res = r.channel === 'email' ? await this.mailer.send(r.address, ...subjectAndText(r, rows.map((x) => x.q), this.o.config.alerts.dashboardUrl))
        : await postWebhook(r.address, r.secret ?? '', this.webhookBody(rows.map((x) => x.q), now), { now, timeoutMs: this.o.webhookTimeoutMs ?? 10_000 });
    } catch (err) {
      res = { ok: false, status: null, error: err instanceof Error ? err.message : String(err) };
    }
    await this.o.registry.logNotificationAttempt({ recipientId: r.id, at: now, kind, items: rows.length, ok: res.ok, status: res.status, error: res.error });
    const log = { recipient: r.id, channel: r.channel, kind, items: rows.length, status: res.status };
    if (res.ok) {
      await this.o.registry.outboxSent(ids, token, now);
      this.o.log.info(log, 'notification sent');
      return true;
    }
    const tries = Math.max(...rows.map((x) => x.row.attempts));
    const { baseMs, maxMs } = this.o.backoff ?? { baseMs: 5000, maxMs: 600_000 };
    const wait = Math.min(baseMs * 2 ** tries, maxMs);
    await this.o.registry.outboxRetry(ids, token, now + wait, res.error ?? 'failed');
    this.o.log.warn({ ...log, error: res.error, attempt: tries + 1, retryInMs: wait }, 'notification not delivered; will retry');
    return false;
  }

  private webhookBody(qs: Queued[], now: number): object {
    const first = qs[0]!;
    const sentAt = new Date(now).toISOString();
    const url = this.o.config.alerts.dashboardUrl;
    if (first.type === 'digest') {
      return { type: 'digest', day: first.day, school: { id: first.data.schoolId, name: first.data.schoolName }, alerts: first.data.open, fixed: first.data.fixed,
        pastServiceLife: first.data.pastServiceLife, warrantyEnding: first.data.warrantyEnding, sentAt };
    }
    const events = qs as AlertEvent[];
    const types = new Set(events.map((e) => e.type));
    return {
      type: types.size === 1 ? first.type : 'mixed',
      school: { id: first.schoolId, name: (first as AlertEvent).schoolName },
      alerts: events.map((e) => ({
        event: e.type, id: e.alertId, rule: e.rule, ruleText: { vi: ruleWords(e.rule, 'vi'), en: ruleWords(e.rule, 'en') }, severity: e.severity,
        state: e.state, device: { id: e.deviceId, name: e.deviceName, kind: e.kind }, room: { id: e.roomId, name: e.roomName },
        value: e.value, field: e.field, startedAt: new Date(e.startedAt).toISOString(), at: new Date(e.at).toISOString(), byUser: e.byUser, comment: e.comment,
        ...(url ? { url: `${url.replace(/\/$/, '')}/#/alerts/${e.alertId}` } : {}),
      })),
      sentAt,
    };
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

/** One message per school; each digest alone. */
function groups(rows: readonly OutboxRow[]): { row: OutboxRow; q: Queued }[][] {
  const bySchool = new Map<string, { row: OutboxRow; q: Queued }[]>();
  for (const row of rows) {
    const q = JSON.parse(row.event) as Queued;
    const key = q.type === 'digest' ? `digest-${row.id}` : `school-${row.schoolId}`;
    let g = bySchool.get(key);
    if (!g) bySchool.set(key, (g = []));
    g.push({ row, q });
  }
  return [...bySchool.values()];
}

function subjectAndText(r: NotificationRecipient, qs: Queued[], dashboardUrl: string): [string, string] {
  const first = qs[0]!;
  const m: Message = first.type === 'digest' ? digestMessage(first.data, first.day, r.language, dashboardUrl) : alertMessage(qs as AlertEvent[], r.language, dashboardUrl);
  return [m.subject, m.text];
}
