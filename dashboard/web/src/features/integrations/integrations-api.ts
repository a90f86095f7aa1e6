/** The integration accounts' calls (api/integration-accounts.ts through the route map); every write makes the list stale. */
import type { NewIntegrationAccountInput } from '../../../../../api/index.js';
import { get, post } from '../../api.js';
import { invalidate } from '../../hooks/query.js';

/** The cache key of the list (hooks/query.ts), made stale by every write here. */
export const LIST_KEY = 'GET /api/integrations';

export const listIntegrations = (signal?: AbortSignal) => get('/api/integrations', { signal });

export async function createIntegration(body: NewIntegrationAccountInput) {
  const made = await post('/api/integrations', { body });
  invalidate(LIST_KEY);
  return made;
}

export async function revokeIntegration(name: string) {
  const view = await post('/api/integrations/:name/revoke', { params: { name } });
  invalidate(LIST_KEY);
  return view;
}
