/**
 * Live under a second (issue 13 item 6): a real EduFleet (`edufleet start`, every component, a fresh data dir) with
 * 20,000 tablets provisioned and connected, 1,000 readings/s in total from them, Chromium logged in as a technician
 * on a device page. Publish → value in the page's DOM, ≥ 100 samples, p50 / p95 / p99; the fleet overview's time to
 * first render as admin (province-wide) and as a school technician; EduFleet's CPU µs per reading without and with
 * the browsers open. Writes bench/results/live-latest.json (+ a dated copy); docs/benchmarks.md shows it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManagedInfluxd } from '../lib/influx/index.js';
import { InfluxHttp } from './lib/influx-http.js';
import { firstRenderMs, launchBrowser, loggedIn, publishToDom } from './lib/live-browser.js';
import { SteadyLoad } from './lib/live-load.js';
import { ADMIN, LIVE_PASSWORD, provisionProvince, raiseOwnFileLimit, startLiveChild, TECHNICIAN } from './lib/live-stack.js';
import { closeFleet, connectFleet } from './lib/load.js';
import { CpuMeter, findPid, round, type Cleanup } from './lib/procs.js';
import { REPO_ROOT } from './lib/servers.js';

export const LIVE_TARGET = { p95Ms: 1000, firstRenderMs: 2000 };

interface CpuPhase { seconds: number; readings: number; usPerReading: Record<string, number>; cores: Record<string, number> }
interface Render { path: string; selector: string; loadsMs: number[]; medianMs: number }

export interface LiveBenchResults {
  benchmark: 'live';
  date: string;
  machine: { cpus: number; cpuModel: string; node: string; influxdb: string };
  shape: { devices: number; connected: number; openFiles: number; schools: number; ratePerS: number; achievedPerS: number; liveDeviceIntervalMs: number | 'default'; samples: number; loads: number };
  setupS: { provision: number; connect: number };
  latencyMs: { samples: number[]; p50: number; p95: number; p99: number; max: number };
  firstRender: { admin: Render; technician: Render; technicianHealth: Render };
  cpu: { withoutBrowser: CpuPhase; withBrowsers: CpuPhase };
  /** EduFleet's event-loop delay during the samples (absent in the first run's file). */
  loopLagMs?: { p50: number; p99: number; max: number };
  target: typeof LIVE_TARGET & { met: boolean };
}

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!; };
const median = (xs: number[]) => pct(xs, 50);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * EduFleet's event-loop delay since the previous scrape (prom-client resets its histogram on each collect), from
 * /metrics on loopback: a stalled loop delays every push, whatever the tick.
 */
async function loopLagMs(dashboardUrl: string): Promise<{ p50: number; p99: number; max: number } | undefined> {
  try {
    const text = await (await fetch(`${dashboardUrl}/metrics`)).text();
    const get = (name: string) => Number(new RegExp(`^edufleet_nodejs_eventloop_lag_${name}_seconds\\s+(\\S+)`, 'm').exec(text)?.[1]) * 1000;
    return { p50: round(get('p50'), 1), p99: round(get('p99'), 1), max: round(get('max'), 1) };
  } catch {
    return undefined;
  }
}

async function cpuPhase(roles: Record<string, number | 'self'>, load: SteadyLoad, during: () => Promise<unknown>): Promise<CpuPhase> {
  const meter = new CpuMeter(roles);
  const sent0 = load.sent;
  meter.start();
  await during();
  const m = meter.stop();
  const readings = load.sent - sent0;
  return { seconds: round(m.wallS, 1), readings, usPerReading: CpuMeter.figure(m, readings).usPerItem, cores: m.cores };
}

export async function benchLive(cleanup: Cleanup, o: { devices?: number; ratePerS?: number; samples?: number; loads?: number; intervalMs?: number; log?: (s: string) => void } = {}): Promise<LiveBenchResults> {
  const devicesN = o.devices ?? 20_000;
  const ratePerS = o.ratePerS ?? 1_000;
  const samples = o.samples ?? 100;
  const loads = o.loads ?? 3;
  const log = o.log ?? ((s: string) => console.log(`live: ${s}`));
  const limit = raiseOwnFileLimit();
  // Without 65,536 open files (a container may refuse prlimit even to root) EduFleet's connection cap is the limit
  // less its 1,024-file reserve, and this process needs a few hundred files of its own: that many devices connect.
  const connectable = limit.raised ? devicesN : Math.min(devicesN, limit.soft - 1_024, limit.soft - 600);
  if (connectable < devicesN) log(`open-file limit ${limit.soft} (prlimit refused): ${connectable} of ${devicesN} devices connect`);
  const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'edufleet-live-'));
  cleanup.add('live temporary directory', () => rmSync(tmpRoot, { recursive: true, force: true }));
  const influxd = new ManagedInfluxd(path.join(tmpRoot, 'influxdb'));
  cleanup.add('influxd (live)', () => influxd.stop());
  const influx = new InfluxHttp(await influxd.start(), influxd.credentials);
  const influxdPid = findPid(path.join(tmpRoot, 'influxdb', 'influxdb.conf'));
  const dataDir = path.join(tmpRoot, 'edufleet');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  let t = performance.now();
  const fleet = await provisionProvince(dataDir, devicesN);
  const provision = round((performance.now() - t) / 1000, 1);
  log(`${devicesN} devices in ${fleet.schools} schools provisioned in ${provision} s`);
  const env = o.intervalMs ? { EDUFLEET_DASHBOARD_LIVE_DEVICE_INTERVAL_MS: String(o.intervalMs) } : undefined;
  const child = await startLiveChild({ influxUrl: influx.url, influxCredentials: influx.credentials, database: 'edufleet', dataDir, env, prlimit: limit.raised }, cleanup);
  t = performance.now();
  const clients = await connectFleet(child.mqttUrl, fleet.devices.slice(0, connectable), 100);
  cleanup.add('live MQTT fleet', () => closeFleet(clients));
  const connect = round((performance.now() - t) / 1000, 1);
  log(`${connectable} devices connected in ${connect} s; load ${ratePerS} readings/s`);

  const watchedIdx = fleet.devices.indexOf(fleet.watched);
  const load = new SteadyLoad(clients.filter((_, i) => i !== watchedIdx), fleet.devices.slice(0, connectable).filter((_, i) => i !== watchedIdx), ratePerS);
  load.start();
  cleanup.add('live load', () => load.stop());
  await sleep(5_000); // past the first presence changes of the connection burst
  const roles = { EduFleet: child.pid, ...(influxdPid ? { influxd: influxdPid } : {}), 'bench (load + browser driver)': 'self' as const };
  const withoutBrowser = await cpuPhase(roles, load, () => sleep(20_000));
  log(`without a browser: EduFleet ${withoutBrowser.usPerReading.EduFleet} µs per reading`);

  const browser = await launchBrowser();
  cleanup.add('Chromium', () => browser.close());
  const admin = await loggedIn(browser, child.dashboardUrl, ADMIN, LIVE_PASSWORD);
  await admin.page.goto(`${child.dashboardUrl}/`); // the province overview stays open while the technician works
  await admin.page.getByTestId('total-all').waitFor({ timeout: 120_000 });
  const tech = await loggedIn(browser, child.dashboardUrl, TECHNICIAN, LIVE_PASSWORD);
  await tech.page.goto(`${child.dashboardUrl}/devices/${fleet.watched.id}`);
  await tech.page.getByTestId('field-storageFree').waitFor({ timeout: 120_000 });
  let latency: number[] = [];
  await loopLagMs(child.dashboardUrl);
  const withBrowsers = await cpuPhase(roles, load, async () => { latency = await publishToDom(tech.page, clients[watchedIdx]!, fleet.watched.id, samples); });
  const loopLag = await loopLagMs(child.dashboardUrl);
  log(`publish → DOM p50 ${median(latency)} ms, p95 ${pct(latency, 95)} ms (target < ${LIVE_TARGET.p95Ms} ms); EduFleet ${withBrowsers.usPerReading.EduFleet} µs per reading`);

  const render = async (context: typeof admin.context, p: string, selector: string): Promise<Render> => {
    const loadsMs: number[] = [];
    for (let i = 0; i < loads; i++) loadsMs.push(await firstRenderMs(context, `${child.dashboardUrl}${p}`, selector));
    return { path: p, selector, loadsMs, medianMs: median(loadsMs) };
  };
  const firstRender = {
    admin: await render(admin.context, '/', '[data-testid="total-all"]'),
    technician: await render(tech.context, '/', '[data-testid="total-all"]'),
    technicianHealth: await render(tech.context, '/health', '[data-testid^="health-place-"]'),
  };
  log(`first render: admin ${firstRender.admin.medianMs} ms, technician ${firstRender.technician.medianMs} ms (/health ${firstRender.technicianHealth.medianMs} ms)`);
  const achievedPerS = round(load.achievedPerS(), 0);
  load.stop();

  const p95 = pct(latency, 95);
  return {
    benchmark: 'live',
    date: new Date().toISOString(),
    machine: { cpus: os.availableParallelism(), cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown', node: process.version, influxdb: await influx.version() },
    shape: { devices: devicesN, connected: connectable, openFiles: limit.soft, schools: fleet.schools, ratePerS, achievedPerS, liveDeviceIntervalMs: o.intervalMs ?? 'default', samples, loads },
    setupS: { provision, connect },
    latencyMs: { samples: latency, p50: median(latency), p95, p99: pct(latency, 99), max: Math.max(...latency) },
    firstRender,
    cpu: { withoutBrowser, withBrowsers },
    ...(loopLag ? { loopLagMs: loopLag } : {}),
    target: { ...LIVE_TARGET, met: p95 < LIVE_TARGET.p95Ms && firstRender.admin.medianMs < LIVE_TARGET.firstRenderMs && firstRender.technician.medianMs < LIVE_TARGET.firstRenderMs },
  };
}

/** What brought the p95 under a second, and where the full stack's CPU per reading goes (hand-written). */
const LIVE_ANALYSIS = [
  '**What it took.** A user found p50 379 ms and p95 1,168 ms. Two causes. (1) The device tick was the 1 s',
  '`liveIntervalMs`; it is now `dashboard.liveDeviceIntervalMs`, 250 ms, still one emit per changed device per tick',
  '(never one per reading). (2) The alert engine judged a province-wide pass in one turn of the event loop (a device',
  'without a change awaits nothing real), holding the loop, and so MQTT acknowledgements and live pushes, for up to',
  '1.3 s (the event-loop delay\'s max in the first run); a pass now yields every 250 devices (alerts/engine.ts,',
  'test/alerts/engine-yield.test.ts). A device page opened by its link also got no push at all before (web/live.ts).',
  '**Where the CPU goes.** The whole stack costs about 300 µs per reading at 1,000 readings/s with 19,000 connections,',
  'ten times the ingest path alone (~28 µs, above): per reading, the health signals are kept and flushed to the registry',
  '(one row per device that reported, every 2 s), the alert engine judges every device whose signals changed (every',
  '5 s), and the keepalives of 19,000 connections arrive at ~320/s. With browsers open it rises to ~450 µs: the admin\'s',
  'province-wide `devices` batches (one per school room per tick) and the overview\'s refresh. What would lower it:',
  'flush only signals that changed what a rule reads, judge only devices whose rule inputs changed, and coalesce a',
  'socket\'s school batches into one emit per tick.',
  '',
];

export const LIVE_RESULTS = path.join(REPO_ROOT, 'bench', 'results', 'live-latest.json');

/** Experiments (another tick, fewer devices) go to a scratch file; the default shape is the one the docs show. */
export function saveLiveResults(r: LiveBenchResults, experiment = false): string {
  mkdirSync(path.dirname(LIVE_RESULTS), { recursive: true });
  const json = JSON.stringify(r, null, 2) + '\n';
  if (experiment) {
    const scratch = path.join(path.dirname(LIVE_RESULTS), 'live-experiment.tmp.json');
    writeFileSync(scratch, json);
    return scratch;
  }
  writeFileSync(path.join(path.dirname(LIVE_RESULTS), `live-${r.date.slice(0, 10)}.json`), json);
  writeFileSync(LIVE_RESULTS, json);
  return LIVE_RESULTS;
}

/** The section of docs/benchmarks.md, from bench/results/live-latest.json when the benchmark has been run. */
export function renderLiveSection(): string[] {
  if (!existsSync(LIVE_RESULTS)) return [];
  const r = JSON.parse(readFileSync(LIVE_RESULTS, 'utf8')) as LiveBenchResults;
  const ms = (x: number) => `${Math.round(x).toLocaleString('en-US')} ms`;
  const ok = (met: boolean) => (met ? 'met' : '**missed**');
  const fr = (x: Render, who: string) => `| first render ${who} (\`${x.path}\`, navigation start → \`${x.selector}\` drawn; median of ${x.loadsMs.length}: ${x.loadsMs.join(', ')}) | **${ms(x.medianMs)}** | < ${ms(r.target.firstRenderMs)} (proposed) | ${ok(x.medianMs < r.target.firstRenderMs)} |`;
  const us = (c: CpuPhase) => `${c.usPerReading.EduFleet ?? '–'} µs (influxd ${c.usPerReading.influxd ?? '–'} µs; bench ${c.usPerReading['bench (load + browser driver)'] ?? '–'} µs)`;
  return [
    '## Live under a second: publish → visible in Chromium',
    '',
    `Run ${r.date.slice(0, 10)} on ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, InfluxDB ${r.machine.influxdb}. \`edufleet start\``,
    `(every component) on a fresh data directory${r.shape.connected === r.shape.devices ? ' under `prlimit --nofile=65536`' : ''}; ${r.shape.devices.toLocaleString('en-US')} tablets in ${r.shape.schools} schools,`,
    `${r.shape.connected === r.shape.devices ? 'all' : `${r.shape.connected.toLocaleString('en-US')} (open-file limit ${r.shape.openFiles}: the container refused prlimit)`} connected (in ${r.setupS.connect} s), publishing ${r.shape.ratePerS.toLocaleString('en-US')} readings/s in total (achieved ${r.shape.achievedPerS}/s); device tick`,
    `\`dashboard.liveDeviceIntervalMs\` = ${r.shape.liveDeviceIntervalMs}. Chromium (headless) as a school technician on a device page, an admin on the`,
    `province overview meanwhile. ${r.latencyMs.samples.length} samples: the bench publishes a distinctive storageFree from the device's own connection`,
    'and a MutationObserver in the page notes when the cell shows it (Date.now() on both sides, same machine).',
    '',
    '| figure | measured | target | |',
    '|---|---:|---:|---|',
    `| publish → DOM p50 | ${ms(r.latencyMs.p50)} | | |`,
    `| publish → DOM **p95** | **${ms(r.latencyMs.p95)}** | < ${ms(r.target.p95Ms)} | ${ok(r.latencyMs.p95 < r.target.p95Ms)} |`,
    `| publish → DOM p99 / max | ${ms(r.latencyMs.p99)} / ${ms(r.latencyMs.max)} | | |`,
    fr(r.firstRender.admin, 'as admin (whole province)'),
    fr(r.firstRender.technician, 'as a school technician'),
    fr(r.firstRender.technicianHealth, 'of the technician\'s home screen'),
    `| EduFleet CPU per reading, no browser open (${r.cpu.withoutBrowser.seconds} s) | ${us(r.cpu.withoutBrowser)} | | |`,
    `| EduFleet CPU per reading, browsers open (${r.cpu.withBrowsers.seconds} s) | ${us(r.cpu.withBrowsers)} | not blown up | |`,
    `| other processes meanwhile (Chromium, anything else on the box), % of one core | ${r.cpu.withoutBrowser.cores['other processes'] ?? '–'} / ${r.cpu.withBrowsers.cores['other processes'] ?? '–'} | | |`,
    ...(r.loopLagMs ? [`| EduFleet event-loop delay during the samples p50 / p99 / max | ${r.loopLagMs.p50} / ${r.loopLagMs.p99} / ${r.loopLagMs.max} ms | | |`] : []),
    '',
    ...LIVE_ANALYSIS,
    '```sh',
    'npm run bench -- --live-only                        # this benchmark alone (root: it raises the open-file limit)',
    'npm run bench -- --live-only --live-interval 1000   # the same with the old 1 s tick (an experiment: scratch file)',
    '```',
    '',
  ];
}
