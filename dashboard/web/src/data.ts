import { useEffect, useState } from 'preact/hooks';
import type { HierarchyResponse, KindInfo } from '../../../api/index.js';
import { api } from './api.js';

/** Data that changes rarely, fetched once per login and shared by the pages. */
let kinds: Promise<KindInfo[]> | null = null;
let hierarchy: Promise<HierarchyResponse> | null = null;

export function clearCaches(): void {
  kinds = null;
  hierarchy = null;
}

function useCached<T>(get: () => Promise<T>): T | null {
  const [value, setValue] = useState<T | null>(null);
  useEffect(() => {
    let live = true;
    get().then((v) => live && setValue(v), () => {});
    return () => void (live = false);
  }, []);
  return value;
}

export function useKinds(): KindInfo[] | null {
  return useCached(() => (kinds ??= api<KindInfo[]>('/api/kinds').catch((e: unknown) => { kinds = null; throw e; })));
}

export function useHierarchy(): HierarchyResponse | null {
  return useCached(() => (hierarchy ??= api<HierarchyResponse>('/api/hierarchy').catch((e: unknown) => { hierarchy = null; throw e; })));
}

export function kindLabel(list: KindInfo[] | null, kind: string, lang: 'vi' | 'en'): string {
  return list?.find((k) => k.kind === kind)?.label[lang] ?? kind;
}
