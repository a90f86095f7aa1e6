/**
 * `npm run bench`: the end-to-end benchmark. In one run, interleaved, three times each:
 *   (a) EduFleet: simulated devices → broker + gateway (child process) → fsynced spool → InfluxDB, counted back;
 *       and the same with the health signals and alert rules off, for what rule evaluation costs ingest;
 *   (b) raw InfluxDB: the same points POSTed as line protocol straight to the same influxd;
 *   (c) Mosquitto: the same MQTT load, acknowledged messages per second (nothing stored).
 * Writes bench/results/e2e-<date>.json and latest.json and regenerates docs/benchmarks.md. See bench/README.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ManagedInfluxd } from '../lib/influx/index.js';
import { readingPayload, totalMessages, type LoadShape } from './lib/fleet.js';
import { InfluxHttp } from './lib/influx-http.js';
import { Cleanup, findPid, waitForQuiet } from './lib/procs.js';
import { summarizeProfile } from './lib/profile.js';
import { renderMarkdown } from './lib/report.js';
import { benchUsageReport, saveUsageResults } from './usage-report.js';
import { benchLive, saveLiveResults } from './live.js';
import { benchStorm, saveStormResults } from './storm.js';
import { benchCluster, saveClusterResults } from './cluster.js';
import { benchEdge, saveEdgeResults } from './edge.js';
import { summarize, type E2eResults } from './lib/results.js';
import { machineInfo } from './lib/machine.js';
import { newestProfile, RAW_BATCH, RAW_CONCURRENCY, runEdufleet, runRawInflux, type BenchContext, type CpuFigure } from './lib/scenarios.js';
import { runLatency, runMosquitto } from './lib/broker-scenarios.js';
import { REPO_ROOT, shebangNodeArgs } from './lib/servers.js';

const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');
const DOCS_FILE = path.join(REPO_ROOT, 'docs', 'benchmarks.md');
const TARGET = { min: 0.25, goal: 0.5 };

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    devices: { type: 'string' },
    messages: { type: 'string' },
    window: { type: 'string' },
    profile: { type: 'string', default: 'auto' },
    render: { type: 'boolean', default: false },
    'usage-only': { type: 'boolean', default: false },
    'e2e-only': { type: 'boolean', default: false },
    'live-only': { type: 'boolean', default: false },
    'live-interval': { type: 'string' },
    'live-devices': { type: 'string' },
    'storm-only': { type: 'boolean', default: false },
    'cluster-only': { type: 'boolean', default: false },
    'edge-only': { type: 'boolean', default: false },
    edufleet: { type: 'string' },
    'node-args': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

const experiment = Boolean(args.edufleet || args['node-args']);

const USAGE = `npm run bench -- [options]
  --quick            smoke run: 50 devices x 200 readings, 1 round, no profile; writes bench/results/e2e-quick.tmp.json only
  --runs <n>         rounds (each: raw InfluxDB, EduFleet QoS 1 and 0, without alert rules, Mosquitto auth+ACL QoS 1 and 0, anonymous, latency), default 3
  --devices <n>      simulated devices, default 200
  --messages <n>     readings per device, default 1500
  --window <n>       QoS 1 publishes each device keeps unacknowledged, default 20
  --profile <when>   auto (profile the EduFleet child when under the 25 % target) | always | never
  --edufleet <dir>   run the EduFleet of another checkout (e.g. a git worktree with a patch) against the same references
  --node-args=<s>    Node options for the EduFleet child, e.g. --node-args="--max-semi-space-size=64"
  --render           only regenerate docs/benchmarks.md from bench/results/latest.json
  --usage-only       only the province planning report benchmark (bench/usage-report.ts)
  --e2e-only         only the end-to-end ingest benchmark
  --live-only        only live under a second (bench/live.ts); --live-interval <ms> / --live-devices <n>: an experiment (scratch file)
  --storm-only       only the reconnect storm and connections benchmark (bench/storm.ts; with --quick: 2,000 devices, 1 restart)
  --cluster-only     only several machines: 4 broker nodes, 2 dashboards, PostgreSQL, Redis, HAProxy (bench/cluster.ts;
                     with --quick: 2,000 devices, 500 through HAProxy, 1 round, 10 samples; scratch file only)
  --edge-only        only edge nodes: edge RSS at the default rate and after a burst, its InfluxDB's RSS, live
                     ingest, backlog forwarding, live while a backlog is forwarded, spool budget (bench/edge.ts; with
                     --quick: 50 readings a device, 1 minute at the default rate; scratch file only)
Runs with --edufleet or --node-args are experiments: they write bench/results/e2e-experiment.tmp.json, not the docs.`;

function loadShape(): { shape: LoadShape; runs: number } {
  const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
  const shape = {
    devices: num(args.devices, args.quick ? 50 : 200),
    messagesPerDevice: num(args.messages, args.quick ? 200 : 1500),
    window: num(args.window, 20),
  };
  const runs = num(args.runs, args.quick ? 1 : 3);
  for (const [k, v] of Object.entries({ ...shape, runs })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} must be a positive integer, got ${v}`);
  }
  return { shape, runs };
}

/** Rotates the order per round (raw, EduFleet, Mosquitto; then EduFleet, Mosquitto, raw …) so no scenario always goes first. */
const SCENARIOS = ['raw', 'edufleet', 'mosquitto', 'norules', 'edufleet-q0', 'mosquitto-q0', 'mosquitto-anon', 'latency'] as const;
const roundOrder = (r: number) => SCENARIOS.map((_, i) => SCENARIOS[(i + r) % SCENARIOS.length]!);

/** A run during which other processes took more than this share of a core is repeated (twice at most). */
const DISTURBED_PCT = 25;
const isDisturbed = (x: { cpu: CpuFigure }) => (x.cpu.cores['other processes'] ?? 0) > DISTURBED_PCT;

const latencyCpu = (l: Awaited<ReturnType<typeof runLatency>>): { cpu: CpuFigure } => {
  const worst = l.flatMap((b) => b.qos.map((q) => q.cpu)).sort((a, b) => (b.cores['other processes'] ?? 0) - (a.cores['other processes'] ?? 0))[0];
  return { cpu: worst ?? { cores: {}, machineBusyPct: 0 } };
};

async function measureOne<T extends { cpu: CpuFigure }>(name: string, r: number, run: () => Promise<T>, discarded: string[]): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    // A smoke run checks that everything works, not the figures: it neither waits for a quiet machine nor repeats.
    const busy = args.quick ? 0 : await waitForQuiet();
    if (busy > 5) console.log(`  (machine ${busy} % busy with other work before this run)`);
    const result = log(name, r, await run());
    if (args.quick || !isDisturbed(result) || attempt === 3) return result;
    console.log(`  ${name} #${r} disturbed by other processes; repeating it`);
    discarded.push(`${name}#${r}: ${JSON.stringify(result)}`);
  }
}

async function measure(ctx: BenchContext, runs: number): Promise<Pick<E2eResults, 'runs' | 'order' | 'discarded'>> {
  const out: E2eResults['runs'] = { raw: [], edufleet: [], mosquitto: [], edufleetNoRules: [], edufleetQos0: [], mosquittoQos0: [], mosquittoAnon: [], latency: [] };
  const order: string[] = [];
  const discarded: string[] = [];
  for (let r = 1; r <= runs; r++) {
    for (const s of roundOrder(r - 1)) {
      order.push(`${s}#${r}`);
      if (s === 'raw') out.raw.push(await measureOne(s, r, () => runRawInflux(ctx, r), discarded));
      if (s === 'edufleet') out.edufleet.push(await measureOne(s, r, () => runEdufleet(ctx, r), discarded));
      if (s === 'mosquitto') out.mosquitto.push(await measureOne(s, r, () => runMosquitto(ctx, r), discarded));
      if (s === 'norules') out.edufleetNoRules!.push(await measureOne(s, r, () => runEdufleet(ctx, r, undefined, { rules: false }), discarded));
      if (s === 'edufleet-q0') out.edufleetQos0!.push(await measureOne(s, r, () => runEdufleet(ctx, r, undefined, { rules: true, qos: 0 }), discarded));
      if (s === 'mosquitto-q0') out.mosquittoQos0!.push(await measureOne(s, r, () => runMosquitto(ctx, r, { auth: true, qos: 0 }), discarded));
      if (s === 'mosquitto-anon') out.mosquittoAnon!.push(await measureOne(s, r, () => runMosquitto(ctx, r, { auth: false, qos: 1 }), discarded));
      if (s === 'latency') out.latency!.push((await measureOne(s, r, async () => { const runs = await runLatency(ctx, r); return { runs, ...latencyCpu(runs) }; }, discarded)).runs);
    }
  }
  return { runs: out, order, discarded };
}

function log<T extends object>(scenario: string, r: number, result: T): T {
  console.log(`  ${scenario.padEnd(9)} #${r}  ${JSON.stringify(result)}`);
  return result;
}

async function profileEdufleet(ctx: BenchContext): Promise<E2eResults['profile']> {
  const dir = path.join(ctx.tmpRoot, 'cpuprof');
  mkdirSync(dir, { recursive: true });
  console.log('bench: profiling the EduFleet child (node --cpu-prof), one extra run not counted in the medians');
  const run = await runEdufleet(ctx, 0, dir);
  const file = newestProfile(dir);
  if (!file) throw new Error(`node --cpu-prof wrote no profile into ${dir}`);
  const keep = path.join(RESULTS_DIR, 'e2e-edufleet.tmp.cpuprofile');
  writeFileSync(keep, readFileSync(file));
  return { run, summary: { ...summarizeProfile(file, ctx.edufleet.root ?? REPO_ROOT), file: path.relative(REPO_ROOT, keep) } };
}

async function bench(cleanup: Cleanup): Promise<E2eResults> {
  const { shape, runs } = loadShape();
  const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'edufleet-bench-'));
  cleanup.add('temporary directory', () => rmSync(tmpRoot, { recursive: true, force: true }));
  const influxd = new ManagedInfluxd(path.join(tmpRoot, 'influxdb'));
  cleanup.add('influxd', () => influxd.stop());
  const influx = new InfluxHttp(await influxd.start(), influxd.credentials);
  const edufleet = { root: args.edufleet ? path.resolve(args.edufleet) : undefined, nodeArgs: args['node-args']?.split(' ').filter(Boolean) };
  const ctx: BenchContext = { influx, influxdPid: findPid(path.join(tmpRoot, 'influxdb', 'influxdb.conf')), tmpRoot, shape, cleanup, edufleet };
  const total = totalMessages(shape);
  console.log(`bench: ${shape.devices} devices x ${shape.messagesPerDevice} readings = ${total} per run, window ${shape.window}, ${runs} round(s); influxd at ${influx.url}`);
  const measured = await measure(ctx, runs);
  const summary = summarize(measured.runs);
  const met = summary.ratios.edufleetVsRaw >= TARGET.min;
  const wantProfile = args.profile === 'always' || (args.profile === 'auto' && !met && !args.quick);
  return {
    benchmark: 'e2e',
    date: new Date().toISOString(),
    quick: args.quick,
    machine: await machineInfo(influx),
    load: {
      ...shape, total, payloadBytes: Buffer.byteLength(readingPayload(Date.now(), 500)),
      rawBatchPoints: RAW_BATCH, rawConcurrency: RAW_CONCURRENCY,
      edufleetConfig: `defaults (batchMaxPoints 5000, flushIntervalMs 1000, groupCommitMs 2) except the per-device publish rate (1,000,000/s: the bucket runs, never throttles); log level warn; node ${[...shebangNodeArgs(edufleet.root), ...(edufleet.nodeArgs ?? [])].join(' ') || 'without options'}; commit ${gitHead()}`
        + (edufleet.root ? `; checkout ${edufleet.root}` : ''),
    },
    ...measured,
    ...summary,
    target: { ...TARGET, met },
    ...(wantProfile ? { profile: await profileEdufleet(ctx) } : {}),
  };
}

/** The commit EduFleet was measured at, with `+changes` when the tree has uncommitted changes outside bench/. */
function gitHead(): string {
  const run = (a: string[]) => spawnSync('git', a, { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.trim();
  const head = run(['rev-parse', '--short', 'HEAD']) || 'unknown';
  const dirty = run(['status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench', ':!docs/benchmarks.md']);
  return dirty ? `${head}+changes` : head;
}

function save(results: E2eResults): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = JSON.stringify(results, null, 2) + '\n';
  const scratch = results.quick ? 'e2e-quick.tmp.json' : experiment ? 'e2e-experiment.tmp.json' : undefined;
  if (scratch) {
    writeFileSync(path.join(RESULTS_DIR, scratch), json);
    console.log(`bench: written to bench/results/${scratch} only (docs left alone)`);
    return;
  }
  const dated = path.join(RESULTS_DIR, `e2e-${results.date.slice(0, 10)}.json`);
  writeFileSync(dated, json);
  writeFileSync(path.join(RESULTS_DIR, 'latest.json'), json);
  writeFileSync(DOCS_FILE, renderMarkdown(results));
  console.log(`bench: wrote ${path.relative(REPO_ROOT, dated)}, bench/results/latest.json and docs/benchmarks.md`);
}

/** The groups `--<group>-only` selects; without such a flag, every group runs. */
const GROUPS = ['e2e', 'usage', 'live', 'storm', 'cluster', 'edge'] as const;
const only = GROUPS.filter((g) => args[`${g}-only`]);
const wants = (g: (typeof GROUPS)[number]): boolean => !only.length || only.includes(g);

async function main(): Promise<void> {
  if (args.help) return console.log(USAGE);
  if (args.render) {
    writeFileSync(DOCS_FILE, renderMarkdown(JSON.parse(readFileSync(path.join(RESULTS_DIR, 'latest.json'), 'utf8')) as E2eResults));
    return console.log('bench: docs/benchmarks.md regenerated from bench/results/latest.json');
  }
  const cleanup = new Cleanup();
  const onSignal = (sig: string) => {
    console.error(`bench: ${sig}, stopping everything it started`);
    void cleanup.stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (wants('e2e')) {
      const mark = cleanup.mark();
      try {
        const results = await bench(cleanup);
        save(results);
        const { medians: m, ratios } = results;
        console.log(`bench: medians raw InfluxDB ${m.rawPointsPerS}/s, EduFleet durable ${m.edufleetDurablePerS}/s (acknowledged ${m.edufleetAckPerS}/s), Mosquitto ${m.mosquittoAckPerS}/s; EduFleet/raw = ${(ratios.edufleetVsRaw * 100).toFixed(1)} %; rules on/off = ${ratios.rulesOnVsOff ?? '–'}`);
      } finally {
        // The group's servers, load and browser stop now: the next group measures a quiet machine.
        await cleanup.stopAll(mark);
      }
    }
    if (wants('usage') && !args.quick && !experiment) {
      const mark = cleanup.mark();
      try {
        const u = await benchUsageReport();
        saveUsageResults(u);
        writeFileSync(DOCS_FILE, renderMarkdown(JSON.parse(readFileSync(path.join(RESULTS_DIR, 'latest.json'), 'utf8')) as E2eResults));
        console.log(`bench: province report median ${u.medians.reportMs} ms (target < ${u.targetMs} ms), planner ${u.medians.planningMs} ms, PDF ${u.medians.pdfMs} ms; bare InfluxDB sum ${u.medians.rawSumMs} ms`);
      } finally {
        // The group's servers, load and browser stop now: the next group measures a quiet machine.
        await cleanup.stopAll(mark);
      }
    }
    if (wants('live') && !args.quick && !experiment) {
      const mark = cleanup.mark();
      try {
        const liveExperiment = Boolean(args['live-interval'] || args['live-devices']);
        const l = await benchLive(cleanup, { intervalMs: args['live-interval'] ? Number(args['live-interval']) : undefined, devices: args['live-devices'] ? Number(args['live-devices']) : undefined });
        console.log(`bench: live p95 ${l.latencyMs.p95} ms (target < ${l.target.p95Ms} ms) written to ${saveLiveResults(l, liveExperiment)}`);
        if (!liveExperiment) writeFileSync(DOCS_FILE, renderMarkdown(JSON.parse(readFileSync(path.join(RESULTS_DIR, 'latest.json'), 'utf8')) as E2eResults));
      } finally {
        // The group's servers, load and browser stop now: the next group measures a quiet machine.
        await cleanup.stopAll(mark);
      }
    }
    if (wants('storm') && (args['storm-only'] || (!args.quick && !experiment))) {
      const mark = cleanup.mark();
      try {
        const prof = args.profile === 'always' ? { cpuProfDir: path.join(RESULTS_DIR, 'storm.tmp.prof') } : {};
        const st = await benchStorm(cleanup, args.quick ? { devices: 2_000, stormDevices: 1_500, restarts: 1, idleS: 5, ...prof } : prof);
        saveStormResults(st, args.quick);
        if (!args.quick) writeFileSync(DOCS_FILE, renderMarkdown(JSON.parse(readFileSync(path.join(RESULTS_DIR, 'latest.json'), 'utf8')) as E2eResults));
        console.log(`bench: storm ${st.medians.seconds ?? 'not settled'} s to all ${st.shape.stormDevices} back (target ≤ ${st.targetS} s), CPU child ${st.medians.childCpuS} s + load ${st.medians.loadCpuS} s; ${st.connections.kibPerDevice} KiB RSS per connection, ${st.connections.idleCpuPct} % of a core at rest with ${st.connections.devices} connected`);
      } finally {
        // The group's servers, load and browser stop now: the next group measures a quiet machine.
        await cleanup.stopAll(mark);
      }
    }
    if (wants('cluster') && (args['cluster-only'] || (!args.quick && !experiment))) {
      const mark = cleanup.mark();
      try {
        const c = await benchCluster(cleanup, { quick: args.quick });
        const file = saveClusterResults(c);
        if (!c.quick) writeFileSync(DOCS_FILE, renderMarkdown(JSON.parse(readFileSync(path.join(RESULTS_DIR, 'latest.json'), 'utf8')) as E2eResults));
        console.log(`bench: cluster ${c.shape.devices} devices on ${c.shape.nodes} nodes in ${c.connect.seconds} s; failover ${c.failover.seconds ?? 'not settled'} s (through HAProxy ${c.haproxy.seconds ?? 'not settled'} s, target < 30 s); CPU per reading ${c.cpu.ratio}× a single node (target ≤ 1.1×); live p95 ${c.live.p95} ms (target < 1,000 ms); written to ${path.relative(REPO_ROOT, file)}`);
      } finally {
        // The group's servers, load and browser stop now: the next group measures a quiet machine.
        await cleanup.stopAll(mark);
      }
    }
    if (wants('edge') && (args['edge-only'] || (!args.quick && !experiment))) {
      const mark = cleanup.mark();
      try {
        const e = await benchEdge(cleanup, { quick: args.quick });
        const file = saveEdgeResults(e);
        if (!e.quick) writeFileSync(DOCS_FILE, renderMarkdown(JSON.parse(readFileSync(path.join(RESULTS_DIR, 'latest.json'), 'utf8')) as E2eResults));
        console.log(`bench: edge backlog ${e.backlog.readingsPerS}/s (CPU per reading ${e.backlog.edgeCpuUsPerReading} µs edge, ${e.backlog.provinceCpuUsPerReading} µs province) beside live ingest ${e.liveIngest.readingsPerS}/s; live while backlog p95 ${e.liveWhileBacklog.p95Ms} ms (target < 2,000 ms); edge RSS ${e.rss.steady?.lastMiB ?? '–'} MiB at the default rate, ${e.rss.edgeMiB} MiB after the burst with ${e.rss.devices} devices (target < 300 MB), its InfluxDB ${e.rss.influxd?.rssMiB ?? '–'} MiB; ${e.budget.schoolDays} school days in the spool budget (target ≥ 30); written to ${path.relative(REPO_ROOT, file)}`);
      } finally {
        // The group's servers, load and browser stop now: the next group measures a quiet machine.
        await cleanup.stopAll(mark);
      }
    }
  } finally {
    await cleanup.stopAll();
  }
}

main().catch((err: unknown) => {
  console.error('bench failed:', err);
  process.exitCode = 1;
});
