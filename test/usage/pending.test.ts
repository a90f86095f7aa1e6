/**
 * Days still expected from an edge node (usage/pending.ts) in the usage report and its files: a room of an edge site
 * whose data is complete until yesterday is judged on the days that are in, today is "đang chờ dữ liệu từ máy trạm
 * biên" (neither idle nor "không đủ dữ liệu"); a room whose edge has sent nothing for the window is pending as a whole.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportJob, PlanningResponse, UsageReport } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { ApiClient } from '../dashboard/client.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { NOW, PENDING_PASSWORD, seedPending, TODAY, WINDOW } from './pending-seed.js';

describe('days still expected from an edge node in usage reports', () => {
  let s: TestStack;
  let c: ApiClient;
  const ids = { edgeRoom: 0, plainRoom: 0, silentRoom: 0, edgeSchool: 0, silentSchool: 0 };

  beforeAll(async () => {
    s = await startTestStack({ only: ['dashboard'], dashboard: (parts) => startDashboard({ ...parts, clock: { now: () => NOW } }) });
    Object.assign(ids, await seedPending(s));
    c = new ApiClient(s.dashboard!.url);
    await c.login('ke-hoach', PENDING_PASSWORD);
  });

  afterAll(async () => {
    await s?.close();
  });

  const report = () => c.get<UsageReport>(`/api/usage?from=${WINDOW.from}&to=${WINDOW.to}`);

  it('judges a room of an edge site on the days that are in and shows today as pending, neither idle nor without data', async () => {
    const r = await report();
    const room = (id: number) => r.rooms.find((x) => x.roomId === id)!;
    const edgeRoom = room(ids.edgeRoom);
    expect(edgeRoom.pending).toEqual({ since: TODAY, days: 1 });
    // Two whole days: 810 timetabled minutes, all covered, 90 in use; today's periods are not counted at all.
    expect(edgeRoom.figures).toMatchObject({ timetabledHours: 810 / 60, coveredHours: 810 / 60, coverage: 1, periods: 18, periodsCovered: 18, periodsUncovered: 0, periodsUsed: 2 });
    expect(edgeRoom.figures.timeUtilisation).toBeCloseTo(90 / 810, 9);
    expect(edgeRoom.status).toBe('underused');
    // The school online is judged on its three days: today is a third of its time without data.
    expect(room(ids.plainRoom)).toMatchObject({ pending: null, figures: { timetabledHours: 1215 / 60, periodsUncovered: 9 } });
    expect(room(ids.plainRoom).figures.coverage).toBeCloseTo(2 / 3, 9);
    // An edge that has sent nothing since it was registered: the whole window is pending, not "không đủ dữ liệu".
    expect(room(ids.silentRoom)).toMatchObject({ status: 'pending', pending: { since: WINDOW.from, days: 3 }, figures: { timetabledHours: 0, periods: 0 } });
    expect(r.flagged.pending).toEqual([ids.silentRoom]);
    expect(r.flagged.noData).toEqual([]);
    expect(r.flagged.underused).not.toContain(ids.silentRoom);
  });

  it('ranks the edge school on its days that are in and lists the school whose edge sent nothing apart, as pending', async () => {
    const plan = await c.get<PlanningResponse>(`/api/planning?from=${WINDOW.from}&to=${WINDOW.to}&rooms=1`);
    expect(plan.ranking.map((x) => x.schoolId)).toContain(ids.edgeSchool);
    expect(plan.insufficientData).toEqual([expect.objectContaining({ schoolId: ids.silentSchool, pendingRooms: 1 })]);
  });

  it('writes the pending days into the CSV and the PDF', async () => {
    const files: Record<string, Buffer> = {};
    for (const format of ['csv', 'pdf'] as const) {
      const started = await c.request('POST', '/api/usage/exports', { format, ...WINDOW });
      expect(started.status).toBe(202);
      const job = await waitFor(`the ${format} export`, async () => {
        const j = await c.get<ExportJob>(`/api/usage/exports/${(started.body as ExportJob).id}`);
        return j.status === 'done' ? j : undefined;
      });
      files[format] = Buffer.from(await (await fetch(`${c.base}/api/usage/exports/${job.id}/file`, { headers: { cookie: c.cookie } })).arrayBuffer());
    }
    const csv = files.csv!.toString('utf8').split('\n');
    expect(csv[0]).toMatch(/,Ngày đang chờ dữ liệu từ máy trạm biên\r?$/);
    const line = (name: string) => csv.find((l) => l.startsWith(name))!;
    expect(line('Phòng học thông minh 1,')).toMatch(/,Ít sử dụng \(< 20 %\),.*,"1 ngày đang chờ dữ liệu từ máy trạm biên \(từ 04\/11\/2026\), không tính"\r?$/);
    expect(line('Phòng học thông minh 1,')).not.toContain('Không đủ dữ liệu');
    expect(line('Phòng học thông minh Y Tý,')).toMatch(/,Đang chờ dữ liệu từ máy trạm biên,.*,"3 ngày đang chờ dữ liệu từ máy trạm biên \(từ 02\/11\/2026\), không tính"\r?$/);
    expect(line('Phòng học thông minh Cốc Lếu,')).toMatch(/,\r?$/);

    const pdfFile = path.join(s.dir, 'pending.pdf');
    writeFileSync(pdfFile, files.pdf!);
    const text = execFileSync('pdftotext', ['-raw', pdfFile, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('Phòng đang chờ dữ liệu từ máy trạm biên (không đánh giá) 1');
    expect(text).toContain('Phòng có ngày đang chờ dữ liệu từ máy trạm biên (các ngày đó không tính) 2');
    expect(text).toContain('1 phòng đang chờ dữ liệu từ máy trạm biên: chưa đánh giá');
  });
});
