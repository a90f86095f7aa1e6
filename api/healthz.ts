/** GET /healthz: the process's own health, for load balancers (lib/healthz.ts builds it). */
import { Type, type Static } from '@sinclair/typebox';
import { lit, Obj } from './kit.js';

/** One component of the process (broker, gateway, usage loop…) as /healthz lists it. */
export const ComponentStatus = Obj({
  name: Type.String(),
  state: lit(['starting', 'ok', 'degraded', 'stopped']),
  since: Type.String({ description: 'ISO time the component entered this state.' }),
  lastError: Type.Optional(Obj({ message: Type.String(), code: Type.Optional(Type.String()), at: Type.String(), context: Type.String() }, {
    description: 'The last error it met, kept after it recovered.',
  })),
  details: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), {
    description: 'Figures beside the state: the broker\'s connection cap and open-file limit, the spool\'s disk budget.',
  })),
});
export type ComponentStatus = Static<typeof ComponentStatus>;

export const HealthResponse = Obj({
  status: lit(['ok', 'degraded']),
  node: Obj({ name: Type.String() }, { description: 'The process\'s `node.name` (a host name and pid unless configured).' }),
  devices: Type.Integer(),
  influx: Type.Optional(lit(['ok', 'unreachable'])),
  spool: Type.Optional(Obj({ pendingBytes: Type.Number(), pendingPoints: Type.Number(), oldestPendingMs: Type.Number() }, {
    description: 'Acknowledged data only in this node\'s spool: bytes, points (readings, events, presence), how long the oldest has waited (ms).',
  })),
  components: Type.Array(ComponentStatus),
});
export type HealthResponse = Static<typeof HealthResponse>;
