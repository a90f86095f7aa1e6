/**
 * The recipients API on a real dashboard: a technician manages the recipients of the schools in scope only, a
 * webhook's secret is shown once, changes are audited, and the attempts log is scoped like the recipients.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody, NewRecipientResponse, NotificationAttemptView, RecipientView, RotatedSecretResponse } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { ApiClient } from '../dashboard/client.js';
import { useTestStack } from '../helpers/stack.js';

const PASSWORD = 'cảnh-báo-2026';

describe('notification recipients API', () => {
  const s = useTestStack({ dashboard: startDashboard, overrides: { alerts: { maxRecipientsPerSchool: 4 } } });
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

  it('refuses an e-mail recipient with two addresses, or a display name, and says why in Vietnamese and English', async () => {
    const tech = await client('ktv-a');
    for (const address of ['a@cocleu.edu.vn, b@cocleu.edu.vn', 'a@cocleu.edu.vn; b@cocleu.edu.vn', '"Tổ thiết bị" <a@cocleu.edu.vn>, <b@cocleu.edu.vn>', 'to: a@cocleu.edu.vn, b@cocleu.edu.vn;']) {
      const res = await tech.request('POST', '/api/notifications/recipients', input({ address }));
      expect(res.status, address).toBe(400);
      expect((res.body as ApiErrorBody).code).toBe('EDUFLEET_ERR_NOTIFY_EMAIL_ADDRESS');
      expect((res.body as ApiErrorBody).message).toContain('Mỗi người nhận e-mail chỉ có một địa chỉ');
      expect((res.body as ApiErrorBody).message).toContain('One address per e-mail recipient');
    }
    for (const address of ['Tổ thiết bị <a@cocleu.edu.vn>', 'a@cocleu.edu.vn b@cocleu.edu.vn', 'a@@cocleu.edu.vn']) {
      const res = await tech.request('POST', '/api/notifications/recipients', input({ address }));
      expect(res.status, address).toBe(400);
      expect((res.body as ApiErrorBody).message).toContain('Không phải một địa chỉ e-mail');
    }
    expect((await s.registry.recipients()).map((r) => r.address)).not.toContain('a@cocleu.edu.vn');
  });

  it('rotates a webhook\'s secret for whoever may edit it, shows the new one once and audits without it', async () => {
    const tech = await client('ktv-a');
    const hook = (await tech.request('POST', '/api/notifications/recipients', input({ channel: 'webhook', address: 'https://hooks2.cocleu.edu.vn/edufleet' }))).body as NewRecipientResponse;
    const rotated = await tech.request('POST', `/api/notifications/recipients/${hook.id}/secret`);
    expect(rotated.status).toBe(200);
    const { secret } = rotated.body as RotatedSecretResponse;
    expect(secret.length).toBeGreaterThanOrEqual(24);
    expect(secret).not.toBe(hook.secret);
    expect((await s.registry.recipient(hook.id))!.secret).toBe(secret);
    expect(JSON.stringify(await tech.get<RecipientView[]>('/api/notifications/recipients'))).not.toContain(secret);

    const admin = await client('admin');
    const other = (await admin.request('POST', '/api/notifications/recipients', input({ schoolId: b, channel: 'webhook', address: 'https://hooks.sapa.edu.vn/edufleet' }))).body as NewRecipientResponse;
    expect((await tech.request('POST', `/api/notifications/recipients/${other.id}/secret`)).status).toBe(403);
    expect((await (await client('xem')).request('POST', `/api/notifications/recipients/${hook.id}/secret`)).status).toBe(403);
    const mail = (await tech.request('POST', '/api/notifications/recipients', input({ address: 'to.thietbi@cocleu.edu.vn' }))).body as RecipientView;
    expect((await tech.request('POST', `/api/notifications/recipients/${mail.id}/secret`)).status).toBe(400);
    expect((await s.registry.recipient(other.id))!.secret).toBe(other.secret);

    const audit = (await s.registry.auditLog({})).entries.filter((e) => e.action === 'notification.recipient.rotate-secret');
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(secret);
  });

  it('refuses one recipient more than alerts.maxRecipientsPerSchool for a school, with a clear message', async () => {
    const tech = await client('ktv-a');
    const mine = async () => (await s.registry.recipients()).filter((r) => r.schoolId === a).length;
    for (let i = 0; (await mine()) < 4; i++) expect((await tech.request('POST', '/api/notifications/recipients', input({ address: `ktv${i}@cocleu.edu.vn` }))).status).toBe(201);
    const res = await tech.request('POST', '/api/notifications/recipients', input({ address: 'mot-nua@cocleu.edu.vn' }));
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'EDUFLEET_ERR_NOTIFY_RECIPIENT_LIMIT' });
    expect((res.body as ApiErrorBody).message).toContain('Trường này đã có 4 người nhận');
    expect((res.body as ApiErrorBody).message).toContain('This school already has 4 recipients');
    // Another school is not affected.
    expect((await (await client('admin')).request('POST', '/api/notifications/recipients', input({ schoolId: b, address: 'ktv2@sapa.edu.vn' }))).status).toBe(201);
  });
});
