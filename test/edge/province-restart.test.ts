/**
 * One copy upstream when the province restarts mid-backlog (issue 21): an edge (in-process stack, `edge.enabled`)
 * forwards a backlog to a provincial stack that is stopped and started again on the same data and port while batches
 * are in flight. The edge reconnects by itself; every record is in the provincial InfluxDB once, every cursor at the
 * edge's last q, and no gap counted.
 */
import net from 'node:net';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTestEdge, writeBacklogDay } from './edge-fixture.js';
import { ManagedInfluxd } from '../../lib/influx/index.js';
import { influxOptions, testInfluxClient } from '../helpers/influx.js';
import { seedSchool, startTestStack, tempDir, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const SITE = 'LC-THPT-SI-MA-CAI';
const DEVICES = 20;
const PER_DEVICE = 400;
const START = Date.now() - 2 * 86_400_000;

const freePort = () => new Promise<number>((resolve) => {
  const srv = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = srv.address() as net.AddressInfo;
    srv.close(() => resolve(port));
  });
});

describe('an edge\'s backlog when the province restarts in the middle of it', () => {
  const dir = tempDir('edufleet-edge-restart-');
  const influxd = new ManagedInfluxd(path.join(dir, 'influx'));
  const edgeData = path.join(dir, 'edge');
  const boards = Array.from({ length: DEVICES }, (_, i) => `sm-board-${String(i + 1).padStart(2, '0')}`);
  let province: TestStack | undefined;
  let edge: TestStack | undefined;
  let edgeId = '';
  let port = 0;

  const startProvince = async () => startTestStack({
    dir: path.join(dir, 'province'), overrides: { influx: influxOptions(influxd), mqtt: { port } },
  });
  const applied = async (p: TestStack) => [...(await p.registry.edges.cursors(edgeId)).values()].reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    await influxd.start();
    port = await freePort();
    province = await startProvince();
    const { room } = await seedSchool(province.registry, SITE);
    await province.registry.addDevices(boards.map((id) => ({ id, kind: 'board', roomId: room.id })));
    edgeId = await registerTestEdge(province.registry, SITE, 'Máy chủ trường Si Ma Cai', edgeData);
    // The day the edge kept while it had no link, in its forward log before it starts.
    await writeBacklogDay(edgeData, boards, { start: START, stepMs: 60_000, perDevice: PER_DEVICE, segmentBytes: 256 * 1024 });
  }, 120_000);

  afterAll(async () => {
    await edge?.close();
    await province?.close();
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every record is applied once, in each device\'s order, after the province restarted with batches in flight', async () => {
    const total = DEVICES * PER_DEVICE;
    edge = await startTestStack({
      dir: edgeData,
      overrides: {
        influx: { ...influxOptions(influxd), database: 'edge_local' },
        edge: { enabled: true, site: SITE, uplink: { url: `mqtt://127.0.0.1:${port}`, batchBytes: 16 * 1024 }, backlogRatePerSec: 2000 },
      },
    });
    const first = province!;
    await waitFor('a part of the backlog at the province', async () => (await applied(first)) > total / 4, 30_000);
    await first.close();
    const uplink = edge.edge!.uplink!;
    await waitFor('the edge to see its link down', () => !uplink.connected);
    province = await startProvince();
    const again = province;
    await waitFor('the whole backlog at the province', async () => (await applied(again)) === total, 60_000);
    const cursors = await again.registry.edges.cursors(edgeId);
    expect(boards.every((b) => cursors.get(b) === PER_DEVICE)).toBe(true);
    const influx = testInfluxClient(influxd);
    await waitFor('every reading in InfluxDB', async () => ((await influx.query<{ n: number }>(`SELECT count(touches) AS n FROM raw.telemetry_board WHERE time >= ${START - 1}ms`))[0]?.n ?? 0) === total, 30_000);
    expect(await again.metrics.registry.getSingleMetricAsString('edufleet_edge_records_total')).not.toMatch(/outcome="gap"/);
  }, 180_000);
});
