import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * A small cache of server reads, keyed by strings that start with the route ('GET /api/hierarchy', 'GET
 * /api/devices?roomId=3'). Components read through `useQuery`; writes make reads stale with `invalidate(prefix)`:
 * a mounted reader refetches at once (keeping what it shows until the answer comes), an unmounted one on its next mount.
 * An answer to a read sent before the invalidation is dropped and the key read again. Reads not marked `keep` also
 * refetch on every mount, behind the cached answer. A read whose readers all unmounted is aborted, and an answer
 * nobody reads is forgotten after a while.
 */
interface Entry {
  data?: unknown;
  error?: unknown;
  stale: boolean;
  /** Bumped by every invalidation: an answer to a request sent under an older generation predates the write. */
  gen: number;
  inflight?: Promise<void>;
  inflightGen?: number;
  abort?: AbortController;
  readers: Set<() => void>;
  evictTimer?: ReturnType<typeof setTimeout>;
}

/** How long an answer nobody reads stays cached: long enough for going back and forth between pages. */
const EVICT_MS = 5 * 60_000;

const cache = new Map<string, Entry>();
const refetchers = new Map<string, Set<() => void>>();

function entryOf(key: string): Entry {
  let e = cache.get(key);
  if (!e) cache.set(key, (e = { stale: true, gen: 0, readers: new Set() }));
  return e;
}

/** Reads `key` now unless a read of its current generation is in flight; settles once the cache holds a fresh answer. */
export function loadQuery(key: string, fetcher: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
  const e = entryOf(key);
  if (e.inflight && e.inflightGen === e.gen) return e.inflight;
  // Invalidated while in flight: that answer may predate the write, so read again once it settles.
  if (e.inflight) return e.inflight.then(() => loadQuery(key, fetcher));
  const ctl = new AbortController();
  const gen = e.gen;
  e.stale = false;
  e.abort = ctl;
  e.inflightGen = gen;
  e.inflight = fetcher(ctl.signal).then(
    (data) => { if (e.gen === gen) { e.data = data; e.error = undefined; } },
    (error: unknown) => { if (e.gen === gen) e.error = error; },
  ).finally(() => {
    e.inflight = undefined;
    e.abort = undefined;
    for (const fn of e.readers) fn();
  });
  return e.inflight;
}

function markStale(e: Entry): void {
  e.stale = true;
  e.gen++;
}

/** What the cache holds for `key` (tests, and readers outside components). */
export function peekQuery(key: string): { data: unknown; error: unknown; stale: boolean } | undefined {
  const e = cache.get(key);
  return e && { data: e.data, error: e.error, stale: e.stale };
}

/**
 * A mounted reader of `key`: `rerender` runs when an answer lands, `refetch` when a write makes the key stale. Returns
 * the detach function for the unmount.
 */
export function attachReader(key: string, rerender: () => void, refetch: () => void): () => void {
  const e = entryOf(key);
  clearTimeout(e.evictTimer);
  e.readers.add(rerender);
  let set = refetchers.get(key);
  if (!set) refetchers.set(key, (set = new Set()));
  set.add(refetch);
  return () => {
    e.readers.delete(rerender);
    set.delete(refetch);
    released(key, e);
  };
}

/** The last reader of `key` left: abort its read (nobody waits for it) and forget the answer after a while. */
function released(key: string, e: Entry): void {
  if (e.readers.size > 0) return;
  if (e.abort) {
    markStale(e);
    e.abort.abort();
  }
  clearTimeout(e.evictTimer);
  e.evictTimer = setTimeout(() => {
    if (e.readers.size > 0 || cache.get(key) !== e) return;
    cache.delete(key);
    refetchers.delete(key);
  }, EVICT_MS);
}

/** Makes every read whose key starts with `prefix` stale; mounted readers refetch now. */
export function invalidate(prefix: string): void {
  for (const [key, e] of cache) {
    if (!key.startsWith(prefix)) continue;
    markStale(e);
    for (const fn of refetchers.get(key) ?? []) fn();
  }
}

/** Forgets every read (at logout: the next user has another scope). */
export function clearQueries(): void {
  for (const e of cache.values()) {
    clearTimeout(e.evictTimer);
    e.abort?.abort();
  }
  cache.clear();
}

/**
 * Which writes make which reads stale, by the written path: the one place that knows, so a page that writes (the tree,
 * a record, the import) needs no list of the pages that read. A room added on the tree page is in every filter at once.
 */
const WRITE_EFFECTS: [RegExp, string[]][] = [
  [/^\/api\/(districts|schools|sites|rooms)(\/|$)/, ['GET /api/hierarchy', 'GET /api/devices', 'GET /api/overview', 'GET /api/kpi', 'GET /api/usage', 'GET /api/planning']],
  [/^\/api\/imports\/(places\/)?[^/]+\/apply/, ['GET /api/hierarchy', 'GET /api/devices', 'GET /api/overview', 'GET /api/kpi']],
  [/^\/api\/(devices|provision)(\/|$)/, ['GET /api/devices', 'GET /api/hierarchy/tree', 'GET /api/overview', 'GET /api/kpi', 'GET /api/planning']],
  [/^\/api\/users(\/|$)/, ['GET /api/users']],
  [/^\/api\/schools\/\d+\/timetable/, ['GET /api/schools', 'GET /api/usage', 'GET /api/planning']],
  [/^\/api\/(alerts|silences)(\/|$)/, ['GET /api/alerts', 'GET /api/silences']],
  [/^\/api\/alert-rules(\/|$)/, ['GET /api/alert-rules']],
  [/^\/api\/notifications\/recipients(\/|$)/, ['GET /api/notifications/recipients', 'GET /api/notifications/attempts']],
  [/^\/api\/(schedules|command-runs|commands)(?!\/preview$)(\/|$)/, ['GET /api/schedules', 'GET /api/command-runs']],
];

export function invalidateAfterWrite(path: string): void {
  const bare = path.split('?')[0]!;
  for (const [re, prefixes] of WRITE_EFFECTS) if (re.test(bare)) prefixes.forEach(invalidate);
}

export interface QueryState<T> {
  data: T | undefined;
  /** The error of the last attempt, when it failed ('' otherwise). */
  error: string;
  /** The HTTP status of that error (403, 404…), 0 when there is none or it was not an HTTP answer. */
  status: number;
  loading: boolean;
  /** Fetch again now (after a write this page made itself, or on a button). */
  reload: () => void;
}

export interface QueryOptions<T = unknown> {
  /** Refetch this often while mounted. */
  pollMs?: number;
  /** With `pollMs`: poll only while this holds for the data as it is at each tick (a job that still runs). */
  pollWhile?: (data: T | undefined) => boolean;
  /** While a new key loads, show the previous key's data (paging, filters) rather than nothing. */
  keepPrevious?: boolean;
  /**
   * Reference data (kinds, the hierarchy): kept across mounts until a write makes it stale. Without it a mount shows
   * what is cached at once and refetches behind it, as live figures must.
   */
  keep?: boolean;
}

const errorText = (e: unknown): string => (e === undefined ? '' : e instanceof Error ? e.message : String(e));
const statusOf = (e: unknown): number => {
  const status = e instanceof Error ? (e as { status?: unknown }).status : undefined;
  return typeof status === 'number' ? status : 0;
};

/** Reads `key` through the cache; `key` null reads nothing. The fetcher gets an AbortSignal it may ignore. */
export function useQuery<T>(key: string | null, fetcher: (signal: AbortSignal) => Promise<T>, o: QueryOptions<T> = {}): QueryState<T> {
  const [, setTick] = useState(0);
  const fetchRef = useRef(fetcher);
  fetchRef.current = fetcher;
  const pollWhile = useRef(o.pollWhile);
  pollWhile.current = o.pollWhile;
  const previous = useRef<T | undefined>(undefined);

  useEffect(() => {
    if (key === null) return;
    const e = entryOf(key);
    const rerender = () => setTick((n) => n + 1);
    const refetch = () => void loadQuery(key, (s) => fetchRef.current(s));
    const detach = attachReader(key, rerender, refetch);
    if (e.stale || !o.keep) refetch();
    const timer = o.pollMs ? setInterval(() => { if (!pollWhile.current || pollWhile.current(e.data as T | undefined)) refetch(); }, o.pollMs) : undefined;
    return () => {
      if (timer) clearInterval(timer);
      detach();
    };
  }, [key, o.pollMs]);

  const e = key === null ? undefined : cache.get(key);
  const data = e?.data as T | undefined;
  if (data !== undefined) previous.current = data;
  return {
    data: data ?? (o.keepPrevious ? previous.current : undefined),
    error: errorText(e?.error),
    status: statusOf(e?.error),
    loading: key !== null && (e?.inflight !== undefined || e?.stale !== false),
    reload: () => { if (key !== null) { markStale(entryOf(key)); void loadQuery(key, (s) => fetchRef.current(s)); } },
  };
}
