/**
 * Usage reports against a real stack: the scope of planners and technicians, the exports parsed back (XLSX with
 * exceljs, PDF with pdftotext) against the figures the API shows, and the monthly e-mail through a real SMTP server.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import type { ExportJob, UsageReport } from '../../api/index.js';
import { systemClock } from '../../lib/clock.js';
import { influxClient } from '../../lib/influx/index.js';
import { createLogger } from '../../lib/logger.js';
import { freePort } from '../../lib/net.js';
import { localDate } from '../../timetable/index.js';
import { MonthlyReports, previousMonth } from '../../usage/monthly-reports.js';
import { UsageQueries } from '../../usage/queries.js';
import { ApiClient } from '../dashboard/client.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { seedUsage, type UsageSeed } from '../helpers/usage-seed.js';
import { waitFor } from '../helpers/wait.js';

const PASSWORD = 'kế-hoạch-2026';

describe('usage reports', () => {
  let s: TestStack;
  let seeded: UsageSeed;
  const window = { from: previousMonth(localDate(Date.now())).from, to: previousMonth(localDate(Date.now())).to };
  let ids: UsageSeed['ids'];

  beforeAll(async () => {
    s = await startTestStack({ dashboard: startDashboard });
    seeded = await seedUsage(s, PASSWORD);
    ids = seeded.ids;
  });
  afterAll(async () => { await s?.close(); });

  const client = async (user: string) => {
    const c = new ApiClient(s.dashboard!.url);
    await c.login(user, PASSWORD);
    return c;
  };
  const report = (c: ApiClient, q = '') => c.get<UsageReport>(`/api/usage?from=${window.from}&to=${window.to}${q}`);

  it('shows a province planner both districts, with time and period utilisation from the rollups', async () => {
    const r = await report(await client('kh-tinh'));
    const room = (id: number) => r.rooms.find((x) => x.roomId === id)!;
    expect(r.scoped).toBe(false);
    // Only the analysed Monday has rollups here (the live loop analyses every day); its 9 periods are the timetable.
    expect(room(ids.roomA).figures.usedHours).toBeCloseTo(180 / 60);
    expect(room(ids.roomA).figures.periodsUsed).toBe(4);
    expect(room(ids.roomB).figures.periodsUsed).toBe(1);
    expect(room(ids.roomA).figures.timetabledHours).toBe(room(ids.roomB).figures.timetabledHours);
    expect(r.districts.map((d) => d.name).sort()).toEqual(['Thành phố Lào Cai', 'Thị xã Sa Pa']);
    expect(r.heatmap.find((h) => h.weekday === 1 && h.slot === 'm1')).toMatchObject({ used: 2 });
    expect(r.heatmap.find((h) => h.weekday === 1 && h.slot === 'm4')).toMatchObject({ used: 1 });
  });

  it('shows a district planner only their district, and a technician only their schools, whatever the filter', async () => {
    const lc = await client('kh-lc');
    const r = await report(lc);
    expect(r.scoped).toBe(true);
    expect(r.rooms.map((x) => x.roomId)).toEqual([ids.roomA]);
    expect(r.districts.map((d) => d.name)).toEqual(['Thành phố Lào Cai']);
    expect((await lc.request('GET', `/api/usage?schoolId=${ids.schoolB}`)).status).toBe(403);
    expect((await lc.request('GET', `/api/usage?roomId=${ids.roomB}`)).status).toBe(403);
    expect((await report(lc, `&districtId=${ids.d2}`)).rooms).toEqual([]);
    const planning = await lc.get<{ ranking: { schoolId: number }[] }>('/api/planning?rooms=1');
    expect(planning.ranking.map((x) => x.schoolId)).toEqual([ids.schoolA]);
    const tech = await client('ktv-b');
    expect((await report(tech)).rooms.map((x) => x.roomId)).toEqual([ids.roomB]);
    expect((await tech.request('GET', `/api/usage?roomId=${ids.roomA}`)).status).toBe(403);
  });

  it('lists equipment past its service life, in repair or repaired often, within the scope', async () => {
    await s.registry.updateDevice('board-b', { serviceLifeYears: 3 });
    await s.registry.addMaintenance('board-a', 'ktv', 'Thay bo mạch cảm ứng');
    await s.registry.addMaintenance('board-a', 'ktv', 'Cảm ứng lại hỏng, gửi hãng');
    const all = await (await client('kh-tinh')).get<{ equipment: { deviceId: string; reasons: string[]; repairs12m: number }[] }>('/api/planning');
    expect(all.equipment.map((e) => [e.deviceId, e.reasons, e.repairs12m])).toEqual([['board-a', ['failing_often'], 2], ['board-b', ['past_life'], 0]]);
    const lc = await (await client('kh-lc')).get<{ equipment: { deviceId: string }[] }>('/api/planning');
    expect(lc.equipment.map((e) => e.deviceId)).toEqual(['board-a']);
  });

  it('exports PDF, XLSX and CSV that contain the figures shown on screen', async () => {
    const c = await client('kh-tinh');
    const screen = await report(c);
    const dir = s.dir;
    const files: Record<string, Buffer> = {};
    for (const format of ['pdf', 'xlsx', 'csv'] as const) {
      const started = await c.request('POST', '/api/usage/exports', { format, ...window });
      expect(started.status).toBe(202);
      const job = await waitFor(`the ${format} export`, async () => {
        const j = await c.get<ExportJob>(`/api/usage/exports/${(started.body as ExportJob).id}`);
        return j.status === 'done' ? j : undefined;
      });
      const res = await fetch(`${c.base}/api/usage/exports/${job.id}/file`, { headers: { cookie: c.cookie } });
      expect(res.headers.get('content-disposition')).toContain(`.${format}`);
      files[format] = Buffer.from(await res.arrayBuffer());
    }
    const pct = (x: number | null) => `${((x ?? 0) * 100).toFixed(1).replace('.', ',')} %`;
    const roomA = screen.rooms.find((x) => x.roomId === ids.roomA)!;

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(files.xlsx! as unknown as ExcelJS.Buffer);
    const rooms = wb.getWorksheet('Phòng')!;
    const rowA = rooms.getRows(3, rooms.rowCount - 2)!.find((r) => r.getCell(1).text === 'Phòng học thông minh A')!;
    expect(rowA.getCell(5).text).toBe(pct(roomA.figures.timeUtilisation));
    // Period utilisation over the covered periods (all of the seeded day's), the uncovered ones counted apart.
    expect(rooms.getRow(2).getCell(6).text).toBe('Sử dụng theo tiết (trên tiết có dữ liệu)');
    expect(rowA.getCell(7).text).toBe(`${roomA.figures.periodsUsed}/${roomA.figures.periodsCovered}`);
    expect(roomA.figures.periodsCovered).toBe(roomA.figures.periods);
    expect(rooms.getRow(2).getCell(12).text).toBe('Tiết không đủ dữ liệu');
    expect(rowA.getCell(12).text).toBe('0');
    // The coverage the figures rest on: every timetabled minute of the seeded day has the board's data.
    expect(rooms.getRow(2).getCell(10).text).toBe('Thời gian có dữ liệu');
    expect(roomA.figures.coverage).toBe(1);
    expect(rowA.getCell(10).text).toBe('100 %');
    expect(wb.getWorksheet('Tổng quan')!.getRow(3).getCell(3).text).toBe(pct(screen.total.figures.timeUtilisation));
    expect(wb.getWorksheet('Đề xuất đầu tư')!.getRow(3).getCell(2).text).toMatch(/^Trường THPT/);
    expect(wb.getWorksheet('Thiết bị cần thay thế')!.getRow(3).getCell(9).text).toContain('hỏng nhiều lần');

    const pdfFile = path.join(dir, 'r.pdf');
    writeFileSync(pdfFile, files.pdf!);
    const text = execFileSync('pdftotext', ['-raw', pdfFile, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('Báo cáo sử dụng phòng và đề xuất đầu tư');
    expect(text).toContain(pct(screen.total.figures.timeUtilisation));
    expect(text).toContain('Phòng học thông minh A');
    expect(text).toContain('Bản đồ nhiệt');
    expect(text).toContain(`${pct(screen.total.figures.timeUtilisation)} sử dụng trên 100 % thời gian có dữ liệu`);
    expect(text).toContain(`theo tiết: ${pct(screen.total.figures.periodUtilisation)} trên ${screen.total.figures.periodsCovered} tiết có dữ liệu`);

    const csv = files.csv!.toString('utf8');
    expect(csv.startsWith('\uFEFFPhòng,Loại phòng')).toBe(true);
    expect(csv.split('\n')[0]).toContain('Thời gian có dữ liệu');
    expect(csv.split('\n')[0]).toContain('Sử dụng theo tiết (trên tiết có dữ liệu)');
    expect(csv.split('\n')[0]).toContain('Tiết không đủ dữ liệu');
    expect(csv).toContain(`Phòng học thông minh A,Phòng học thông minh,Trường THPT Lào Cai số 1,Thành phố Lào Cai,"${pct(roomA.figures.timeUtilisation)}"`.replace(/"([^",]*)"/, '$1'));
  });

  it('e-mails the monthly report through a real SMTP server, once per month, each subscriber their scope, retrying a refused one', async () => {
    const received: ParsedMail[] = [];
    const port = await freePort();
    let refuse = 'khtc@laocai.edu.vn';
    const smtp = new SMTPServer({
      authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
      onRcptTo(address, _session, done) { done(address.address === refuse ? Object.assign(new Error('mailbox full'), { responseCode: 452 }) : undefined); },
      onData(stream, _session, done) { simpleParser(stream).then((m) => { received.push(m); done(); }, done); },
    });
    await new Promise<void>((resolve) => smtp.listen(port, '127.0.0.1', resolve));
    try {
      const planner = await client('kh-lc');
      expect((await planner.request('POST', '/api/reports/subscriptions', { email: 'khtc@laocai.edu.vn', districtId: null })).status).toBe(403);
      const sub = await planner.request('POST', '/api/reports/subscriptions', { email: 'khtc@laocai.edu.vn', districtId: ids.d1 });
      expect(sub.status, JSON.stringify(sub.body)).toBe(201);
      expect((await (await client('kh-tinh')).request('POST', '/api/reports/subscriptions', { email: 'so@laocai.edu.vn', districtId: null })).status).toBe(201);
      expect((await (await client('ktv-b')).request('GET', '/api/reports/subscriptions')).status).toBe(403);

      const config = { ...s.config, reports: { ...s.config.reports, smtpUrl: `smtp://127.0.0.1:${port}` } };
      const mailer = new MonthlyReports({ config, registry: s.registry, store: s.usageStore, queries: new UsageQueries(influxClient(s.influxUrl, s.config.influx), s.config.influx.database), log: createLogger('warn'), clock: systemClock });
      // Starting sends what is due at once (a server that was down on the 1st catches up); the refused address waits.
      await mailer.start();
      // 07:00 on the 1st, Vietnam time.
      const next = mailer.nextRun()!;
      expect([new Date(next.getTime() + 7 * 3_600_000).getUTCDate(), new Date(next.getTime() + 7 * 3_600_000).getUTCHours()]).toEqual([1, 7]);
      expect((await mailer.sendDue()).map((x) => x.email)).toEqual(['so@laocai.edu.vn']);
      refuse = '';
      expect((await mailer.sendDue()).map((x) => x.email)).toEqual(['khtc@laocai.edu.vn']);
      expect(await mailer.sendDue()).toEqual([]);
      await mailer.stop();

      expect(received).toHaveLength(2);
      const byTo = (email: string) => received.find((m) => JSON.stringify(m.to).includes(email))!;
      const district = byTo('khtc@laocai.edu.vn');
      expect(district.subject).toContain('Thành phố Lào Cai');
      expect(district.text).toContain('thời gian có dữ liệu');
      expect(district.text).toContain('Tỉ lệ theo tiết tính trên tiết có dữ liệu');
      expect(district.attachments.map((a) => a.filename)).toEqual([`bao-cao-${previousMonth(localDate(Date.now())).month}.pdf`, `bao-cao-${previousMonth(localDate(Date.now())).month}.xlsx`]);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(district.attachments[1]!.content as unknown as ExcelJS.Buffer);
      const names = wb.getWorksheet('Phòng')!.getRows(3, 10)!.map((r) => r.getCell(1).text).filter(Boolean);
      expect(names).toEqual(['Phòng học thông minh A']);
      expect(byTo('so@laocai.edu.vn').subject).toContain('Toàn tỉnh');
    } finally {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    }
  });

  it('sends once a report whose sender died half-way (its claim ran out unsent), and leaves one still being sent alone', async () => {
    const received: ParsedMail[] = [];
    const port = await freePort();
    const smtp = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
      onData(stream, _session, done) { simpleParser(stream).then((m) => { received.push(m); done(); }, done); } });
    await new Promise<void>((resolve) => smtp.listen(port, '127.0.0.1', resolve));
    try {
      const { month } = previousMonth(localDate(Date.now()));
      const orphan = await s.registry.addSubscription({ email: 'ketoan@laocai.edu.vn', districtId: null, createdBy: 'kh-tinh' });
      const busy = await s.registry.addSubscription({ email: 'giamdoc@laocai.edu.vn', districtId: null, createdBy: 'kh-tinh' });
      // Another process claimed both: it died a minute ago sending the first; it is still sending the second.
      expect(await s.registry.claimReport(orphan.id, month, { now: Date.now() - 60_000, leaseMs: 15_000 })).toBe(true);
      expect(await s.registry.claimReport(busy.id, month, { now: Date.now(), leaseMs: 60_000 })).toBe(true);
      const config = { ...s.config, reports: { ...s.config.reports, smtpUrl: `smtp://127.0.0.1:${port}` } };
      const mailer = new MonthlyReports({ config, registry: s.registry, store: s.usageStore, queries: new UsageQueries(influxClient(s.influxUrl, s.config.influx), s.config.influx.database), log: createLogger('warn'), clock: systemClock });
      expect((await mailer.sendDue()).map((x) => x.email)).toEqual(['ketoan@laocai.edu.vn']);
      expect(await mailer.sendDue()).toEqual([]);
      await mailer.stop();
      expect(received.map((m) => JSON.stringify(m.to))).toEqual([expect.stringContaining('ketoan@laocai.edu.vn')]);
    } finally {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    }
  });
});
