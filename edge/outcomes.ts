/**
 * Command outcomes travelling up from an edge (docs/edge.md, "The USB round trip, down"), as records in the edge's
 * forward log: the device's own answer (a `result` record, the gateway's cmd-result) and the edge's final word on a
 * command the province issued (an `outcome` record: succeeded, failed, or expired at the edge, e.g. while the bundle
 * travelled). At the province both record the outcome on the province's command, from queued (the province never
 * sent it); its bulk run counts it at once, since a run's progress is derived from its commands. Either may arrive
 * first or twice: the first final state stands.
 */
import { CommandResultPayload, parseMessage } from '../protocol/index.js';
import type { EdgeOutcomeState, RegistryStore } from '../registry/index.js';
import type { DeviceRecord, NewDeviceRecord } from './records.js';

const STATES: readonly EdgeOutcomeState[] = ['succeeded', 'failed', 'expired', 'cancelled'];

/** The `outcome` record of a province's command that reached `state` at the edge at `at`. */
export function outcomeRecord(o: { id: string; deviceId: string; state: EdgeOutcomeState; message: string | null; at: number }): NewDeviceRecord {
  return { k: 'outcome', d: o.deviceId, c: 'result', cmd: o.id, p: JSON.stringify({ state: o.state, message: o.message }), at: o.at };
}

/** What an outcome or result record says; undefined when it says nothing usable (a malformed answer). */
export function readOutcome(r: DeviceRecord): { state: EdgeOutcomeState; message: string | null } | undefined {
  if (r.k === 'outcome') {
    try {
      const v = JSON.parse(r.p) as { state?: unknown; message?: unknown };
      if (!STATES.includes(v.state as EdgeOutcomeState)) return undefined;
      return { state: v.state as EdgeOutcomeState, message: typeof v.message === 'string' ? v.message : null };
    } catch {
      return undefined;
    }
  }
  const m = parseMessage<CommandResultPayload>(CommandResultPayload, Buffer.from(r.p, 'utf8'));
  return m.ok ? { state: m.value.ok ? 'succeeded' : 'failed', message: m.value.message ?? null } : undefined;
}

/** Records the outcomes of a batch of an edge's records at the province; how many commands this call finished. */
export async function recordOutcomes(registry: RegistryStore, records: readonly DeviceRecord[]): Promise<number> {
  let n = 0;
  for (const r of records) {
    const o = r.cmd === undefined ? undefined : readOutcome(r);
    if (o && (await registry.edgeSlices.recordOutcome({ id: r.cmd!, deviceId: r.d, state: o.state, message: o.message, at: r.at }))) n++;
  }
  return n;
}
