/**
 * A/B of EduFleet's broker+gateway CPU per durable reading, interleaved (issue 13 item 3): scenario (a) of
 * bench/run.ts for two checkouts against one influxd, alternating A, B, B, A … so that a busy spell of the shared
 * machine falls on both. Prints each run and the medians; with --profile, one profiled run of each at the end.
 *   node --import tsx bench/experiments/ab-cpu.ts --a /tmp/base --b . [--runs 5] [--devices 200] [--messages 750] [--rules off] [--b-rules off] [--profile]
 * --a-env / --b-env K=V,K=V: EduFleet settings for one side (e.g. EDUFLEET_GATEWAY_GROUP_COMMIT_MS=5).
 * --b-rules off runs B with the health signals and alert rules off. Both checkouts need `npm run build:server` first.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ManagedInfluxd } from '../../lib/influx/index.js';
import { InfluxHttp } from '../lib/influx-http.js';
import { Cleanup, findPid } from '../lib/procs.js';
import { summarizeProfile } from '../lib/profile.js';
import { newestProfile, runEdufleet, type BenchContext, type EdufleetRun } from '../lib/scenarios.js';

const { values: args } = parseArgs({
  options: {
    a: { type: 'string' }, b: { type: 'string' }, runs: { type: 'string', default: '5' },
    devices: { type: 'string', default: '200' }, messages: { type: 'string', default: '750' },
    rules: { type: 'string', default: 'on' }, 'a-env': { type: 'string' }, 'b-env': { type: 'string' }, 'b-rules': { type: 'string' }, qos: { type: 'string', default: '1' }, profile: { type: 'boolean', default: false },
  },
});

const EF = 'edufleet (broker+gateway)';
const median = (xs: number[]) => { const s = [...xs].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

async function main(): Promise<void> {
  const cleanup = new Cleanup();
  try {
    const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'edufleet-ab-'));
    cleanup.add('temporary directory', () => rmSync(tmpRoot, { recursive: true, force: true }));
    const influxd = new ManagedInfluxd(path.join(tmpRoot, 'influxdb'));
    cleanup.add('influxd', () => influxd.stop());
    const influx = new InfluxHttp(await influxd.start(), influxd.credentials);
    const shape = { devices: Number(args.devices), messagesPerDevice: Number(args.messages), window: 20 };
    const envOf = (s?: string): Record<string, string> => Object.fromEntries((s ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));
    const ctxOf = (root: string, env?: string): BenchContext => ({
      influx, influxdPid: findPid(path.join(tmpRoot, 'influxdb', 'influxdb.conf')), tmpRoot, shape, cleanup, edufleet: { root: path.resolve(root), env: envOf(env) },
    });
    const sides = { A: ctxOf(args.a!, args['a-env']), B: ctxOf(args.b!, args['b-env']) };
    const opts = { rules: args.rules !== 'off', qos: Number(args.qos) as 0 | 1 };
    // --b-rules off with --a and --b the same checkout: what the health signals and alert rules cost.
    const optsOf = (side: 'A' | 'B') => (side === 'B' && args['b-rules'] ? { ...opts, rules: args['b-rules'] !== 'off' } : opts);
    const got: Record<'A' | 'B', EdufleetRun[]> = { A: [], B: [] };
    const runs = Number(args.runs);
    for (let r = 1; r <= runs; r++) {
      for (const side of (r % 2 ? ['A', 'B'] : ['B', 'A']) as ('A' | 'B')[]) {
        const run = await runEdufleet(sides[side], r, undefined, optsOf(side));
        got[side].push(run);
        console.log(`${side} #${r} ${run.cpu.usPerItem?.[EF]} µs/reading (influxd ${run.cpu.usPerItem?.influxd} µs/point), ${run.durablePerS}/s, other ${run.cpu.cores['other processes']} %`);
      }
    }
    const us = (s: 'A' | 'B') => median(got[s].map((x) => x.cpu.usPerItem?.[EF] ?? NaN));
    const rate = (s: 'A' | 'B') => median(got[s].map((x) => x.durablePerS));
    console.log(`medians: A ${us('A')} µs/reading ${rate('A')}/s; B ${us('B')} µs/reading ${rate('B')}/s; B/A CPU ${(us('B') / us('A')).toFixed(3)}`);
    console.log(`pairwise B/A: ${got.A.map((a, i) => ((got.B[i]!.cpu.usPerItem?.[EF] ?? NaN) / (a.cpu.usPerItem?.[EF] ?? NaN)).toFixed(3)).join(' ')}`);
    if (args.profile) {
      for (const side of ['A', 'B'] as const) {
        const dir = path.join(tmpRoot, `prof-${side}`);
        mkdirSync(dir, { recursive: true });
        await runEdufleet(sides[side], 0, dir, optsOf(side));
        const file = newestProfile(dir)!;
        const keep = path.join(os.tmpdir(), `ab-${side}.cpuprofile`);
        writeFileSync(keep, readFileSync(file));
        const s = summarizeProfile(file, sides[side].edufleet.root!, 30);
        console.log(`\nprofile ${side} (${keep}): busy ${Math.round(s.busyMs)} ms`);
        for (const t of s.top) console.log(`  ${JSON.stringify(t)}`);
        console.log(`  areas ${JSON.stringify(s.areas.slice(0, 12))}`);
        console.log(`  stages ${JSON.stringify(s.stages)}`);
      }
    }
  } finally {
    await cleanup.stopAll();
  }
}

main().catch((err: unknown) => {
  console.error('ab failed:', err);
  process.exitCode = 1;
});
