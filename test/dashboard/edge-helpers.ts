/** Edge nodes registered and heard from as the province's own code does it (edge/register.ts, then what edge/apply.ts stores). */
import path from 'node:path';
import { edgeKeys } from '../../edge/keys.js';
import { registerEdge } from '../../edge/register.js';
import type { EdgeReport, EdgeRow, RegistryStore } from '../../registry/index.js';
import { tempDir } from '../helpers/stack.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const GIB = 1024 ** 3;

/** An edge's keys as `edufleet edge keys` makes them at the school (in a fresh temporary directory). */
export const freshKeys = () => edgeKeys(path.join(tempDir('edufleet-edge-keys-'), 'edge'));

/** What registering an edge for `site` takes (`POST /api/edges`'s body), with fresh keys. */
export function edgeRegistration(site: string, name: string): { site: string; name: string; signKey: string; boxKey: string } {
  const keys = freshKeys();
  return { site, name, signKey: keys.signKey, boxKey: keys.boxKey };
}

/** Registers an edge for `site` (a school code) with fresh keys. */
export async function addEdge(registry: RegistryStore, site: string, name: string, at = Date.now()): Promise<EdgeRow> {
  return registerEdge(registry, edgeRegistration(site, name), { byUser: 'admin', at });
}

/** Stores an edge's report as applying its records does: with the contact, in the same transaction as the cursors. */
export async function hearFrom(registry: RegistryStore, edge: EdgeRow, contactAt: number, report: EdgeReport): Promise<void> {
  await registry.edges.advance(edge.id, new Map(), { at: contactAt, report });
}
