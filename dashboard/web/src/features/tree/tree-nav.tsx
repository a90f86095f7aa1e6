import type { ComponentChildren } from 'preact';
import { useI18n } from '../../i18n.js';
import { onLinkClick } from '../../router.js';
import { nodeKey, treeUrl, type Level, type Selection, type TreeIndex } from './tree-model.js';

interface NavProps {
  index: TreeIndex;
  selected: Selection | null;
  showRetired: boolean;
  open: Set<string>;
  onToggle: (key: string) => void;
}

/** The collapsible tree district → school → site → room; a node's label is a link, so selections are linkable. */
export function TreeNav(p: NavProps) {
  const { t } = useI18n();
  const ix = p.index;

  const node = (level: Level | 'direct', id: number | null, label: ComponentChildren, opts: { retired?: boolean; extra?: string; children?: () => ComponentChildren; hasChildren: boolean }) => {
    const key = nodeKey(level, id);
    const isOpen = p.open.has(key);
    const testid = level === 'direct' ? 'tree-node-direct' : `tree-node-${level}-${id}`;
    const isSelected = level !== 'direct' && p.selected?.level === level && p.selected.id === id;
    const to = level === 'direct' || id === null ? null : treeUrl({ level, id }, p.showRetired);
    return (
      <li key={key} class={`tree-item tree-${level}${opts.retired ? ' retired' : ''}`} role="treeitem" aria-expanded={opts.hasChildren ? isOpen : undefined} aria-selected={isSelected}>
        <div class={`tree-row${isSelected ? ' selected' : ''}`}>
          {opts.hasChildren
            ? <button class="tree-toggle" data-testid={`tree-toggle-${level === 'direct' ? 'direct' : `${level}-${id}`}`} title={isOpen ? t('tree.collapse') : t('tree.expand')}
                aria-label={isOpen ? t('tree.collapse') : t('tree.expand')} onClick={() => p.onToggle(key)}>{isOpen ? '▾' : '▸'}</button>
            : <span class="tree-toggle-space" />}
          {to
            ? <a href={to} class="tree-label" data-testid={testid} title={typeof label === 'string' ? label : undefined} aria-current={isSelected ? 'true' : undefined} onClick={(e) => onLinkClick(e, to)}>{label}</a>
            : <button class="tree-label tree-label-button" data-testid={testid} onClick={() => p.onToggle(key)}>{label}</button>}
          {opts.retired && <span class="tree-retired-tag">{t('place.retiredTag')}</span>}
          {opts.extra && <span class="tree-extra muted small">{opts.extra}</span>}
        </div>
        {opts.hasChildren && isOpen && <ul role="group">{opts.children?.()}</ul>}
      </li>
    );
  };

  const rooms = (siteId: number) => (ix.roomsOf.get(siteId) ?? []).map((r) =>
    node('room', r.id, `${r.code} · ${r.name}`, { retired: r.retired, hasChildren: false, extra: t('tree.devicesCount', { n: r.devices }) }));
  const sites = (schoolId: number) => (ix.sitesOf.get(schoolId) ?? []).map((s) =>
    node('site', s.id, s.name, { retired: s.retired, hasChildren: (ix.roomsOf.get(s.id)?.length ?? 0) > 0, children: () => rooms(s.id) }));
  const schools = (districtId: number | null) => (ix.schoolsOf.get(districtId) ?? []).map((s) =>
    node('school', s.id, s.name, { retired: s.retired, hasChildren: (ix.sitesOf.get(s.id)?.length ?? 0) > 0, children: () => sites(s.id) }));

  const direct = ix.schoolsOf.get(null) ?? [];
  return (
    <ul class="tree" role="tree" data-testid="tree">
      {[...ix.districts.values()].map((d) =>
        node('district', d.id, d.name, { retired: d.retired, hasChildren: (ix.schoolsOf.get(d.id)?.length ?? 0) > 0, children: () => schools(d.id) }))}
      {direct.length > 0 && node('direct', null, t('tree.direct'), { hasChildren: true, children: () => schools(null) })}
    </ul>
  );
}
