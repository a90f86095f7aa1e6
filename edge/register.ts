/** Registering an edge at the province (`edufleet edge add`, the web app): its keys checked, its site resolved, audited. */
import { EdufleetError } from '../lib/errors.js';
import type { EdgeRow, RegistryStore } from '../registry/index.js';
import { edgeIdOf, publicKey } from './keys.js';

export interface EdgeRegistration { site: string; name: string; signKey: string; boxKey: string }

export async function registerEdge(registry: RegistryStore, e: EdgeRegistration, o: { byUser: string; at: number }): Promise<EdgeRow> {
  publicKey('ed25519', e.signKey);
  publicKey('x25519', e.boxKey);
  const site = await registry.edges.siteByCode(e.site);
  if (!site) throw new EdufleetError('EDUFLEET_ERR_EDGE_SITE_UNKNOWN', `no site '${e.site}' (a school code, or SCHOOLCODE:Site name)`);
  const name = e.name.trim();
  if (!name) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', 'an edge needs a name');
  return registry.edges.add({ id: edgeIdOf(e.signKey), siteId: site.siteId, name, signKey: e.signKey, boxKey: e.boxKey }, o.byUser, o.at);
}
