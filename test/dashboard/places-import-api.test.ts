/** The places import over the API: upload, preview, confirm, export, and who may do it, against a real stack. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import type { HierarchyResponse, PlacesImportJob } from '../../api/index.js';
import { seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { ApiClient } from './client.js';

const PASSWORD = 'mật-khẩu-đủ-dài';
const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)));

describe('the places import over the API', () => {
  let s: TestStack;
  let admin: ApiClient;
  let tech: ApiClient;
  let planner: ApiClient;

  const post = (c: ApiClient, name: string, data: Buffer) =>
    fetch(`${c.base}/api/imports/places?name=${encodeURIComponent(name)}`, { method: 'POST', headers: { cookie: c.cookie, 'content-type': 'text/csv', origin: c.base }, body: new Uint8Array(data) });
  const upload = async (c: ApiClient, name: string, data: Buffer): Promise<PlacesImportJob> => {
    const res = await post(c, name, data);
    expect(res.status).toBe(202);
    const job = (await res.json()) as PlacesImportJob;
    return waitFor(`places import ${name} planned`, async () => {
      const j = await c.get<PlacesImportJob>(`/api/imports/places/${job.id}`);
      return j.status !== 'planning' ? j : undefined;
    });
  };
  const apply = (c: ApiClient, id: string, applyValid?: boolean) =>
    c.request('POST', `/api/imports/places/${id}/apply`, applyValid === undefined ? {} : { applyValid });

  beforeAll(async () => {
    s = await startTestStack({ dashboard: startDashboard });
    const seeded = await seedSchool(s.registry);
    await s.registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    await s.registry.addUser({ username: 'ktv', password: PASSWORD, role: 'technician', scope: { schoolIds: [seeded.school.id] } });
    await s.registry.addUser({ username: 'kh', password: PASSWORD, role: 'planner' });
    admin = new ApiClient(s.dashboard!.url);
    await admin.login('admin', PASSWORD);
    tech = new ApiClient(s.dashboard!.url);
    await tech.login('ktv', PASSWORD);
    planner = new ApiClient(s.dashboard!.url);
    await planner.login('kh', PASSWORD);
  });
  afterAll(async () => { await s?.close(); });

  it('refuses a technician and a planner with 403, for the upload and the export', async () => {
    for (const c of [tech, planner]) {
      const res = await post(c, 'truong.csv', fixture('truong-mau.csv'));
      expect(res.status).toBe(403);
      expect(((await res.json()) as { code: string }).code).toBe('EDUFLEET_ERR_AUTH_FORBIDDEN');
      expect((await c.request('GET', '/api/places.csv')).status).toBe(403);
    }
    expect((await new ApiClient(s.dashboard!.url).request('GET', '/api/places.csv')).status).toBe(401);
    expect((await s.registry.schools()).map((x) => x.code)).toEqual(['LC-THPT-CHUYEN']);
  });

  it('previews a faulty list with its refused lines, applies only when asked to import the valid rows', async () => {
    const job = await upload(admin, 'truong-loi.csv', fixture('truong-loi.csv'));
    expect(job.status).toBe('planned');
    expect(job.plan!.refused.map((r) => r.line)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(job.plan!.refused[0]!.reason).toMatch(/duplicate school code 'LC-THCS-LQD'.*lines 3 and 4/);
    // LC-THPT-CHUYEN exists already (seeded with 1200 pupils, the list says 1150).
    expect(job.plan!.schools.map((x) => [x.code, x.action])).toEqual([['LC-THPT-CHUYEN', 'update'], ['LC-THCS-LQD', 'create'], ['LC-THCS-SAPA', 'create']]);
    const refused = await apply(admin, job.id);
    expect(refused.status).toBe(400);
    expect(await s.registry.school('LC-THCS-LQD')).toBeUndefined();
    const applied = await apply(admin, job.id, true);
    expect(applied.status).toBe(200);
    expect((applied.body as PlacesImportJob).status).toBe('applied');
    expect(await s.registry.school('LC-THCS-LQD')).toMatchObject({ level: 'thcs', pupils: 820 });
    expect((await s.registry.school('LC-THPT-CHUYEN'))!.pupils).toBe(1150);
  });

  it('imports the sample list, shows the new schools in the hierarchy at once, and says a second upload changes nothing', async () => {
    const job = await upload(admin, 'truong-mau.csv', fixture('truong-mau.csv'));
    expect(job.plan!.refused).toEqual([]);
    expect(job.plan!.counts).toMatchObject({ create: 1 + 6, update: 0, unchanged: 2 + 2 });
    expect((await apply(admin, job.id)).status).toBe(200);
    const h = await admin.get<HierarchyResponse>('/api/hierarchy');
    expect(h.schools.map((x) => x.name)).toContain('Trường Mầm non Bát Xát, Hoa Ban');
    const again = await upload(admin, 'truong-mau.csv', fixture('truong-mau.csv'));
    expect(again.plan!.counts).toMatchObject({ create: 0, update: 0, newSites: 0, refused: 0 });
  });

  it('exports CSV and XLSX that upload back as all unchanged', async () => {
    for (const format of ['csv', 'xlsx']) {
      const res = await fetch(`${admin.base}/api/places.${format}`, { headers: { cookie: admin.cookie } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toMatch(new RegExp(`danh-sach-truong-\\d{4}-\\d{2}-\\d{2}\\.${format}`));
      const job = await upload(admin, `export.${format}`, Buffer.from(await res.arrayBuffer()));
      expect(job.plan!.refused).toEqual([]);
      expect(job.plan!.counts).toMatchObject({ create: 0, update: 0, newSites: 0 });
      expect(job.plan!.counts.unchanged).toBe(3 + 9);
    }
  });
});
