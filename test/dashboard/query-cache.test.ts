/**
 * The web app's read cache (dashboard/web/src/hooks/query.ts) without a browser: a write that lands while a read is in
 * flight must not leave the pre-write answer in the cache, a read nobody waits for is aborted, and an answer nobody
 * reads is forgotten.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { attachReader, clearQueries, invalidate, loadQuery, peekQuery } from '../../dashboard/web/src/hooks/query.js';

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

afterEach(() => {
  clearQueries();
  vi.useRealTimers();
});

describe('the query cache', () => {
  it('reads again when a write invalidates a key while its read is in flight', async () => {
    const key = 'GET /api/hierarchy';
    const before = deferred<string>();
    const after = deferred<string>();
    const answers = [before, after];
    const fetcher = vi.fn(() => answers.shift()!.promise);

    const first = loadQuery(key, fetcher);
    invalidate('GET /api/hierarchy');
    const second = loadQuery(key, fetcher);
    before.resolve('trước khi ghi');
    await first;
    expect(peekQuery(key)?.data).toBeUndefined();
    await vi.waitFor(() => expect(fetcher).toHaveBeenCalledTimes(2));
    after.resolve('sau khi ghi');
    await second;
    expect(peekQuery(key)?.data).toBe('sau khi ghi');
  });

  it('shares one read between callers when nothing was written meanwhile', async () => {
    const key = 'GET /api/kinds';
    const answer = deferred<string>();
    const fetcher = vi.fn(() => answer.promise);
    const a = loadQuery(key, fetcher);
    const b = loadQuery(key, fetcher);
    answer.resolve('loại');
    await Promise.all([a, b]);
    expect(fetcher).toHaveBeenCalledTimes(1);
    expect(peekQuery(key)?.data).toBe('loại');
  });

  it('aborts a read whose readers all left, and reads again on the next mount', async () => {
    const key = 'GET /api/devices?roomId=3';
    let signal: AbortSignal | undefined;
    const hung = vi.fn((s: AbortSignal) => {
      signal = s;
      return new Promise<string>((_, reject) => s.addEventListener('abort', () => reject(new Error('aborted'))));
    });
    const detach = attachReader(key, () => {}, () => {});
    const pending = loadQuery(key, hung);
    detach();
    expect(signal?.aborted).toBe(true);
    await pending;
    expect(peekQuery(key)).toMatchObject({ data: undefined, error: undefined, stale: true });

    await loadQuery(key, async () => 'thiết bị');
    expect(peekQuery(key)?.data).toBe('thiết bị');
  });

  it('forgets an answer nobody reads after a while, and keeps one still read', async () => {
    vi.useFakeTimers();
    const detachGone = attachReader('GET /api/users', () => {}, () => {});
    const detachKept = attachReader('GET /api/overview', () => {}, () => {});
    await loadQuery('GET /api/users', async () => ['an']);
    await loadQuery('GET /api/overview', async () => ({ online: 1 }));
    detachGone();
    vi.advanceTimersByTime(60 * 60_000);
    expect(peekQuery('GET /api/users')).toBeUndefined();
    expect(peekQuery('GET /api/overview')?.data).toEqual({ online: 1 });
    detachKept();
  });
});
