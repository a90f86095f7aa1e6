import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Me } from '../../../../../api/index.js';
import { useGet } from '../../hooks/api-query.js';
import { ErrorLine, Loading } from '../../ui/states.js';
import { TreeDetails } from './tree-details.js';
import { readSelection, TreeIndex, treeUrl, type Selection } from './tree-model.js';
import { TreeNav } from './tree-nav.js';
import { useI18n } from '../../i18n.js';
import { navigate } from '../../router.js';

/**
 * Districts → schools → sites → rooms (GET /api/hierarchy/tree) beside the selected node's details. The selection
 * and the "show retired" switch live in the URL, so a reload or a shared link opens the same node.
 */
export function TreePage(p: { me: Me; search: URLSearchParams }) {
  const { t } = useI18n();
  const sel = readSelection(p.search);
  const showRetired = p.search.get('retired') === '1';
  // A write on this page (a place, a device, credentials) makes the tree stale (hooks/query.ts WRITE_EFFECTS).
  const q = useGet('/api/hierarchy/tree', { query: { includeRetired: showRetired || undefined } }, { keepPrevious: true });
  const tree = q.data ?? null;
  const [open, setOpen] = useState<Set<string>>(new Set());

  const index = useMemo(() => (tree ? new TreeIndex(tree) : null), [tree]);

  // Open the way down to the selection (on load, on a link, on back and forward).
  const selKey = sel ? `${sel.level}:${sel.id}` : '';
  useEffect(() => {
    if (!index || !sel) return;
    const need = index.ancestors(sel).filter((k) => !open.has(k));
    if (need.length) setOpen(new Set([...open, ...need]));
  }, [index, selKey]);

  const toggle = (key: string) => {
    const next = new Set(open);
    if (!next.delete(key)) next.add(key);
    setOpen(next);
  };
  const changed = (next?: Selection) => {
    if (next) navigate(treeUrl(next, showRetired));
  };
  const perms = tree?.permissions ?? p.me.permissions;

  return (
    <section>
      <div class="page-head">
        <h1>{t('tree.title')}</h1>
        <label class="rec-check">
          <input type="checkbox" data-testid="tree-show-retired" checked={showRetired} onChange={(e) => navigate(treeUrl(sel, e.currentTarget.checked), true)} />
          {t('tree.showRetired')}
        </label>
      </div>
      <ErrorLine message={q.error} testid="tree-error" />
      {!index && !q.error && <Loading label="tree.loading" />}
      {index && (
        <div class="tree-layout">
          <nav class="card tree-panel" aria-label={t('tree.title')}>
            {tree && tree.districts.length + tree.schools.length === 0
              ? <p class="muted" data-testid="tree-empty">{t('tree.empty')}</p>
              : <TreeNav index={index} selected={sel} showRetired={showRetired} open={open} onToggle={toggle} />}
          </nav>
          <TreeDetails key={selKey || 'root'} index={index} sel={sel} perms={perms} showRetired={showRetired} onChanged={changed} />
        </div>
      )}
    </section>
  );
}
