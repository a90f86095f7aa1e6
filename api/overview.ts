/** The fleet at a glance: online, offline and problem counts per kind and per school. */
import type { ProblemCode } from './live.js';

export interface Counts {
  total: number;
  /** Online or asleep: connected to a broker. */
  online: number;
  /** Offline or never connected. */
  offline: number;
  /** Devices with at least one problem other than being offline (which has its own count). */
  problems: number;
}

export interface OverviewResponse {
  totals: Counts;
  byKind: { kind: string; counts: Counts }[];
  bySchool: { schoolId: number; name: string; districtId: number | null; counts: Counts }[];
  byProblem: Record<ProblemCode, number>;
  generatedAt: number;
  /** False when this process has no gateway: the live state is then empty. */
  live: boolean;
}
