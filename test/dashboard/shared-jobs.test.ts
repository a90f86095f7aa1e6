/**
 * Two dashboards on one PostgreSQL, as behind a load balancer: the import and export jobs, their files and the export
 * rate live in the registry, so whichever dashboard the browser reaches answers for a job another one started, and a
 * user's limits hold over both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportJob, ImportJob } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { UserRate } from '../../dashboard/server/export-jobs.js';
import { influxOptions } from '../helpers/influx.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { ApiClient } from './client.js';
import { heldUpload } from './upload-helpers.js';

const PASSWORD = 'mật-khẩu-đủ-dài';
const SESSION_SECRET = 'bí-mật-ký-cookie-chung-của-hai-máy-0123456789';
const HEADER = 'Mã thiết bị,Tên thiết bị,Loại thiết bị,Mã trường,Phòng';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

describe('import and export jobs shared by two dashboards on one PostgreSQL', () => {
  let pg: TestPostgres;
  let one: TestStack;
  let two: TestStack;
  /** A user signed in once, with the same session on each dashboard. */
  const signedIn = async (username: string): Promise<[ApiClient, ApiClient]> => {
    await one.registry.addUser({ username, password: PASSWORD, role: 'admin' });
    const a = new ApiClient(one.dashboard!.url);
    await a.login(username, PASSWORD);
    const b = new ApiClient(two.dashboard!.url);
    b.cookie = a.cookie;
    return [a, b];
  };

  beforeAll(async () => {
    pg = await startPostgres();
    const url = await pg.createDatabase();
    const dashboard = { sessionSecret: SESSION_SECRET, exportsPerUserPerMin: 3 };
    one = await startTestStack({ dashboard: startDashboard, overrides: { registry: { url }, dashboard } });
    two = await startTestStack({ only: ['dashboard'], dashboard: startDashboard, overrides: { registry: { url }, influx: influxOptions(one), dashboard } });
    await seedSchool(one.registry);
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
    await pg?.stop();
  });

  it('follows and downloads on the second dashboard a report export started on the first, and hides it from other users', async () => {
    const [onOne, onTwo] = await signedIn('xuat.bao.cao');
    const started = await onOne.request('POST', '/api/usage/exports', { format: 'xlsx' });
    expect(started.status).toBe(202);
    const { id } = started.body as ExportJob;
    const done = await waitFor('the export done, seen from the second dashboard', async () => {
      const j = await onTwo.get<ExportJob>(`/api/usage/exports/${id}`);
      return j.status !== 'running' ? j : undefined;
    });
    expect(done).toMatchObject({ id, format: 'xlsx', status: 'done', fileName: expect.stringMatching(/^bao-cao-su-dung-phong-.*\.xlsx$/) });
    const file = await fetch(`${onTwo.base}/api/usage/exports/${id}/file`, { headers: { cookie: onTwo.cookie } });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe(XLSX);
    expect(file.headers.get('content-disposition')).toBe(`attachment; filename="${done.fileName}"`);
    // An XLSX is a zip: the bytes came back whole from the registry.
    expect(Buffer.from(await file.arrayBuffer()).subarray(0, 2).toString()).toBe('PK');
    const [stranger] = await signedIn('nguoi.khac');
    for (const c of [stranger, new ApiClient(two.dashboard!.url)]) {
      if (!c.cookie) c.cookie = stranger.cookie;
      expect((await c.request('GET', `/api/usage/exports/${id}`)).status).toBe(404);
      expect((await c.request('GET', `/api/usage/exports/${id}/file`)).status).toBe(404);
    }
  });

  it('applies on the second dashboard an import previewed on the first, once: a second confirmation on either is refused', async () => {
    const [onOne, onTwo] = await signedIn('nhap.so.thiet.bi');
    const res = await fetch(`${onOne.base}/api/imports?name=so-thiet-bi.csv`, {
      method: 'POST', headers: { cookie: onOne.cookie, origin: onOne.base, 'content-type': 'text/csv' },
      body: `${HEADER}\nCHUNG-01,Bảng lớp 11A2,Bảng tương tác,LC-THPT-CHUYEN,P.TM1\n`,
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as ImportJob;
    const planned = await waitFor('the preview, seen from the second dashboard', async () => {
      const j = await onTwo.get<ImportJob>(`/api/imports/${id}`);
      return j.status !== 'planning' ? j : undefined;
    });
    expect(planned.status).toBe('planned');
    expect(planned.plan!.counts).toMatchObject({ create: 1, refused: 0 });
    const applied = await onTwo.request('POST', `/api/imports/${id}/apply`, {});
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ id, status: 'applied', created: { 'CHUNG-01': expect.any(String) } });
    expect(await two.registry.deviceByCode('CHUNG-01')).toMatchObject({ name: 'Bảng lớp 11A2' });
    for (const c of [onOne, onTwo]) {
      const again = await c.request('POST', `/api/imports/${id}/apply`, {});
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_CONFLICT', message: 'this import is applied; only a previewed import can be applied' });
    }
    expect(await onOne.get<ImportJob>(`/api/imports/${id}`)).toMatchObject({ status: 'applied' });
  });

  it('counts a user\'s exports over both dashboards: the fourth in a minute is refused on either, with Retry-After', async () => {
    const [onOne, onTwo] = await signedIn('xuat.nhieu');
    for (const [path, method, answer] of [['/api/usage/exports', 'POST', 202], ['/api/register.csv', 'GET', 200]] as const) {
      const start = (c: ApiClient) => c.request(method, path, method === 'POST' ? { format: 'csv' } : undefined);
      for (const c of [onOne, onTwo, onOne]) expect((await start(c)).status, path).toBe(answer);
      for (const c of [onTwo, onOne]) {
        const refused = await start(c);
        expect(refused.status, path).toBe(429);
        expect(refused.body).toMatchObject({ code: 'EDUFLEET_ERR_EXPORT_RATE' });
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      }
    }
    // Another user is not held back.
    const [other] = await signedIn('xuat.rieng');
    expect((await other.request('GET', '/api/register.csv')).status).toBe(200);
  });

  it('admits one upload per user over both dashboards: while one is read on the first, the second answers 429 with Retry-After', async () => {
    const [onOne, onTwo] = await signedIn('nhap.hai.noi');
    const file = Buffer.from(`${HEADER}\nCHUNG-02,Máy chiếu phòng Lý,Bảng tương tác,LC-THPT-CHUYEN,P.TM1\n`);
    const held = heldUpload(onOne, 'dang-doc.csv', file);
    // Admitted on the first: the user's upload lease is in the registry while the upload waits for its last byte.
    const user = await one.registry.userByName('nhap.hai.noi');
    await waitFor('the upload lease taken', async () => (await two.registry.leases()).some((l) => l.name === `import:user:${user!.id}` && l.expiresAt > Date.now()));
    const upload = () => fetch(`${onTwo.base}/api/imports?name=lan-hai.csv`, { method: 'POST', headers: { cookie: onTwo.cookie, origin: onTwo.base, 'content-type': 'text/csv' }, body: new Uint8Array(file) });
    const refused = await upload();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ code: 'EDUFLEET_ERR_IMPORT_BUSY', message: expect.stringMatching(/^your previous file is still being read/) });
    expect(held.answered()).toBe(false);
    held.finish();
    const answer = await held.answer;
    expect(answer.status).toBe(202);
    await waitFor('the first upload read', async () => (await onOne.get<ImportJob>(`/api/imports/${answer.body.id}`)).status === 'planned');
    // Its lease given back, the second dashboard admits the user's next file.
    const next = await waitFor('the second dashboard admitting', async () => {
      const r = await upload();
      return r.status === 202 ? r : undefined;
    });
    expect(next.status).toBe(202);
  });

  it('refuses an export start counted on the other process\'s registry in the same minute, and admits it in the next', async () => {
    let now = 1_000_000;
    const clock = { now: () => now };
    const [a, b] = [new UserRate(one.registry, 'usage', 2, clock), new UserRate(two.registry, 'usage', 2, clock)];
    await a.take(4242);
    now += 20_000;
    await b.take(4242);
    now += 10_000;
    await expect(b.take(4242)).rejects.toMatchObject({ code: 'EDUFLEET_ERR_EXPORT_RATE', retryAfterS: 30 });
    await expect(a.take(4242)).rejects.toMatchObject({ retryAfterS: 30 });
    await b.take(4243);
    now += 30_000;
    await a.take(4242);
  });
});
