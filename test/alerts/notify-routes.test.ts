/**
 * The recipients API on a real dashboard: a technician manages the recipients of the schools in scope only, a
 * webhook's secret is shown once, changes are audited, and the attempts log is scoped like the recipients.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { NewRecipientResponse, NotificationAttemptView, RecipientView } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { ApiClient } from '../dashboard/client.js';
import { useTestStack } from '../helpers/stack.js';

const PASSWORD = 'cảnh-báo-2026';

describe('notification recipients API', () => {
  const s = useTestStack({ dashboard: startDashboard });
  let a: number;
  let b: number;
  let dA: number;

  beforeAll(async () => {
    const d1 = await s.registry.ensureDistrict({ code: 'TP-LC', name: 'Thành phố Lào Cai' });
    const d2 = await s.registry.ensureDistrict({ code: 'TX-SP', name: 'Thị xã Sa Pa' });
    a = (await s.registry.ensureSchool({ code: 'THCS-COC-LEU', name: 'Trường THCS Cốc Lếu', level: 'thcs', districtId: d1.id })).id;
    b = (await s.registry.ensureSchool({ code: 'THCS-SA-PA', name: 'Trường THCS Sa Pa', level: 'thcs', districtId: d2.id })).id;
    dA = d1.id;
    await s.registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    await s.registry.addUser({ username: 'ktv-a', password: PASSWORD, role: 'technician', scope: { schoolIds: [a], districtIds: [] } });
    await s.registry.addUser({ username: 'xem', password: PASSWORD, role: 'viewer' });
  });

  const client = async (user: string) => {
    const c = new ApiClient(s.dashboard!.url);
    await c.login(user, PASSWORD);
    return c;
  };
  const input = (over: object) => ({ schoolId: a, districtId: null, minSeverity: 'warning', channel: 'email', address: 'ktv@cocleu.edu.vn', language: 'vi', digest: true, ...over });

  it('lets a technician manage the recipients of the schools in scope only, shows a webhook secret once, audits', async () => {
    const tech = await client('ktv-a');
    const mail = await tech.request('POST', '/api/notifications/recipients', input({}));
    expect(mail.status).toBe(201);
    expect((mail.body as NewRecipientResponse).secret).toBeUndefined();
    const hook = await tech.request('POST', '/api/notifications/recipients', input({ channel: 'webhook', address: 'https://hooks.cocleu.edu.vn/edufleet', language: 'en' }));
    const secret = (hook.body as NewRecipientResponse).secret!;
    expect(secret.length).toBeGreaterThanOrEqual(24);
    expect((await tech.request('POST', '/api/notifications/recipients', input({ schoolId: b }))).status).toBe(403);
    expect((await tech.request('POST', '/api/notifications/recipients', input({ schoolId: null, districtId: dA }))).status).toBe(403);
    expect((await tech.request('POST', '/api/notifications/recipients', input({ address: 'không-phải-email' }))).status).toBe(400);

    const admin = await client('admin');
    const other = (await admin.request('POST', '/api/notifications/recipients', input({ schoolId: b, address: 'ktv@sapa.edu.vn' }))).body as RecipientView;
    const province = await admin.request('POST', '/api/notifications/recipients', input({ schoolId: null, address: 'so@laocai.edu.vn' }));
    expect(province.status).toBe(201);

    const mine = await tech.get<RecipientView[]>('/api/notifications/recipients');
    expect(mine.map((r) => r.address).sort()).toEqual(['https://hooks.cocleu.edu.vn/edufleet', 'ktv@cocleu.edu.vn']);
    expect(JSON.stringify(mine)).not.toContain(secret);
    expect((await admin.get<RecipientView[]>('/api/notifications/recipients'))).toHaveLength(4);
    expect((await tech.request('DELETE', `/api/notifications/recipients/${other.id}`)).status).toBe(403);
    expect((await tech.request('DELETE', `/api/notifications/recipients/${(mail.body as RecipientView).id}`)).status).toBe(200);
    expect((await tech.get<RecipientView[]>('/api/notifications/recipients'))).toHaveLength(1);

    await s.registry.logNotificationAttempt({ recipientId: other.id, at: Date.now(), kind: 'alerts', items: 2, ok: false, status: null, error: 'ECONNREFUSED' });
    expect(await tech.get<NotificationAttemptView[]>('/api/notifications/attempts')).toEqual([]);
    expect((await admin.get<NotificationAttemptView[]>(`/api/notifications/attempts?recipientId=${other.id}`))[0]).toMatchObject({ ok: false, error: 'ECONNREFUSED', items: 2 });

    const audit = await s.registry.auditLog({});
    expect(audit.entries.filter((e) => e.action.startsWith('notification.recipient')).map((e) => e.action).sort())
      .toEqual(['notification.recipient.add', 'notification.recipient.add', 'notification.recipient.add', 'notification.recipient.add', 'notification.recipient.remove']);
    expect((await (await client('xem')).request('GET', '/api/notifications/recipients')).status).toBe(403);
  });
});
