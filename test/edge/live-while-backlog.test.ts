/**
 * Live first (issue 21): while an edge of a 120-device site forwards a day's backlog at its bounded rate, a board's
 * reading of now reaches the provincial live state (what the dashboard and Socket.IO show) before the backlog is
 * through. Two real stacks in this process (a province and an edge, `edge.enabled`), the edge's forward log holding
 * the day before it starts. The p95 of that delay is a benchmark figure (bench/edge.ts), not asserted here.
 */
import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTestEdge, writeBacklogDay } from './edge-fixture.js';
import { ManagedInfluxd } from '../../lib/influx/index.js';
import { EDGE_META } from '../../registry/index.js';
import { influxOptions } from '../helpers/influx.js';
import { connectDevice, seedSchool, startTestStack, tempDir, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const SITE = 'LC-THPT-MUONG-KHUONG';
const DEVICES = 120;
/** A reading every 2 minutes over 8 hours of yesterday: 240 per board, 28,800 for the site. */
const PER_DEVICE = 240;
const START = Date.now() - 24 * 3_600_000;

describe('live readings of an edge site while its backlog is forwarded', () => {
  const dir = tempDir('edufleet-edge-live-');
  const influxd = new ManagedInfluxd(path.join(dir, 'influx'));
  const edgeData = path.join(dir, 'edge');
  const boards = Array.from({ length: DEVICES }, (_, i) => `mk-board-${String(i + 1).padStart(3, '0')}`);
  let secret = '';
  let province: TestStack;
  let edge: TestStack;
  let edgeId = '';

  const applied = async () => [...(await province.registry.edges.cursors(edgeId)).values()].reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    await influxd.start();
    province = await startTestStack({ dir: path.join(dir, 'province'), overrides: { influx: influxOptions(influxd) } });
    const { room } = await seedSchool(province.registry, SITE);
    secret = (await province.registry.addDevices(boards.map((id) => ({ id, kind: 'board', roomId: room.id }))))[0]!.secret!;
    edgeId = await registerTestEdge(province.registry, SITE, 'Máy chủ trường Mường Khương', edgeData);
    // The day the edge kept while it had no link, in its forward log before it starts.
    await writeBacklogDay(edgeData, boards, { start: START, stepMs: 120_000, perDevice: PER_DEVICE, segmentBytes: 8 * 1024 * 1024 });
  }, 120_000);

  afterAll(async () => {
    await edge?.close();
    await province?.close();
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a board\'s reading of now reaches the provincial live state while the day\'s backlog is still being forwarded', async () => {
    edge = await startTestStack({
      dir: edgeData,
      overrides: {
        influx: { ...influxOptions(influxd), database: 'edge_local' },
        edge: { enabled: true, site: SITE, uplink: { url: province.mqttUrl }, backlogRatePerSec: 3000 },
      },
    });
    const total = DEVICES * PER_DEVICE;
    await waitFor('the backlog to start arriving', async () => (await applied()) > 0, 30_000);
    // The province's bundle brings the site's boards and their credentials (the province wins for registry data).
    await waitFor('the bundle applied at the edge', async () => ((await edge.registry.edgeSlices.meta<number>(EDGE_META.version)) ?? 0) >= 1, 30_000);
    const board = await connectDevice(edge.mqttUrl, boards[0]!, secret);
    const ts = Date.now();
    await board.publishAsync(`edu/v1/${boards[0]}/telemetry`, JSON.stringify({ ts, power: 'on', touches: 42 }), { qos: 1 });
    await waitFor('the live reading at the province', () => province.gateway!.live.get(boards[0]!)?.lastReadingTs === ts, 30_000);
    // The mechanism: it came ahead of the backlog, not behind it.
    expect(await applied()).toBeLessThan(total);
    board.end(true);
    await waitFor('the whole backlog at the province', async () => (await applied()) >= total + 1, 60_000);
    expect(await province.metrics.registry.getSingleMetricAsString('edufleet_edge_records_total')).toMatch(/outcome="live"} [1-9]/);
  }, 120_000);
});
