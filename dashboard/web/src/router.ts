import { useEffect, useState } from 'preact/hooks';

/** A tiny history router: the server answers index.html for every non-API path. */
const listeners = new Set<() => void>();

export function navigate(to: string, replace = false): void {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  for (const fn of listeners) fn();
}

window.addEventListener('popstate', () => {
  for (const fn of listeners) fn();
});

export function useLocation(): { path: string; search: URLSearchParams } {
  const [, force] = useState(0);
  useEffect(() => {
    const fn = () => force((n) => n + 1);
    listeners.add(fn);
    return () => void listeners.delete(fn);
  }, []);
  return { path: location.pathname, search: new URLSearchParams(location.search) };
}

/** Left clicks on links navigate in the app; modified clicks open tabs as usual. */
export function onLinkClick(e: MouseEvent, to: string): void {
  if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(to);
}

type QueryValue = string | number | boolean | undefined;

/** `path` with a query string of the set values only: `withQuery('/usage', { schoolId: 3, from: undefined })`. */
export function withQuery(path: string, params: object): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params) as [string, QueryValue][]) if (v !== undefined && v !== '' && v !== false) q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
