/**
 * What the edge tests that start a provincial stack and an edge share: the edge registered at the province with the
 * keys of its data directory, and a day the edge kept while it had no link, already in its forward log.
 */
import { edgeKeys } from '../../edge/keys.js';
import type { NewDeviceRecord } from '../../edge/records.js';
import { registerEdge } from '../../edge/register.js';
import { edgeDir, openForwardLog } from '../../edge/sneakernet.js';
import type { RegistryStore } from '../../registry/index.js';

/** Registers the edge whose data directory is `edgeData` for `site`; returns its id. */
export async function registerTestEdge(registry: RegistryStore, site: string, name: string, edgeData: string): Promise<string> {
  const keys = edgeKeys(edgeDir(edgeData));
  await registerEdge(registry, { site, name, signKey: keys.signKey, boxKey: keys.boxKey }, { byUser: 'admin', at: Date.now() });
  return keys.id;
}

/** Appends `perDevice` telemetry records of each board, `stepMs` apart from `start`, to the edge's forward log. */
export async function writeBacklogDay(edgeData: string, boards: readonly string[], o: { start: number; stepMs: number; perDevice: number; segmentBytes: number }): Promise<void> {
  const log = await openForwardLog(edgeData, { groupCommitMs: 1, segmentBytes: o.segmentBytes });
  const day: NewDeviceRecord[] = [];
  for (let k = 0; k < o.perDevice; k++) {
    const t = o.start + k * o.stepMs;
    for (const d of boards) day.push({ d, c: 'telemetry', p: JSON.stringify({ ts: t, power: 'on', touches: k % 7 }), at: t + 50 });
  }
  await log.append(day);
  await log.close();
}
