import type { ProfileSummary } from './profile.js';
import type { EdufleetRun, MosquittoRun, RawRun } from './scenarios.js';
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
  runs: { raw: RawRun[]; edufleet: EdufleetRun[]; mosquitto: MosquittoRun[]; edufleetNoRules?: EdufleetRun[] };
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
  profile?: { run: EdufleetRun; summary: ProfileSummary };
}

export function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
}

export function summarize(runs: E2eResults['runs']): Pick<E2eResults, 'medians' | 'ratios'> {
  const medians = {
    rawPointsPerS: median(runs.raw.map((r) => r.pointsPerS)),
    edufleetDurablePerS: median(runs.edufleet.map((r) => r.durablePerS)),
    edufleetAckPerS: median(runs.edufleet.map((r) => r.ackPerS)),
    mosquittoAckPerS: median(runs.mosquitto.map((r) => r.ackPerS)),
    ...(runs.edufleetNoRules?.length ? {
      edufleetNoRulesDurablePerS: median(runs.edufleetNoRules.map((r) => r.durablePerS)),
      edufleetNoRulesAckPerS: median(runs.edufleetNoRules.map((r) => r.ackPerS)),
    } : {}),
  };
  const ratio = (a: number, b: number) => (b ? Math.round((a / b) * 1000) / 1000 : 0);
  return {
    medians,
    ratios: {
      edufleetVsRaw: ratio(medians.edufleetDurablePerS, medians.rawPointsPerS),
      edufleetAckVsMosquitto: ratio(medians.edufleetAckPerS, medians.mosquittoAckPerS),
      ...(medians.edufleetNoRulesDurablePerS ? { rulesOnVsOff: ratio(medians.edufleetDurablePerS, medians.edufleetNoRulesDurablePerS) } : {}),
    },
  };
}
