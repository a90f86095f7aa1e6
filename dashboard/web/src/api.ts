import type { ApiErrorBody } from '../../../api/index.js';
import type { BodyOf, Method, ParamsOf, PathOf, QueryOf, ResponseOf, RouteKey } from '../../../api/routes.js';
import { invalidateAfterWrite } from './hooks/query.js';
import { withQuery } from './router.js';

/** An API answer that was not 2xx, with the server's coded error. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

let onUnauthorized: () => void = () => {};
/** Called when any request answers 401 (the session expired): the app shows the login again. */
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

/** The untyped request under `call`; pages use `get`/`post`/… so the route map types what they send and receive. */
async function request<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: init.signal,
  });
  if (res.ok) {
    const value = (await res.json()) as T;
    if (method !== 'GET') invalidateAfterWrite(path);
    return value;
  }
  let body: ApiErrorBody = { code: 'HTTP_' + res.status, message: res.statusText };
  try {
    body = (await res.json()) as ApiErrorBody;
  } catch {
    // not JSON: keep the status line
  }
  if (res.status === 401 && body.code === 'EDUFLEET_ERR_AUTH_REQUIRED') onUnauthorized();
  throw new ApiError(res.status, body.code, body.message);
}

/** What a call of route K takes: its path parameters and body when it has them, its query (always optional). */
export type CallOptions<K extends RouteKey> =
  & (ParamsOf<K> extends undefined ? { params?: never } : { params: ParamsOf<K> })
  & (QueryOf<K> extends undefined ? { query?: never } : { query?: QueryOf<K> })
  & (BodyOf<K> extends undefined ? { body?: never } : { body: BodyOf<K> })
  & { signal?: AbortSignal };
type Args<K extends RouteKey> = object extends CallOptions<K> ? [opts?: CallOptions<K>] : [opts: CallOptions<K>];

/** The URL of a route: `:name` replaced by its (encoded) parameter, the query appended. */
export function urlOf(path: string, opts: { params?: object; query?: object } = {}): string {
  const params = (opts.params ?? {}) as Record<string, string | number>;
  const filled = path.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(String(params[name] ?? '')));
  return opts.query ? withQuery(filled, opts.query) : filled;
}

/** A typed call of a route of the contract: `call('PATCH /api/devices/:id', { params: { id }, body })`. */
export function call<K extends RouteKey>(key: K, ...[opts]: Args<K>): Promise<ResponseOf<K>> {
  const o = (opts ?? {}) as { params?: object; query?: object; body?: unknown; signal?: AbortSignal };
  const space = key.indexOf(' ');
  return request<ResponseOf<K>>(urlOf(key.slice(space + 1), o), { method: key.slice(0, space), body: o.body, signal: o.signal });
}

const verb = <M extends Method>(m: M) =>
  <P extends PathOf<M>>(path: P, ...args: Args<`${M} ${P}` & RouteKey>): Promise<ResponseOf<`${M} ${P}` & RouteKey>> =>
    call(`${m} ${path}` as `${M} ${P}` & RouteKey, ...(args as Args<`${M} ${P}` & RouteKey>));

/** `get('/api/devices', { query: { roomId } })`: params, query, body and answer typed from api/routes.ts. */
export const get = verb('GET');
export const post = verb('POST');
export const patch = verb('PATCH');
export const put = verb('PUT');
export const del = verb('DELETE');
