/**
 * Silences are bounded (dashboard/server/routes/alerts.ts): a technician may hide a school's alerts for at most
 * alerts.maxSilenceH (a week by default), never for ever; an admin may set a longer one. Over real HTTP, in a
 * dashboard-only process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SilenceView } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { ApiClient } from './client.js';

const PASSWORD = 'mật-khẩu-đủ-dài';
const HOUR = 3_600_000;
/** The last millisecond a JavaScript date can hold: "for ever" as a browser would send it. */
const FOR_EVER = 8.64e15;

describe('silences have a maximum length', () => {
  let s: TestStack;
  let admin: ApiClient;
  let tech: ApiClient;
  let room: string;

  beforeAll(async () => {
    s = await startTestStack({ only: ['dashboard'], dashboard: startDashboard });
    const seeded = await seedSchool(s.registry);
    room = String(seeded.room.id);
    await s.registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    await s.registry.addUser({ username: 'tech', password: PASSWORD, role: 'technician', scope: { schoolIds: [seeded.school.id] } });
    admin = new ApiClient(s.dashboard!.url);
    await admin.login('admin', PASSWORD);
    tech = new ApiClient(s.dashboard!.url);
    await tech.login('tech', PASSWORD);
  });
  afterAll(async () => { await s?.close(); });

  const silence = (c: ApiClient, until: number) => c.request('POST', '/api/silences', { targetType: 'room', targetId: room, until, reason: 'Thay điện cả dãy phòng' });

  it('refuses a technician\'s silence longer than alerts.maxSilenceH, or without end, with a 403 that says why; accepts one within it', async () => {
    for (const until of [Date.now() + 7 * 24 * HOUR + HOUR, FOR_EVER]) {
      const r = await silence(tech, until);
      expect(r).toMatchObject({ status: 403, body: { code: 'EDUFLEET_ERR_ALERT_SILENCE_LENGTH' } });
      expect((r.body as { message: string }).message).toBe(
        'a silence may last at most 168 hours (alerts.maxSilenceH, 7 days); only an admin may set a longer one. Choose an earlier end, or ask an admin');
    }
    expect(await silence(tech, Date.now() - 1)).toMatchObject({ status: 400, body: { code: 'EDUFLEET_ERR_REGISTRY_INVALID' } });
    expect(await s.registry.listSilences(undefined, Date.now())).toEqual([]);
    const ok = await silence(tech, Date.now() + 7 * 24 * HOUR - 60_000);
    expect(ok).toMatchObject({ status: 201, body: { createdBy: 'tech' } });
  });

  it('accepts an admin\'s silence of a month, and one without end', async () => {
    const month = await silence(admin, Date.now() + 30 * 24 * HOUR);
    expect(month.status, JSON.stringify(month.body)).toBe(201);
    const ever = await silence(admin, FOR_EVER);
    expect(ever.status, JSON.stringify(ever.body)).toBe(201);
    const listed = await admin.get<SilenceView[]>('/api/silences');
    expect(listed.map((x) => x.id)).toEqual(expect.arrayContaining([(month.body as SilenceView).id, (ever.body as SilenceView).id]));
  });
});
