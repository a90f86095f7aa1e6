import type { HierarchyResponse, KindInfo } from '../../../api/index.js';
import { useGet } from './hooks/api-query.js';
import { clearQueries } from './hooks/query.js';

/**
 * Data many pages share, read through the query cache: the kinds never change while the server runs; the hierarchy
 * is made stale by every write to places (hooks/query.ts WRITE_EFFECTS), so a room added on the tree page is in
 * every filter at once, and is read again behind the cached answer whenever a page that uses it mounts, so a room
 * another user or an import on the server added shows on the next page without a reload.
 */
export function clearCaches(): void {
  clearQueries();
}

export function useKinds(): KindInfo[] | null {
  return useGet('/api/kinds', {}, { keep: true }).data ?? null;
}

export function useHierarchy(): HierarchyResponse | null {
  return useGet('/api/hierarchy', {}).data ?? null;
}

export function kindLabel(list: KindInfo[] | null, kind: string, lang: 'vi' | 'en'): string {
  return list?.find((k) => k.kind === kind)?.label[lang] ?? kind;
}
