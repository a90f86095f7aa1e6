/**
 * The sneakernet up in the web app (docs/edge.md): an admin uploads an edge's export file, follows the job and reads
 * what it did; the same file again adds nothing and says so; a changed file fails with its code and changes nothing;
 * a technician may not import at all; a file over edge.maxUploadBytes is refused before it is read whole.
 */
import { readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EdgeImportJob } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { ForwardLog } from '../../edge/forward-log.js';
import { edgeKeys } from '../../edge/keys.js';
import { registerEdge } from '../../edge/register.js';
import { edgeDir, exportEdge, forwardLogDir, openForwardLog } from '../../edge/sneakernet.js';
import { seedSchool, tempDir, useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { ApiClient } from './client.js';

const SITE = 'LC-THPT-MUONG-KHUONG';
const T0 = Date.now() - 3 * 86_400_000;

describe('importing an edge file in the web app', () => {
  const s = useTestStack({ dashboard: startDashboard, overrides: { edge: { maxUploadBytes: 200_000 } } });

  /** One upload on its own connection, closed after the answer (a refusal answers before the body is read). */
  const upload = (c: ApiClient, name: string, data: Buffer) => new Promise<{ status: number; body: EdgeImportJob & { code?: string } }>((resolve, reject) => {
    const url = new URL(`${c.base}/api/edges/imports?name=${encodeURIComponent(name)}`);
    let answered = false;
    let failure: Error | undefined;
    const req = httpRequest({
      host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', agent: false,
      headers: { cookie: c.cookie, origin: c.base, 'content-type': 'application/octet-stream', 'content-length': data.length },
    }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) as EdgeImportJob & { code?: string } }));
    });
    // A refused upload's connection may close while the rest of its body is still being written: only a connection
    // that closes without an answer fails the upload.
    req.on('error', (err) => { failure = err; });
    req.on('close', () => { if (!answered) reject(failure ?? new Error('closed without an answer')); });
    req.end(data);
  });
  const finished = (c: ApiClient, id: string) => waitFor(`edge import ${id} finished`, async () => {
    const j = await c.get<EdgeImportJob>(`/api/edges/imports/${id}`);
    return j.status !== 'importing' ? j : undefined;
  });
  const stored = async () => (await s.influx.query<{ n: number }>(`SELECT count(touches) AS n FROM raw.telemetry_board WHERE device =~ /^mk-/`))[0]?.n ?? 0;

  it('applies a file for an admin, says "0 new" the second time, and refuses a changed file and a technician', async () => {
    const { room } = await seedSchool(s.registry, SITE);
    const boards = ['mk-board-1', 'mk-board-2', 'mk-board-3'];
    for (const id of boards) await s.registry.addDevice({ id, kind: 'board', roomId: room.id });
    await s.directory.refresh();
    await s.registry.addUser({ username: 'admin-so', password: 'mật-khẩu-sở-2026', role: 'admin' });
    await s.registry.addUser({ username: 'kt-mk', password: 'mật-khẩu-kt-2026', role: 'technician' });
    const dir = tempDir('edufleet-edge-web-');
    try {
      const keys = edgeKeys(edgeDir(dir));
      await registerEdge(s.registry, { site: SITE, name: 'Máy chủ Mường Khương', signKey: keys.signKey, boxKey: keys.boxKey }, { byUser: 'admin', at: Date.now() });
      const log = new ForwardLog({ dir: forwardLogDir(dir), groupCommitMs: 1, segmentBytes: 1 << 20 });
      await log.open();
      await log.append(boards.flatMap((d) => Array.from({ length: 60 }, (_, i) => ({ d, c: 'telemetry' as const, p: JSON.stringify({ ts: T0 + i * 60_000, power: 'on', touches: 1 }), at: T0 + i * 60_000 }))));
      await log.close();
      const file = path.join(dir, 'muong-khuong.efe');
      const reopened = await openForwardLog(dir, { groupCommitMs: 1, segmentBytes: 1 << 20 });
      await exportEdge({ dataDir: dir, log: reopened, site: SITE, out: file, now: Date.now }).finally(() => reopened.close());
      const data = readFileSync(file);

      const admin = new ApiClient(s.dashboard!.url);
      await admin.login('admin-so', 'mật-khẩu-sở-2026');
      const first = await upload(admin, 'muong-khuong.efe', data);
      expect(first.status).toBe(202);
      expect(await finished(admin, first.body.id)).toMatchObject({
        status: 'done', progress: { done: 180, total: 180 }, result: { site: SITE, records: 180, applied: 180, present: 0, refused: 0, devices: 3 },
      });
      expect(await stored()).toBe(180);

      const again = await upload(admin, 'muong-khuong.efe', data);
      expect((await finished(admin, again.body.id)).result).toMatchObject({ applied: 0, present: 180, refused: 0 });

      const changed = Buffer.from(data);
      changed.writeUInt8(changed.readUInt8(changed.length - 50) ^ 0x01, changed.length - 50);
      const bad = await upload(admin, 'changed.efe', changed);
      expect(await finished(admin, bad.body.id)).toMatchObject({ status: 'failed', error: { code: 'EDUFLEET_ERR_EDGE_TAMPERED' } });
      expect(await stored()).toBe(180);

      const tech = new ApiClient(s.dashboard!.url);
      await tech.login('kt-mk', 'mật-khẩu-kt-2026');
      expect((await upload(tech, 'muong-khuong.efe', data)).status).toBe(403);

      const huge = await upload(admin, 'huge.efe', Buffer.alloc(300_000));
      expect(huge).toMatchObject({ status: 413, body: { code: 'EDUFLEET_ERR_IMPORT_LIMIT' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
