/**
 * Issue 21's benchmarks (`--edge-only`): a provincial EduFleet (`start --only broker,gateway`) and an edge node
 * (`edge.enabled`, broker + gateway + alerts + dashboard + scheduler, as a school runs it, with the Node options of
 * app/edge-heap.ts as docs/edge.md's systemd unit sets them) as separate processes on one machine, each with its own
 * InfluxDB (the edge's holds its site's charts), the uplink through a TCP relay the benchmark cuts:
 *   0. the edge's RSS with its 200 devices sending at the simulator's default rate, link up, for some minutes (goal
 *      < 300 MB);
 *   1. live ingest at the edge with the link cut: 200 devices publishing QoS 1 (readings/s, CPU µs per reading of
 *      the edge), the edge's RSS right after that burst (goal < 300 MB), and the RSS of the edge's InfluxDB once the
 *      burst (a school day in a full run) is in it;
 *   2. the backlog so built forwarded with the rate unbounded: readings/s, CPU µs per reading on the edge and on the
 *      province (the capacity beside the default bound, edge.backlogRatePerSec);
 *   3. a second backlog at the default rate while one device publishes a reading every 250 ms: how long each takes to
 *      be stored at the province (p50 / p95, goal < 2 s), which is the live-first path (`up/live`);
 *   4. the forward log's bytes per record, and so how many school days of a 200-device site fit in the spool's default
 *      budget (gateway.spoolMaxBytes), goal ≥ 30.
 * Writes bench/results/edge-latest.json; docs/benchmarks.md shows it (renderEdgeSection).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { EDGE_NODE_OPTIONS } from '../app/edge-heap.js';
import { ConfigSchema } from '../config/schema.js';
import { edgeKeys } from '../edge/keys.js';
import { registerEdge } from '../edge/register.js';
import { edgeDir, forwardLogDir } from '../edge/sneakernet.js';
import { influxClient, ManagedInfluxd } from '../lib/influx/index.js';
import { openRegistryStore } from '../registry/index.js';
import { startRelay } from '../test/helpers/relay.js';
import { influxdRss, steadyRss, type InfluxdRss, type SteadyRss } from './lib/edge-memory.js';
import { MEASUREMENT, provisionFleet, readingPayload, type BenchDevice } from './lib/fleet.js';
import { findPid, processCpuSeconds, round, waitFor, type Cleanup } from './lib/procs.js';
import { REPO_ROOT, startEdufleetChild } from './lib/servers.js';
import { readRssKib } from './lib/storm-report.js';

const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');
const RESULTS_FILE = path.join(RESULTS_DIR, 'edge-latest.json');
const SITE = 'BENCH-S';
/** A school day at the default rate: a reading a minute for ten hours. */
const DAY_READINGS = 600;

export interface EdgeResults {
  date: string;
  quick: boolean;
  shape: { devices: number; readingsPerDevice: number; defaultRatePerSec: number };
  liveIngest: { readingsPerS: number; edgeCpuUsPerReading: number };
  backlog: { readingsPerS: number; edgeCpuUsPerReading: number; provinceCpuUsPerReading: number };
  liveWhileBacklog: { samples: number; p50Ms: number; p95Ms: number; targetMs: number };
  /** `edgeMiB`: right after the burst of phase 1; `steady`, `nodeOptions` and `influxd` since the heap was capped. */
  rss: { edgeMiB: number; devices: number; targetMiB: number; steady?: SteadyRss; nodeOptions?: string[]; influxd?: InfluxdRss };
  budget: { bytesPerRecord: number; schoolDayMiB: number; spoolMaxGiB: number; schoolDays: number; target: number };
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
/** Bytes of the forward log's segment files. */
const segmentBytes = (dir: string) => readdirSync(dir).filter((f) => f !== 'confirmed.json').reduce((n, f) => n + statSync(path.join(dir, f)).size, 0);

export async function benchEdge(cleanup: Cleanup, o: { quick?: boolean; log?: (s: string) => void } = {}): Promise<EdgeResults> {
  const quick = o.quick ?? false;
  const log = o.log ?? ((s: string) => console.log(`bench(edge): ${s}`));
  const devicesN = 200;
  const perDevice = quick ? 50 : DAY_READINGS;
  const defaultRate = ConfigSchema.properties.edge.properties.backlogRatePerSec.default as number;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edufleet-bench-edge-'));
  cleanup.add('edge bench dir', () => rmSync(dir, { recursive: true, force: true }));
  const influxd = new ManagedInfluxd(path.join(dir, 'influx'));
  await influxd.start();
  cleanup.add('influxd', () => influxd.stop());
  // The edge's own InfluxDB, as the managed one of `start --edge`: its RSS is the edge's.
  const edgeInfluxd = new ManagedInfluxd(path.join(dir, 'edge-influx'));
  await edgeInfluxd.start();
  cleanup.add('edge influxd', () => edgeInfluxd.stop());
  const provDir = path.join(dir, 'province');
  const edgeData = path.join(dir, 'edge');
  // The province issues the devices' secrets; the edge gets them in its bundle at its first connect.
  const devices = await provisionFleet(provDir, devicesN);
  const keys = edgeKeys(edgeDir(edgeData));
  const reg = await openRegistryStore({ dataDir: provDir });
  await registerEdge(reg, { site: SITE, name: 'Bench edge', signKey: keys.signKey, boxKey: keys.boxKey }, { byUser: 'bench', at: Date.now() });
  await reg.close();
  const common = { influxUrl: influxd.url, influxCredentials: influxd.credentials, env: { EDUFLEET_GATEWAY_FLUSH_INTERVAL_MS: '50', EDUFLEET_NODE_MANAGEMENT_PORT: '0' } };
  const province = await startEdufleetChild({ ...common, database: 'edufleet', dataDir: provDir }, cleanup);
  const relay = await startRelay(Number(new URL(province.url).port));
  cleanup.add('relay', () => relay.close());
  const startEdge = (rate: number) => startEdufleetChild({
    ...common, influxUrl: edgeInfluxd.url, influxCredentials: edgeInfluxd.credentials, database: 'edge_local', dataDir: edgeData,
    only: 'broker,gateway,alerts,dashboard,scheduler', nodeArgs: [...EDGE_NODE_OPTIONS],
    env: {
      ...common.env, EDUFLEET_EDGE_ENABLED: 'true', EDUFLEET_EDGE_SITE: SITE, EDUFLEET_EDGE_UPLINK_URL: `mqtt://127.0.0.1:${relay.port}`,
      EDUFLEET_EDGE_BACKLOG_RATE_PER_SEC: String(rate), EDUFLEET_DASHBOARD_HOST: '127.0.0.1', EDUFLEET_DASHBOARD_PORT: '0', EDUFLEET_USAGE_ANALYSE_INTERVAL_MS: '0',
    },
  }, cleanup);
  const applied = async () => {
    const r = await openRegistryStore({ dataDir: provDir });
    try {
      return [...(await r.edges.cursors(keys.id)).values()].reduce((a, b) => a + b, 0);
    } finally {
      await r.close();
    }
  };
  const day0 = Date.now() - 2 * 86_400_000;

  // 0. The devices at the default rate, link up. First the bundle, so the devices may log in.
  let edge = await startEdge(1_000_000_000);
  await waitFor(() => canLogIn(edge.url, devices[0]!), 'the bundle at the edge', 120_000, 200);
  const clients = await connectAll(edge.url, devices);
  const steadyStart = Date.now();
  const steady = await steadyRss(clients, edge.pid, quick ? 60 : 300);
  log(`edge RSS with ${devicesN} devices, a reading every ${steady.intervalS} s each for ${steady.seconds} s: ${steady.lastMiB} MiB at the end, ${steady.peakMiB} MiB at most`);
  // Everything of phase 0 at the province before the cut, so the backlog of phase 2 counts only the burst.
  const provInflux = influxClient(influxd.url, { database: 'edufleet', ...influxd.credentials! });
  await waitFor(async () => ((await provInflux.query(`SELECT count(battery) AS n FROM raw.${MEASUREMENT} WHERE time >= ${steadyStart - 60_000}ms`))[0] as { n?: number } | undefined)?.n === steady.readings,
    'the steady readings at the province', 120_000, 200);

  // 1. Live ingest with the link cut: the backlog of phase 2.
  relay.cut();
  // What phase 0 left in the forward log is not the burst's (bytes per record, phase 4).
  const logBytes0 = segmentBytes(forwardLogDir(edgeData));
  let cpu0 = processCpuSeconds(edge.pid);
  let t0 = performance.now();
  await publishAll(clients, perDevice, day0);
  const ingestS = (performance.now() - t0) / 1000;
  const liveIngest = { readingsPerS: round((devicesN * perDevice) / ingestS), edgeCpuUsPerReading: round(((processCpuSeconds(edge.pid) - cpu0) * 1e6) / (devicesN * perDevice), 1) };
  const rssKib = readRssKib(edge.pid);
  const logBytes = segmentBytes(forwardLogDir(edgeData)) - logBytes0;
  log(`live ingest ${liveIngest.readingsPerS}/s, ${liveIngest.edgeCpuUsPerReading} µs CPU per reading; edge RSS ${round(rssKib / 1024)} MiB with ${devicesN} devices`);
  const edgeInflux = influxClient(edgeInfluxd.url, { database: 'edge_local', ...edgeInfluxd.credentials! });
  const influxdMem = await influxdRss(edgeInflux, findPid(path.join(dir, 'edge-influx', 'influxdb.conf'))!, steady.readings + devicesN * perDevice);
  log(`the edge's InfluxDB: ${influxdMem.rssMiB} MiB RSS with ${influxdMem.readings} readings in it`);

  // 2. The backlog forwarded, unbounded.
  const before = await applied();
  const total = before + devicesN * perDevice;
  cpu0 = processCpuSeconds(edge.pid);
  const pcpu0 = processCpuSeconds(province.pid);
  t0 = performance.now();
  relay.restore();
  await waitFor(async () => (await applied()) >= total, 'the backlog at the province', 600_000, 100);
  const fwdS = (performance.now() - t0) / 1000;
  const n = devicesN * perDevice;
  const backlog = {
    readingsPerS: round(n / fwdS),
    edgeCpuUsPerReading: round(((processCpuSeconds(edge.pid) - cpu0) * 1e6) / n, 1),
    provinceCpuUsPerReading: round(((processCpuSeconds(province.pid) - pcpu0) * 1e6) / n, 1),
  };
  log(`backlog ${backlog.readingsPerS}/s; CPU per reading ${backlog.edgeCpuUsPerReading} µs at the edge, ${backlog.provinceCpuUsPerReading} µs at the province`);

  // 3. A backlog at the default rate, and a device's readings of now meanwhile.
  for (const c of clients) c.end(true);
  await edge.stop();
  relay.cut();
  edge = await startEdge(defaultRate);
  const again = await connectAll(edge.url, devices);
  await publishAll(again, perDevice, day0 + 86_400_000);
  const start2 = await applied();
  const target2 = start2 + devicesN * perDevice;
  relay.restore();
  // The edge tries again with its back-off: the figure is live-while-backlog, so it starts once the backlog flows.
  await waitFor(async () => (await applied()) > start2, 'the second backlog to start', 120_000, 100);
  const probe = again[0]!;
  const latencies: number[] = [];
  let seq = 1_000_000;
  while ((await applied()) < target2 && latencies.length < 400) {
    const ts = Date.now();
    const sent = performance.now();
    await probe.publishAsync(`edu/v1/${devices[0]!.id}/telemetry`, readingPayload(ts, 0).replace('"seq":0', `"seq":${seq++}`), { qos: 1 });
    await waitFor(async () => ((await provInflux.query(`SELECT count(battery) AS n FROM raw.${MEASUREMENT} WHERE device = '${devices[0]!.id}' AND time = ${ts}ms`))[0] as { n?: number } | undefined)?.n === 1, 'the probe at the province', 60_000, 20);
    latencies.push(performance.now() - sent);
  }
  const liveWhileBacklog = { samples: latencies.length, p50Ms: round(pct(latencies, 50)), p95Ms: round(pct(latencies, 95)), targetMs: 2000 };
  log(`live while a backlog is forwarded: p50 ${liveWhileBacklog.p50Ms} ms, p95 ${liveWhileBacklog.p95Ms} ms over ${latencies.length} readings`);
  for (const c of again) c.end(true);
  await edge.stop();

  // 4. The budget: a 200-device site's school day in the forward log and the spool.
  const bytesPerRecord = round(logBytes / (devicesN * perDevice), 1);
  const schoolDay = bytesPerRecord * devicesN * DAY_READINGS;
  const spoolMax = ConfigSchema.properties.gateway.properties.spoolMaxBytes.default as number;
  const budget = { bytesPerRecord, schoolDayMiB: round(schoolDay / 1048576, 1), spoolMaxGiB: round(spoolMax / 1073741824, 1), schoolDays: Math.floor(spoolMax / schoolDay), target: 30 };
  log(`forward log ${bytesPerRecord} B per record: a school day of ${devicesN} devices is ${budget.schoolDayMiB} MiB, ${budget.schoolDays} school days in ${budget.spoolMaxGiB} GiB`);
  return {
    date: new Date().toISOString(), quick, shape: { devices: devicesN, readingsPerDevice: perDevice, defaultRatePerSec: defaultRate },
    liveIngest, backlog, liveWhileBacklog, budget,
    rss: { edgeMiB: round(rssKib / 1024), devices: devicesN, targetMiB: 300, steady, nodeOptions: [...EDGE_NODE_OPTIONS], influxd: influxdMem },
  };
}

function canLogIn(url: string, d: BenchDevice): Promise<boolean> {
  return new Promise((resolve) => {
    const c = mqtt.connect(url, { clientId: d.id, username: d.id, password: d.secret, reconnectPeriod: 0, connectTimeout: 5_000 });
    const done = (ok: boolean) => {
      c.end(true);
      resolve(ok);
    };
    c.once('connect', () => done(true));
    c.once('error', () => done(false));
    c.once('close', () => done(false));
  });
}

async function connectAll(url: string, devices: BenchDevice[]): Promise<MqttClient[]> {
  return Promise.all(devices.map((d) => new Promise<MqttClient>((resolve, reject) => {
    const c = mqtt.connect(url, { clientId: d.id, username: d.id, password: d.secret, reconnectPeriod: 0, connectTimeout: 30_000 });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  })));
}

/** Each device publishes `n` readings, QoS 1, one after the other (a device waits for its PUBACK), times from `base`. */
async function publishAll(clients: MqttClient[], n: number, base: number): Promise<void> {
  await Promise.all(clients.map(async (c, i) => {
    const id = (c.options.clientId as string);
    for (let s = 0; s < n; s++) await c.publishAsync(`edu/v1/${id}/telemetry`, readingPayload(base + s * 60_000 + i, s), { qos: 1 });
  }));
}

export function saveEdgeResults(r: EdgeResults): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = JSON.stringify(r, null, 2) + '\n';
  if (r.quick) {
    const scratch = path.join(RESULTS_DIR, 'edge-quick.tmp.json');
    writeFileSync(scratch, json);
    return scratch;
  }
  writeFileSync(path.join(RESULTS_DIR, `edge-${r.date.slice(0, 10)}.json`), json);
  writeFileSync(RESULTS_FILE, json);
  return RESULTS_FILE;
}

const int = (x: number) => x.toLocaleString('en-US');

/** The section of docs/benchmarks.md, from bench/results/edge-latest.json when there is one. */
export function renderEdgeSection(r: EdgeResults | undefined = existsSync(RESULTS_FILE) ? (JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as EdgeResults) : undefined): string[] {
  if (!r) return [];
  return [
    '', '## Edge nodes (issue 21)', '',
    `Measured ${r.date.slice(0, 10)} by \`npm run bench -- --edge-only\` (bench/edge.ts): a provincial EduFleet and an edge node as separate processes, ${r.shape.devices} devices at the edge, ${int(r.shape.readingsPerDevice)} readings each per backlog.`, '',
    '| Figure | Measured | Goal |', '|---|---|---|',
    `| Live ingest at the edge (link cut) | ${int(r.liveIngest.readingsPerS)} readings/s, ${r.liveIngest.edgeCpuUsPerReading} µs CPU per reading | – |`,
    `| Backlog forwarded, rate unbounded | ${int(r.backlog.readingsPerS)} readings/s; CPU per reading ${r.backlog.edgeCpuUsPerReading} µs at the edge, ${r.backlog.provinceCpuUsPerReading} µs at the province | above the default bound of ${int(r.shape.defaultRatePerSec)}/s |`,
    `| A reading of now stored at the province while a backlog is forwarded at ${int(r.shape.defaultRatePerSec)}/s (${r.liveWhileBacklog.samples} samples) | p50 ${int(r.liveWhileBacklog.p50Ms)} ms, p95 ${int(r.liveWhileBacklog.p95Ms)} ms | p95 < ${int(r.liveWhileBacklog.targetMs)} ms |`,
    ...rssRows(r),
    `| School days of a ${r.shape.devices}-device site (a reading a minute for 10 h) in the spool's default budget (${r.budget.spoolMaxGiB} GiB), at ${r.budget.bytesPerRecord} B per record in the forward log | ${int(r.budget.schoolDays)} (${r.budget.schoolDayMiB} MiB a day) | ≥ ${r.budget.target} |`,
  ];
}

/** The memory rows: the edge's RSS at the default rate and after the burst, and its InfluxDB's (older results: one row). */
function rssRows(r: EdgeResults): string[] {
  const { steady, influxd, nodeOptions } = r.rss;
  const who = `${r.rss.devices} devices (broker, gateway, alerts, dashboard, scheduler${nodeOptions ? `; \`${nodeOptions.join(' ')}\`` : ''})`;
  if (!steady || !influxd) return [`| Edge RSS with ${who} | ${r.rss.edgeMiB} MiB | < ${r.rss.targetMiB} MB |`];
  return [
    `| Edge RSS with ${who}, each sending a reading every ${steady.intervalS} s for ${steady.seconds} s | ${steady.lastMiB} MiB at the end, ${steady.peakMiB} MiB at most | < ${r.rss.targetMiB} MB |`,
    `| Edge RSS right after the live-ingest burst (${int(r.shape.devices * r.shape.readingsPerDevice)} readings at ${int(r.liveIngest.readingsPerS)}/s) | ${r.rss.edgeMiB} MiB | < ${r.rss.targetMiB} MB |`,
    `| RSS of the edge's own InfluxDB (its site's charts) with ${int(influxd.readings)} readings in it | ${influxd.rssMiB} MiB | documented beside the edge |`,
  ];
}
