/**
 * Monthly planning reports by e-mail: on `reports.monthlyCron` (Asia/Ho_Chi_Minh), every subscription gets the
 * report of the month before, for the province or its district, as PDF and XLSX. A subscription remembers the last
 * month it was sent, claimed before sending, so a restart, a second run the same day or a second process on the same
 * database sends nothing twice; the claim is a lease (`jobs.leaseMs`) renewed while the report is made and sent, so a
 * report whose sender died half-way is sent by the next pass of another process (or of the restarted one). At start, reports a stopped server missed are sent; a report the mail server refused
 * is given back and tried again every hour; one refused address never holds up the others. With a lease
 * ("job:reports", app/jobs.ts) only its holder goes through the list, and a process that takes it over catches up
 * at once on a month the dead holder did not finish.
 */
import schedule from 'node-schedule';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config/index.js';
import type { Clock } from '../lib/clock.js';
import { Health, type Component, type ComponentHealth } from '../lib/component.js';
import type { Logger } from '../lib/logger.js';
import type { JobLease, RegistryStore, ReportStore, ReportSubscription } from '../registry/index.js';
import { localDate } from '../timetable/index.js';
import { onCoverage, onCoveredPeriods, pct, reportPdf, reportTitle, reportXlsx } from './export.js';
import type { UsageQueries } from './queries.js';
import { planningReport, usageReport } from './report.js';

/** The month before the one `date` is in: [first day, first day of the next), and its name yyyy-mm. */
export function previousMonth(date: string): { from: string; to: string; month: string } {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  const py = m === 1 ? y - 1 : y;
  const pm = m === 1 ? 12 : m - 1;
  const month = `${py}-${String(pm).padStart(2, '0')}`;
  return { from: `${month}-01`, to: `${date.slice(0, 7)}-01`, month };
}

export class MonthlyReports implements Component {
  readonly name = 'reports';
  private readonly state: Health;
  private job: schedule.Job | undefined;
  private readonly transport: Transporter | undefined;
  private running: Promise<ReportSubscription[]> | undefined;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly o: { config: Readonly<Config>; registry: RegistryStore; store: ReportStore; queries: UsageQueries; log: Logger; clock: Clock; lease?: JobLease }) {
    this.transport = o.config.reports.smtpUrl ? nodemailer.createTransport(o.config.reports.smtpUrl) : undefined;
    this.state = new Health(this.name, o.log);
  }

  health(): ComponentHealth {
    const h = this.state.snapshot();
    return this.o.lease ? this.o.lease.annotate(h) : h;
  }

  async start(): Promise<void> {
    this.state.started();
    if (!this.transport) return;
    const run = this.state.guard('monthly reports', () => this.leading());
    this.job = schedule.scheduleJob({ rule: this.o.config.reports.monthlyCron, tz: 'Asia/Ho_Chi_Minh' }, run);
    // Catch up on a month whose report went out while the server was down.
    run();
    this.o.lease?.keep(this.state, () => this.sendDue());
  }

  /** The timed passes: only in the holder of the lease (or without one); checked before each pass. */
  private async leading(): Promise<ReportSubscription[]> {
    if (this.o.lease && !(await this.o.lease.hold())) return [];
    return this.sendDue();
  }

  /** When the next reports go out (for operators and tests). */
  nextRun(): Date | undefined {
    return this.job?.nextInvocation() ?? undefined;
  }

  async stop(): Promise<void> {
    this.job?.cancel();
    this.job = undefined;
    clearTimeout(this.retry);
    await this.o.lease?.stop();
    this.transport?.close();
    this.state.stopped();
  }

  /** Sends the previous month's report to every subscription that has not had it; returns those sent. */
  sendDue(): Promise<ReportSubscription[]> {
    // One pass at a time: the schedule, the catch-up at start and a retry may meet.
    this.running ??= this.sendPass().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async sendPass(): Promise<ReportSubscription[]> {
    if (!this.transport) return [];
    const now = this.o.clock.now();
    const { from, to, month } = previousMonth(localDate(now));
    const sent: ReportSubscription[] = [];
    let failed = 0;
    const leaseMs = this.o.config.jobs.leaseMs;
    for (const sub of await this.o.registry.subscriptions()) {
      // Claimed before sending, under a lease renewed while it is sent: another process sharing the database may be
      // going through the same list, and a report whose sender died (its lease ran out unsent) is claimed again.
      if (!(await this.o.registry.claimReport(sub.id, month, { now: this.o.clock.now(), leaseMs }))) continue;
      const renew = setInterval(() => void this.o.registry.renewReport(sub.id, month, this.o.clock.now() + leaseMs)
        .catch((err: unknown) => this.o.log.warn({ err, to: sub.email, month }, 'monthly report lease not renewed')), Math.floor(leaseMs / 3));
      renew.unref();
      try {
        await this.sendOne(sub, { from, to, month, now });
        clearInterval(renew);
        await this.o.registry.reportSent(sub.id, month);
        sent.push(sub);
      } catch (err) {
        clearInterval(renew);
        failed++;
        // A report taken over from a dead sender had this month as its lastSent already: give it back as never sent.
        await this.o.registry.releaseReport(sub.id, month, sub.lastSent === month ? null : sub.lastSent)
          .catch((e: unknown) => this.o.log.error({ to: sub.email, month, err: e }, 'monthly report claim not released; it will not be retried'));
        this.o.log.warn({ to: sub.email, month, err }, 'monthly report not sent; will try again in an hour');
        this.state.fail(err, 'sending a monthly report', { to: sub.email, month });
      }
    }
    clearTimeout(this.retry);
    if (failed) this.retry = setTimeout(this.state.guard('monthly reports (retry)', () => this.leading()), 60 * 60 * 1000).unref();
    else this.state.ok();
    return sent;
  }

  private async sendOne(sub: ReportSubscription, w: { from: string; to: string; month: string; now: number }): Promise<void> {
    const { from, to, month, now } = w;
    const transport = this.transport!;
    const scope = sub.districtId === null ? undefined : { districtIds: [sub.districtId], schoolIds: [] };
    const name = sub.districtId === null ? 'Toàn tỉnh' : ((await this.o.registry.districts()).find((d) => d.id === sub.districtId)?.name ?? `huyện ${sub.districtId}`);
    const args = { registry: this.o.registry, store: this.o.store, scope, from, to, now, minCoverage: this.o.config.usage.minCoverage };
    const report = await usageReport({ ...args, queries: this.o.queries });
    const plan = await planningReport({ ...args, rooms: 2 });
    const title = reportTitle(report, name);
    const [pdf, xlsx] = await Promise.all([reportPdf(report, title, plan), reportXlsx(report, title, plan)]);
    await transport.sendMail({
      from: this.o.config.reports.from, to: sub.email, subject: title,
      text: [
        `${title}`, '',
        `Tỉ lệ sử dụng theo thời gian: ${pct(report.total.figures.timeUtilisation)}; theo tiết: ${pct(report.total.figures.periodUtilisation)}.`,
        `Tỉ lệ này tính trên thời gian có dữ liệu: ${onCoverage(report.total.figures)}.`,
        `Tỉ lệ theo tiết tính trên tiết có dữ liệu: ${onCoveredPeriods(report.total.figures)}.`,
        `Phòng ít sử dụng: ${report.flagged.underused.length}; phòng quá tải: ${report.flagged.saturated.length}; phòng không đủ dữ liệu (không đánh giá): ${report.flagged.noData.length}.`,
        '', 'Báo cáo đầy đủ ở tệp PDF và XLSX đính kèm. EduFleet',
      ].join('\n'),
      attachments: [
        { filename: `bao-cao-${month}.pdf`, content: pdf, contentType: 'application/pdf' },
        { filename: `bao-cao-${month}.xlsx`, content: xlsx, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
      ],
    });
    this.o.log.info({ to: sub.email, month }, 'monthly report sent');
  }
}
