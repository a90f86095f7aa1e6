import type { PathOf, ResponseOf, RouteKey } from '../../../../api/routes.js';
import { call, urlOf, type CallOptions } from '../api.js';
import { useQuery, type QueryOptions, type QueryState } from './query.js';

type GetKey<P extends PathOf<'GET'>> = `GET ${P}` & RouteKey;

/**
 * A GET route of the contract through the cache: `useGet('/api/devices', { query: { roomId } })`. The key is the
 * route and its URL, so `invalidate('GET /api/devices')` reaches every filter and page of it. `path` null reads nothing.
 */
export function useGet<P extends PathOf<'GET'>>(path: P | null, opts: Omit<CallOptions<GetKey<P>>, 'signal'>, o: QueryOptions<ResponseOf<GetKey<P>>> = {}): QueryState<ResponseOf<GetKey<P>>> {
  const url = path === null ? null : urlOf(path, opts as { params?: object; query?: object });
  const fetcher = (signal: AbortSignal) => (call as (k: string, o: object) => Promise<ResponseOf<GetKey<P>>>)(`GET ${path}`, { ...opts, signal });
  return useQuery(url === null ? null : `GET ${url}`, fetcher, o);
}
