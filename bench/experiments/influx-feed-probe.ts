/**
 * Probe for issue 13 item 4: influxd CPU per point for the same 300,000 points fed in different ways, to separate
 * what the feeding pattern costs (pace, batch size, count polling, retention policy) from what EduFleet sends.
 * `node --import tsx bench/experiments/influx-feed-probe.ts [variant ...]`
 */
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { ManagedInfluxd } from '../../lib/influx/index.js';
import { anonymousFleet, lineBatches, MEASUREMENT, COUNT_FIELD } from '../lib/fleet.js';
import { InfluxHttp } from '../lib/influx-http.js';
import { findPid, processCpuSeconds } from '../lib/procs.js';

const DEVICES = 200, PER = 1500, TOTAL = DEVICES * PER;
/** `busy`: that many processes spinning on the CPU meanwhile, as EduFleet and the load generator keep the two cores busy. */
interface Variant { batch: number; conc: number; ratePerS?: number; pollMs?: number; rp?: boolean; vars?: boolean; busy?: number }
const VARIANTS: Record<string, Variant> = {
  raw: { batch: 5000, conc: 2 },
  rawPoll: { batch: 5000, conc: 2, pollMs: 50 },
  paced: { batch: 5000, conc: 1, ratePerS: 25_000 },
  pacedPoll: { batch: 5000, conc: 1, ratePerS: 25_000, pollMs: 50 },
  pacedPollRp: { batch: 5000, conc: 1, ratePerS: 25_000, pollMs: 50, rp: true },
  pacedRp: { batch: 5000, conc: 1, ratePerS: 25_000, rp: true },
  pacedVars: { batch: 5000, conc: 1, ratePerS: 25_000, pollMs: 50, vars: true },
  b2500: { batch: 2500, conc: 1, ratePerS: 25_000 },
  b1000: { batch: 1000, conc: 1, ratePerS: 25_000 },
  small: { batch: 500, conc: 1, ratePerS: 25_000 },
  paced33: { batch: 5000, conc: 1, ratePerS: 33_000 },
  paced33Busy: { batch: 5000, conc: 1, ratePerS: 33_000, busy: 2 },
  rawBusy: { batch: 5000, conc: 2, busy: 2 },
};

async function runVariant(influx: InfluxHttp, pid: number, name: string, v: Variant): Promise<number> {
  const db = 'probe';
  await influx.query(`DROP DATABASE ${db}`);
  await influx.query(`CREATE DATABASE ${db}`);
  let rpq = '';
  if (v.rp) {
    await influx.query(`CREATE RETENTION POLICY "raw" ON ${db} DURATION 90d REPLICATION 1 DEFAULT`);
    rpq = '&rp=raw';
  }
  const batches = lineBatches(anonymousFleet(DEVICES), PER, Date.now() - 3_600_000, v.batch);
  const burners = Array.from({ length: v.busy ?? 0 }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  const cpu0 = processCpuSeconds(pid);
  const t0 = performance.now();
  let next = 0;
  let done = false;
  const worker = async () => {
    while (next < batches.length) {
      const i = next++;
      if (v.ratePerS) {
        const due = t0 + (i * v.batch * 1000) / v.ratePerS;
        const wait = due - performance.now();
        if (wait > 0) await delay(wait);
      }
      const res = await fetch(`${influx.url}/write?db=${db}&precision=ms${rpq}`, { method: 'POST', headers: influx.headers, body: batches[i] });
      if (res.status !== 204) throw new Error(await res.text());
    }
  };
  const poll = async () => {
    while (!done) {
      if (v.vars) await (await fetch(`${influx.url}/debug/vars`, { headers: influx.headers })).json();
      else await influx.count(db, v.rp ? `"raw"."${MEASUREMENT}"` : MEASUREMENT, COUNT_FIELD).catch(() => 0);
      await delay(v.pollMs!);
    }
  };
  const polling = v.pollMs ? poll() : Promise.resolve();
  await Promise.all(Array.from({ length: v.conc }, worker));
  done = true;
  await polling;
  const secs = (performance.now() - t0) / 1000;
  const us = ((processCpuSeconds(pid) - cpu0) * 1e6) / TOTAL;
  for (const b of burners) b.kill();
  console.log(`${name.padEnd(12)} ${secs.toFixed(2)} s  influxd ${us.toFixed(1)} µs/pt`);
  await influx.query(`DROP DATABASE ${db}`);
  return us;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'feed-probe-'));
const influxd = new ManagedInfluxd(path.join(dir, 'influxdb'));
try {
  const influx = new InfluxHttp(await influxd.start(), influxd.credentials);
  const pid = findPid(path.join(dir, 'influxdb', 'influxdb.conf'))!;
  const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(VARIANTS);
  const rounds = Number(process.env.ROUNDS ?? 3);
  for (let r = 0; r < rounds; r++) for (const n of names) await runVariant(influx, pid, n, VARIANTS[n]!);
} finally {
  await influxd.stop();
  rmSync(dir, { recursive: true, force: true });
}
