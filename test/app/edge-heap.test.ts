/**
 * The heap of an edge node on a small machine (app/edge-heap.ts, docs/edge.md "Small machines"): `start --edge` run
 * as the systemd unit runs it (NODE_OPTIONS with the edge's options) says nothing; run without them it warns once,
 * naming the options.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EDGE_HEAP_LIMIT_MIB, EDGE_NODE_OPTIONS, warnEdgeHeap } from '../../app/edge-heap.js';
import { ManagedInfluxd } from '../../lib/influx/index.js';
import { captureLog } from '../helpers/log.js';
import { exited, startEdufleetProcess } from '../helpers/process.js';
import { tempDir } from '../helpers/stack.js';

const MIB = 1048576;
const WARNING = /edge node: the JavaScript heap may grow to (\d+) MiB/;

describe('the heap of an edge node', () => {
  const dir = tempDir();
  const influxd = new ManagedInfluxd(path.join(dir, 'influx'));

  beforeAll(async () => {
    await influxd.start();
  }, 60_000);
  afterAll(async () => {
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `edufleet start --edge --only broker,gateway` with these NODE_OPTIONS: what it printed until it listened. */
  async function startOutput(nodeOptions: string, name: string): Promise<string> {
    const p = await startEdufleetProcess(['--edge', '--only', 'broker,gateway'], {
      NODE_OPTIONS: nodeOptions, EDUFLEET_DATA_DIR: path.join(dir, name), EDUFLEET_LOG_LEVEL: 'warn',
      EDUFLEET_INFLUX_URL: influxd.url, EDUFLEET_INFLUX_USERNAME: influxd.credentials?.username ?? '', EDUFLEET_INFLUX_PASSWORD: influxd.credentials?.password ?? '',
      EDUFLEET_INFLUX_DATABASE: 'edge_local', EDUFLEET_EDGE_SITE: 'LC-THPT-BAT-XAT',
      EDUFLEET_MQTT_HOST: '127.0.0.1', EDUFLEET_MQTT_PORT: '0', EDUFLEET_MQTT_WS_PORT: '0',
    });
    p.child.kill('SIGTERM');
    await exited(p.child);
    return p.output();
  }

  it('starts silently when run with the options of the documented systemd unit', async () => {
    const out = await startOutput(EDGE_NODE_OPTIONS.join(' '), 'capped');
    expect(out).not.toMatch(WARNING);
  }, 60_000);

  it('warns once when the heap is not capped, naming the options to set', async () => {
    const out = await startOutput('', 'uncapped');
    const lines = out.split('\n').filter((l) => WARNING.test(l)).map((l) => JSON.parse(l) as { level: number; msg: string; heapLimitMib: number; nodeOptions: string });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe(40);
    expect(lines[0]!.heapLimitMib).toBeGreaterThan(EDGE_HEAP_LIMIT_MIB);
    expect(lines[0]!.nodeOptions).toBe(EDGE_NODE_OPTIONS.join(' '));
    expect(lines[0]!.msg).toContain(`NODE_OPTIONS="${EDGE_NODE_OPTIONS.join(' ')}"`);
  }, 60_000);

  it('counts the launcher\'s larger young generation as uncapped, and a smaller heap than the edge\'s as capped', () => {
    const log = captureLog();
    const logger = pino({ level: 'warn' }, log);
    // bin/edufleet.mjs's --max-semi-space-size=64 with the edge's old-space cap: 160 + 3 × 64 MiB.
    expect(warnEdgeHeap(logger, (160 + 3 * 64) * MIB)).toBe(true);
    expect(warnEdgeHeap(logger, EDGE_HEAP_LIMIT_MIB * MIB)).toBe(false);
    expect(warnEdgeHeap(logger, 128 * MIB)).toBe(false);
    expect(log.lines().map((l) => l.heapLimitMib)).toEqual([352]);
  });
});
