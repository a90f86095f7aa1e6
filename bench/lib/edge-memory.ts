/**
 * The memory figures of the edge benchmark (bench/edge.ts, issue 21 item 6): the edge's RSS while its 200 devices
 * send at the simulator's default rate, and the RSS of the InfluxDB the edge keeps for its site's charts.
 */
import type { InfluxDB } from 'influx';
import type { MqttClient } from 'mqtt';
import { ScenarioSchema } from '../../device-sim/scenario.js';
import { MEASUREMENT, readingPayload } from './fleet.js';
import { round, waitFor } from './procs.js';
import { readRssKib } from './storm-report.js';

/** Seconds between two readings of a device in use, the simulator's default (`intervalS`). */
export const STEADY_INTERVAL_S = ScenarioSchema.properties.intervalS.default as number;

export interface SteadyRss {
  seconds: number;
  intervalS: number;
  readings: number;
  /** RSS at the end of the steady run, and the highest of the samples taken every second during it. */
  lastMiB: number;
  peakMiB: number;
}

const mib = (kib: number) => round(kib / 1024);

/**
 * Every device publishes a reading of now every `STEADY_INTERVAL_S`, the devices spread evenly over the interval (QoS 1,
 * not waiting for one PUBACK to send the next device's reading), for `seconds`; the edge's RSS is sampled every second.
 * Resolves once every reading is acknowledged.
 */
export async function steadyRss(clients: MqttClient[], pid: number, seconds: number): Promise<SteadyRss> {
  const gapMs = (STEADY_INTERVAL_S * 1000) / clients.length;
  const total = Math.floor((seconds * 1000) / gapMs);
  const acks: Promise<unknown>[] = [];
  let peak = readRssKib(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, readRssKib(pid))), 1000);
  const t0 = performance.now();
  try {
    for (let n = 0; n < total; n++) {
      // On schedule from the start, so a slow PUBACK does not stretch the run nor bunch the readings.
      const wait = t0 + n * gapMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const c = clients[n % clients.length]!;
      const seq = Math.floor(n / clients.length);
      acks.push(c.publishAsync(`edu/v1/${c.options.clientId!}/telemetry`, readingPayload(Date.now() - seq, seq), { qos: 1 }));
    }
    await Promise.all(acks);
  } finally {
    clearInterval(sampler);
  }
  const last = readRssKib(pid);
  return { seconds, intervalS: STEADY_INTERVAL_S, readings: total, lastMiB: mib(last), peakMiB: mib(Math.max(peak, last)) };
}

export interface InfluxdRss {
  /** Readings in the edge's own InfluxDB when its RSS was read. */
  readings: number;
  rssMiB: number;
}

/** The RSS of the edge's InfluxDB once the gateway has written `readings` tablet readings into it. */
export async function influxdRss(influx: InfluxDB, pid: number, readings: number): Promise<InfluxdRss> {
  await waitFor(async () => ((await influx.query(`SELECT count(battery) AS n FROM raw.${MEASUREMENT}`))[0] as { n?: number } | undefined)?.n === readings,
    'the readings in the edge\'s InfluxDB', 300_000, 200);
  return { readings, rssMiB: mib(readRssKib(pid)) };
}
