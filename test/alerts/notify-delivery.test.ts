/**
 * Alert notifications end to end against real receivers: a real SMTP server (smtp-server, read back with mailparser)
 * and a real HTTP listener, both down when the first attempt is made and then reached by the retry; a burst of one
 * school is one message; scope by school; the HMAC verifies; the daily digest goes out once. Time is a controlled
 * clock: the group window and the back-off are steps of it, not waits.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationDispatcher, notificationListener } from '../../alerts/notify/index.js';
import type { AlertEvent } from '../../alerts/events.js';
import { loadConfig } from '../../config/index.js';
import { createLogger } from '../../lib/logger.js';
import { freePort } from '../../lib/net.js';
import type { RegistryStore } from '../../registry/index.js';
import { useEngines } from '../helpers/engines.js';
import { tempDir } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const T0 = Date.parse('2026-03-10T02:14:00Z'); // 09:14 in Hà Nội, a Tuesday
const SECRET_HEADER = 'x-edufleet-signature';

describe('alert notifications by e-mail and webhook', () => {
  const engines = useEngines();
  let registry: RegistryStore;
  let now = T0;
  const clock = { now: () => now };
  let smtpPort: number;
  let hookPort: number;
  const mails: ParsedMail[] = [];
  const hooks: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let smtp: SMTPServer | undefined;
  let hook: http.Server | undefined;
  let dispatcher: NotificationDispatcher;
  let ids: { a: number; b: number; dA: number; dB: number; roomA: number; roomB: number; mailA: number; hookA: number; mailB: number; secret: string };

  // The receiver listens on loopback, which only an admin's allowed target lets a webhook reach.
  const config = () => loadConfig({ env: {}, overrides: { alerts: {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`, dashboardUrl: 'https://edufleet.example.vn', groupWindowMs: 60_000, webhookAllowedTargets: [`127.0.0.1:${hookPort}`],
  } } });
  const event = (i: number, school: 'a' | 'b', over: Partial<AlertEvent> = {}): AlertEvent => ({
    type: 'fired', alertId: i, rule: 'offline_school_hours', severity: 'critical', state: 'firing',
    deviceId: `${school}-tab-${String(i).padStart(2, '0')}`, deviceName: `Máy tính bảng ${i}`, kind: 'tablet',
    roomId: school === 'a' ? ids.roomA : ids.roomB, roomName: school === 'a' ? 'Phòng 6A1' : 'Phòng 9B2',
    schoolId: school === 'a' ? ids.a : ids.b, schoolName: school === 'a' ? 'Trường THCS Cốc Lếu' : 'Trường THCS Sa Pa',
    districtId: school === 'a' ? ids.dA : ids.dB, value: 16, field: null, startedAt: T0, at: T0, byUser: null, comment: null, ...over,
  });

  beforeAll(async () => {
    [smtpPort, hookPort] = [await freePort(), await freePort()];
    registry = await engines.open('sqlite', tempDir());
    const dA = await registry.ensureDistrict({ code: 'TP-LC', name: 'Thành phố Lào Cai' });
    const dB = await registry.ensureDistrict({ code: 'TX-SP', name: 'Thị xã Sa Pa' });
    const a = await registry.ensureSchool({ code: 'THCS-COC-LEU', name: 'Trường THCS Cốc Lếu', level: 'thcs', districtId: dA.id });
    const b = await registry.ensureSchool({ code: 'THCS-SA-PA', name: 'Trường THCS Sa Pa', level: 'thcs', districtId: dB.id });
    const roomA = await registry.ensureRoom({ siteId: (await registry.ensureSite({ schoolId: a.id, name: 'Điểm chính' })).id, code: '6A1', name: 'Phòng 6A1', type: 'classroom' });
    const roomB = await registry.ensureRoom({ siteId: (await registry.ensureSite({ schoolId: b.id, name: 'Điểm chính' })).id, code: '9B2', name: 'Phòng 9B2', type: 'classroom' });
    const base = { districtId: null, createdBy: 'admin', digest: false, secret: null } as const;
    const mailA = await registry.addRecipient({ ...base, schoolId: a.id, minSeverity: 'warning', channel: 'email', address: 'ktv@cocleu.edu.vn', language: 'vi' }, T0);
    const secret = 'bí-mật-thử-nghiệm';
    const hookA = await registry.addRecipient({ ...base, schoolId: a.id, minSeverity: 'critical', channel: 'webhook', address: `http://127.0.0.1:${hookPort}/edufleet`, secret, language: 'en' }, T0);
    const mailB = await registry.addRecipient({ ...base, schoolId: b.id, minSeverity: 'warning', channel: 'email', address: 'ktv@sapa.edu.vn', language: 'vi' }, T0);
    ids = { a: a.id, b: b.id, dA: dA.id, dB: dB.id, roomA: roomA.id, roomB: roomB.id, mailA: mailA.id, hookA: hookA.id, mailB: mailB.id, secret };
    dispatcher = new NotificationDispatcher({ config: config(), registry, log: createLogger('silent'), clock, backoff: { baseMs: 5000, maxMs: 600_000 } });
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
    await new Promise<void>((r) => (hook ? hook.close(() => r()) : r()));
  });

  it('queues a burst in the transaction, fails while both receivers are down, then the retry delivers one message each', async () => {
    const listen = notificationListener({ groupWindowMs: 60_000 });
    for (let i = 1; i <= 12; i++) await registry.transaction((tx) => listen(tx, event(i, 'a', { at: T0 + i * 1000 })));
    await registry.transaction((tx) => listen(tx, event(50, 'b', { severity: 'warning', rule: 'low_battery', value: 9 })));
    // A warning of school A reaches the e-mail (warning and up) but not the critical-only webhook.
    await registry.transaction((tx) => listen(tx, event(13, 'a', { severity: 'warning', rule: 'low_battery', value: 12, at: T0 + 20_000 })));
    expect(await registry.pendingNotifications()).toBe(12 + 1 + 1 + 12);

    expect(await dispatcher.dispatchDue()).toBe(0); // inside the group window: nothing goes yet
    now = T0 + 80_000;
    expect(await dispatcher.dispatchDue()).toBe(0); // due, but SMTP and the webhook refuse connections
    const failed = await registry.notificationAttempts();
    expect(failed.map((a) => a.ok)).toEqual([false, false, false]);
    expect(failed.every((a) => a.error)).toBe(true);

    smtp = new SMTPServer({
      authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
      onData(stream, _s, done) { simpleParser(stream).then((m) => { mails.push(m); done(); }, done); },
    });
    await new Promise<void>((r) => smtp!.listen(smtpPort, '127.0.0.1', r));
    hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
      req.on('end', () => { hooks.push({ headers: req.headers, body }); res.writeHead(204).end(); });
    });
    await new Promise<void>((r) => hook!.listen(hookPort, '127.0.0.1', r));

    now = T0 + 84_000;
    expect(await dispatcher.dispatchDue()).toBe(0); // still backing off (5 s after the failure)
    now = T0 + 85_000;
    expect(await dispatcher.dispatchDue()).toBe(3);
    await waitFor('both e-mails', () => mails.length === 2);
    expect(await registry.pendingNotifications()).toBe(0);
    now = T0 + 600_000;
    expect(await dispatcher.dispatchDue()).toBe(0); // sent rows never go again

    const toA = mails.find((m) => m.text?.includes('Cốc Lếu'))!;
    expect(toA.subject).toBe('13 thay đổi cảnh báo tại Trường THCS Cốc Lếu từ 09:14');
    for (let i = 1; i <= 13; i++) expect(toA.text).toContain(`a-tab-${String(i).padStart(2, '0')}`);
    expect(toA.text).toContain('mất kết nối trong giờ học');
    expect(toA.text).toContain('https://edufleet.example.vn/#/alerts?schoolId=');
    expect(toA.text).not.toContain('b-tab-');
    const toB = mails.find((m) => m !== toA)!;
    expect(toB.text).toContain('b-tab-50');
    expect(toB.text).not.toContain('a-tab-');
    expect(toB.subject).toContain('pin yếu');

    expect(hooks).toHaveLength(1);
    const h = hooks[0]!;
    const ts = String(h.headers['x-edufleet-timestamp']);
    const expected = `sha256=${createHmac('sha256', ids.secret).update(`${ts}.${h.body}`).digest('hex')}`;
    expect(timingSafeEqual(Buffer.from(String(h.headers[SECRET_HEADER])), Buffer.from(expected))).toBe(true);
    const payload = JSON.parse(h.body) as { type: string; alerts: { device: { id: string }; rule: string }[]; school: { name: string } };
    expect(payload.type).toBe('fired');
    expect(payload.school.name).toBe('Trường THCS Cốc Lếu');
    expect(payload.alerts).toHaveLength(12);
    expect(payload.alerts.every((x) => x.rule === 'offline_school_hours')).toBe(true);

    const log = await registry.notificationAttempts({ recipientIds: [ids.hookA] });
    expect(log.map((a) => a.ok)).toEqual([true, false]);
    expect(log[0]).toMatchObject({ items: 12, status: 204 });
  });

  it('groups a burst of one rule as "12 thiết bị … từ 09:14", in English for an English recipient', async () => {
    const listen = notificationListener({ groupWindowMs: 60_000 });
    const t = T0 + 86_400_000; // 09:14 the next day
    now = t;
    for (let i = 1; i <= 12; i++) await registry.transaction((tx) => listen(tx, event(100 + i, 'a', { startedAt: t, at: t + i })));
    now = t + 61_000;
    mails.length = 0;
    hooks.length = 0;
    expect(await dispatcher.dispatchDue()).toBe(2);
    await waitFor('the grouped e-mail', () => mails.length === 1);
    expect(mails[0]!.subject).toBe('12 thiết bị mất kết nối trong giờ học tại Trường THCS Cốc Lếu từ 09:14');
    const payload = JSON.parse(hooks[0]!.body) as { alerts: unknown[] };
    expect(payload.alerts).toHaveLength(12);
  });

  it('queues each school\'s daily digest once, whatever the number of runs or processes, and mails it', async () => {
    const day = '2026-03-12';
    now = Date.parse('2026-03-12T00:00:00Z'); // 07:00 in Hà Nội
    await registry.addRecipient({ schoolId: ids.a, districtId: null, minSeverity: 'warning', channel: 'email', address: 'hieutruong@cocleu.edu.vn', language: 'vi', digest: true, createdBy: 'admin', secret: null }, now);
    const { device: old } = await registry.addDevice({ kind: 'board', roomId: ids.roomA, name: 'Bảng tương tác 86 inch' });
    await registry.updateDevice(old.id, { inServiceDate: '2018-09-01', serviceLifeYears: 5 });
    const { device: fresh } = await registry.addDevice({ kind: 'tablet', roomId: ids.roomA, name: 'Máy tính bảng mới' });
    await registry.updateDevice(fresh.id, { inServiceDate: '2025-09-01', serviceLifeYears: 5, warrantyEnd: '2026-04-20' });
    const other = new NotificationDispatcher({ config: config(), registry, log: createLogger('silent'), clock });
    expect(await dispatcher.runDigest(day)).toEqual([ids.a]);
    expect(await other.runDigest(day)).toEqual([]);
    expect(await dispatcher.runDigest(day)).toEqual([]);
    mails.length = 0;
    expect(await dispatcher.dispatchDue()).toBe(1);
    await waitFor('the digest', () => mails.length === 1);
    const m = mails[0]!;
    expect(m.subject).toBe('Bản tin thiết bị ngày 12/03/2026, Trường THCS Cốc Lếu: 0 đang lỗi, 0 đã khắc phục');
    expect(m.text).toMatch(/Quá niên hạn sử dụng:\n- Bảng tương tác 86 inch/);
    expect(m.text).toMatch(/Hết bảo hành trước cuối tháng sau:\n- Máy tính bảng mới .*20\/04\/2026/);
    expect(await other.dispatchDue()).toBe(0);
  });

  it('schedules the digest at alerts.digestAt, Asia/Ho_Chi_Minh', async () => {
    const d = new NotificationDispatcher({ config: config(), registry, log: createLogger('silent'), clock, pollMs: 3_600_000 });
    await d.start();
    try {
      const next = d.nextDigest()!;
      expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit' }).format(next)).toBe('07:00');
    } finally {
      await d.stop();
    }
  });
});
