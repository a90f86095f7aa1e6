import { useState } from 'preact/hooks';
import type { Role, TreeResponse, UserRow } from '../../../../../api/index.js';
import { useI18n, type T } from '../../i18n.js';
import { foldKey } from '../../../../../lib/vn/text.js';

export type ScopeLevel = 'district' | 'school';
type Scope = UserRow['scope'];

/** Which list a role's scope is chosen from: planners work for district offices, technicians and viewers for schools. */
export function scopeLevel(role: Role): ScopeLevel | null {
  if (role === 'admin') return null;
  return role === 'planner' ? 'district' : 'school';
}

/** The scope a role sends: only the list that role uses (an admin's is empty). */
export function scopeFor(role: Role, districtIds: Set<number>, schoolIds: Set<number>): Scope {
  const level = scopeLevel(role);
  if (level === 'district') return { districtIds: [...districtIds].sort((a, b) => a - b) };
  if (level === 'school') return { schoolIds: [...schoolIds].sort((a, b) => a - b) };
  return {};
}

/**
 * A user's scope as names. An empty scope reads the whole province (dashboard/server/scope.ts); for a technician it
 * is an unfinished account that may change nothing, so it says so.
 */
export function scopeText(t: T, tree: TreeResponse | null, role: Role, scope: Scope): { text: string; warn: boolean } {
  const d = scope.districtIds ?? [];
  const s = scope.schoolIds ?? [];
  if (role === 'admin' || (d.length === 0 && s.length === 0)) {
    return role === 'technician' ? { text: t('users.noScope'), warn: true } : { text: t('users.wholeProvince'), warn: false };
  }
  const name = (list: { id: number; name: string }[] | undefined, id: number) => list?.find((x) => x.id === id)?.name ?? `#${id}`;
  const names = [...d.map((id) => name(tree?.districts, id)), ...s.map((id) => name(tree?.schools, id))];
  return { text: names.join(', '), warn: false };
}

/**
 * Checkboxes of the districts or schools a user is assigned, with a filter box for long lists. Retired ones are
 * listed only when already assigned, so an old assignment can still be removed.
 */
export function ScopePicker(p: { level: ScopeLevel; tree: TreeResponse | null; selected: Set<number>; onChange: (s: Set<number>) => void }) {
  const { t } = useI18n();
  const [filter, setFilter] = useState('');
  const tree = p.tree;
  const districtName = new Map((tree?.districts ?? []).map((d) => [d.id, d.name]));
  const items = p.level === 'district'
    ? (tree?.districts ?? []).map((d) => ({ id: d.id, name: d.name, extra: d.code, retired: d.retired }))
    : (tree?.schools ?? []).map((s) => ({ id: s.id, name: s.name, extra: s.districtId === null ? t('tree.direct') : districtName.get(s.districtId) ?? '', retired: s.retired }));
  const f = fold(filter);
  const shown = items
    .filter((x) => !x.retired || p.selected.has(x.id))
    .filter((x) => !f || fold(`${x.name} ${x.extra}`).includes(f))
    .sort((a, b) => a.name.localeCompare(b.name, 'vi'));
  const toggle = (id: number, on: boolean) => {
    const next = new Set(p.selected);
    if (on) next.add(id); else next.delete(id);
    p.onChange(next);
  };
  return (
    <fieldset class="users-scope rec-wide" data-testid="user-scope" data-level={p.level}>
      <legend>{t(p.level === 'district' ? 'users.scopeDistricts' : 'users.scopeSchools')} · <span class="muted">{t('users.scopeSelected', { n: p.selected.size })}</span></legend>
      {items.length > 8 && (
        <input type="search" class="users-scope-filter" data-testid="user-scope-filter" placeholder={t('users.scopeFilter')} value={filter}
          onInput={(e) => setFilter(e.currentTarget.value)} />
      )}
      <div class="users-scope-list">
        {shown.map((x) => (
          <label key={x.id} class="rec-check">
            <input type="checkbox" data-testid={`user-scope-${p.level}-${x.id}`} checked={p.selected.has(x.id)} onChange={(e) => toggle(x.id, e.currentTarget.checked)} />
            <span>{x.name} {x.extra && <span class="muted small">· {x.extra}</span>} {x.retired && <span class="muted small">{t('users.retiredTag')}</span>}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** Lower case without diacritics, for the filter box ("lao cai" finds "Lào Cai"). */
const fold = foldKey;
