import type { ProfileSummary } from './profile.js';
import type { CpuFigure, EdufleetRun, RawRun } from './scenarios.js';
import type { LatencyRun, MosquittoRun } from './broker-scenarios.js';
import type { LoadShape } from './fleet.js';

/** What one `npm run bench` writes to bench/results/*.json, and what docs/benchmarks.md is generated from. */
export interface E2eResults {
  benchmark: 'e2e';
  date: string;
  quick: boolean;
  machine: {
    nproc: number;
    cpuModel: string;
    memoryGiB: number;
    os: string;
    node: string;
    influxd: string;
    mosquitto: string;
    aedes: string;
    mqttJs: string;
  };
  load: LoadShape & {
    total: number;
    payloadBytes: number;
    rawBatchPoints: number;
    rawConcurrency: number;
    edufleetConfig: string;
  };
  /** `edufleetNoRules`: the same EduFleet with EDUFLEET_ALERTS_ENABLED=false (absent in results before issue 10). */
  runs: {
    raw: RawRun[]; edufleet: EdufleetRun[]; mosquitto: MosquittoRun[]; edufleetNoRules?: EdufleetRun[];
    /** Issue 13 on: `mosquitto` is authenticated (password file + ACL); these are absent in older results. */
    edufleetQos0?: EdufleetRun[]; mosquittoQos0?: MosquittoRun[]; mosquittoAnon?: MosquittoRun[];
    latency?: LatencyRun[][];
  };
  /** The order in which the runs were made, e.g. ["raw#1", "edufleet#1", …]. */
  order: string[];
  /** Runs repeated because other processes on the machine took more than a quarter of a core meanwhile. */
  discarded?: string[];
  medians: {
    rawPointsPerS: number;
    edufleetDurablePerS: number;
    edufleetAckPerS: number;
    mosquittoAckPerS: number;
    edufleetNoRulesDurablePerS?: number;
    edufleetNoRulesAckPerS?: number;
    edufleetQos0MessagesPerS?: number;
    edufleetQos0DurablePerS?: number;
    mosquittoQos0PerS?: number;
    mosquittoAnonAckPerS?: number;
  };
  ratios: {
    /** Durable readings/s with the default alert rules on ÷ off: must stay ≥ 0.9 (issue 10). */
    rulesOnVsOff?: number;
    /** EduFleet durable readings/s ÷ raw InfluxDB points/s: the headline figure. */
    edufleetVsRaw: number;
    /** EduFleet acknowledged/s ÷ Mosquitto acknowledged/s. */
    edufleetAckVsMosquitto: number;
  };
  target: { min: number; goal: number; met: boolean };
  /** Median CPU µs per item, per scenario and process (issue 13; absent before). */
  cpuPerItem?: Record<string, Record<string, number>>;
  /** Median publish → subscriber latency per broker and QoS, e.g. latency["edufleet qos1"] (issue 13). */
  latency?: Record<string, { p50Ms: number; p99Ms: number; received: number; sent: number; usPerMessage: Record<string, number> }>;
  profile?: { run: EdufleetRun; summary: ProfileSummary };
}

export function median(xs: number[], digits = 0): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const f = 10 ** digits;
  return s.length % 2 ? s[mid]! : Math.round(((s[mid - 1]! + s[mid]!) / 2) * f) / f;
}

/** Median of each process's CPU µs per item over the runs of one scenario. */
export function cpuMedians(figures: (CpuFigure | undefined)[]): Record<string, number> {
  const roles = new Set(figures.flatMap((f) => Object.keys(f?.usPerItem ?? {})));
  return Object.fromEntries([...roles].map((role) => [role, median(figures.flatMap((f) => f?.usPerItem?.[role] ?? []), 1)]));
}

/** The scenarios of the headline table, in order: key → runs. */
export function cpuScenarios(runs: E2eResults['runs']): [string, { cpu: CpuFigure }[]][] {
  const all: [string, { cpu: CpuFigure }[] | undefined][] = [
    ['edufleet qos1', runs.edufleet], ['edufleet qos0', runs.edufleetQos0], ['edufleet qos1 without alert rules', runs.edufleetNoRules],
    ['mosquitto auth qos1', runs.mosquitto.filter((m) => m.auth)], ['mosquitto auth qos0', runs.mosquittoQos0],
    ['mosquitto anonymous qos1', [...runs.mosquitto.filter((m) => !m.auth), ...(runs.mosquittoAnon ?? [])]], ['raw influxdb', runs.raw],
  ];
  return all.filter((e): e is [string, { cpu: CpuFigure }[]] => Boolean(e[1]?.length));
}

export function latencyMedians(runs: LatencyRun[][]): E2eResults['latency'] {
  const out: NonNullable<E2eResults['latency']> = {};
  const flat = runs.flat().flatMap((l) => l.qos.map((q) => ({ key: `${l.broker} qos${q.qos}`, ...q })));
  for (const key of new Set(flat.map((f) => f.key))) {
    const xs = flat.filter((f) => f.key === key);
    out[key] = {
      p50Ms: median(xs.map((x) => x.p50Ms), 1), p99Ms: median(xs.map((x) => x.p99Ms), 1),
      received: median(xs.map((x) => x.received)), sent: median(xs.map((x) => x.sent)), usPerMessage: cpuMedians(xs.map((x) => x.cpu)),
    };
  }
  return out;
}

export function summarize(runs: E2eResults['runs']): Pick<E2eResults, 'medians' | 'ratios' | 'cpuPerItem' | 'latency'> {
  const medians = {
    rawPointsPerS: median(runs.raw.map((r) => r.pointsPerS)),
    edufleetDurablePerS: median(runs.edufleet.map((r) => r.durablePerS)),
    edufleetAckPerS: median(runs.edufleet.map((r) => r.ackPerS)),
    mosquittoAckPerS: median(runs.mosquitto.map((r) => r.ackPerS)),
    ...(runs.edufleetQos0?.length ? {
      edufleetQos0MessagesPerS: median(runs.edufleetQos0.map((r) => r.ackPerS)),
      edufleetQos0DurablePerS: median(runs.edufleetQos0.map((r) => r.durablePerS)),
    } : {}),
    ...(runs.mosquittoQos0?.length ? { mosquittoQos0PerS: median(runs.mosquittoQos0.map((r) => r.ackPerS)) } : {}),
    ...(runs.mosquittoAnon?.length ? { mosquittoAnonAckPerS: median(runs.mosquittoAnon.map((r) => r.ackPerS)) } : {}),
    ...(runs.edufleetNoRules?.length ? {
      edufleetNoRulesDurablePerS: median(runs.edufleetNoRules.map((r) => r.durablePerS)),
      edufleetNoRulesAckPerS: median(runs.edufleetNoRules.map((r) => r.ackPerS)),
    } : {}),
  };
  const ratio = (a: number, b: number) => (b ? Math.round((a / b) * 1000) / 1000 : 0);
  return {
    medians,
    cpuPerItem: Object.fromEntries(cpuScenarios(runs).map(([k, xs]) => [k, cpuMedians(xs.map((x) => x.cpu))])),
    ...(runs.latency?.length ? { latency: latencyMedians(runs.latency) } : {}),
    ratios: {
      edufleetVsRaw: ratio(medians.edufleetDurablePerS, medians.rawPointsPerS),
      edufleetAckVsMosquitto: ratio(medians.edufleetAckPerS, medians.mosquittoAckPerS),
      ...(medians.edufleetNoRulesDurablePerS ? { rulesOnVsOff: ratio(medians.edufleetDurablePerS, medians.edufleetNoRulesDurablePerS) } : {}),
    },
  };
}
