import { useCallback, useState } from 'preact/hooks';
import type { LiveView } from '../../../../api/index.js';
import { useLiveBatches } from '../live.js';

/**
 * Device rows of a server read with the newest live view of each laid over them: batches arrive between reads, and
 * a list need not be fetched again for a device to come online on screen.
 */
export function useLiveRows<R extends { id: string }>(rows: readonly R[] | undefined): R[] {
  const [live, setLive] = useState<ReadonlyMap<string, LiveView>>(new Map());
  useLiveBatches(useCallback((batch: LiveView[]) => {
    setLive((m) => {
      const next = new Map(m);
      for (const v of batch) next.set(v.id, v);
      return next;
    });
  }, []));
  return (rows ?? []).map((r) => { const v = live.get(r.id); return v ? { ...r, ...v } : r; });
}
