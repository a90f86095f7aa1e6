import type { ApiErrorBody } from '../../../api/index.js';

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

export async function api<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const res = await fetch(path, {
    method: init.method ?? 'GET',
    credentials: 'same-origin',
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: init.signal,
  });
  if (res.ok) return (await res.json()) as T;
  let body: ApiErrorBody = { code: 'HTTP_' + res.status, message: res.statusText };
  try {
    body = (await res.json()) as ApiErrorBody;
  } catch {
    // not JSON: keep the status line
  }
  if (res.status === 401 && body.code === 'EDUFLEET_ERR_AUTH_REQUIRED') onUnauthorized();
  throw new ApiError(res.status, body.code, body.message);
}

/** Builds a query string from the set values only. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
