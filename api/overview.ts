/** The fleet at a glance: online, offline and problem counts per kind and per school. */
import { Type, type Static } from '@sinclair/typebox';
import { PROBLEM_CODES } from './constants.js';
import { keyed, Nullable, Obj } from './kit.js';

export const Counts = Obj({
  total: Type.Integer(),
  online: Type.Integer({ description: 'Online or asleep: connected to a broker.' }),
  offline: Type.Integer({ description: 'Offline or never connected.' }),
  problems: Type.Integer({ description: 'Devices with at least one problem other than being offline (which has its own count).' }),
});
export type Counts = Static<typeof Counts>;

export const OverviewResponse = Obj({
  totals: Counts,
  byKind: Type.Array(Obj({ kind: Type.String(), counts: Counts })),
  bySchool: Type.Array(Obj({ schoolId: Type.Integer(), name: Type.String(), districtId: Nullable(Type.Integer()), counts: Counts })),
  byProblem: Obj(keyed(PROBLEM_CODES, Type.Integer())),
  generatedAt: Type.Number(),
  live: Type.Boolean({ description: 'False when this process has no gateway: the live state is then empty.' }),
});
export type OverviewResponse = Static<typeof OverviewResponse>;
