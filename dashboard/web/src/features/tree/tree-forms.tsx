import { useState } from 'preact/hooks';
import type { CreatedId, RoomType, SchoolLevel } from '../../../../../api/index.js';
import { ROOM_TYPES, SCHOOL_LEVELS } from '../../../../../api/constants.js';
import { useSubmit } from '../../hooks/submit.js';
import { useI18n, type MessageKey } from '../../i18n.js';
import { levelLabel, roomTypeLabel } from '../../ui/format.js';
import { ErrorLine } from '../../ui/states.js';
import { savePlace, type PlaceValues } from './tree-api.js';
import type { Level, Selection, TreeIndex } from './tree-model.js';

export type { PlaceValues } from './tree-api.js';

const BLANK: PlaceValues = { code: '', name: '', level: 'thpt', districtId: '', pupils: '', schoolId: '', siteId: '', type: 'classroom', capacity: '' };
const FIELDS: Record<Level, (keyof PlaceValues)[]> = {
  district: ['code', 'name'],
  school: ['code', 'name', 'level', 'districtId', 'pupils'],
  site: ['name', 'schoolId'],
  room: ['code', 'name', 'type', 'capacity', 'siteId'],
};

export function blankPlace(over: Partial<PlaceValues>): PlaceValues {
  return { ...BLANK, ...over };
}

/** The current values of an existing place, to edit. */
export function valuesOf(ix: TreeIndex, sel: Selection): PlaceValues {
  const s = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));
  switch (sel.level) {
    case 'district': { const d = ix.districts.get(sel.id)!; return blankPlace({ code: d.code, name: d.name }); }
    case 'school': { const x = ix.schools.get(sel.id)!; return blankPlace({ code: x.code, name: x.name, level: x.level, districtId: s(x.districtId), pupils: s(x.pupils) }); }
    case 'site': { const x = ix.sites.get(sel.id)!; return blankPlace({ name: x.name, schoolId: s(x.schoolId) }); }
    case 'room': { const x = ix.rooms.get(sel.id)!; return blankPlace({ code: x.code, name: x.name, type: x.type, capacity: s(x.capacity), siteId: s(x.siteId) }); }
  }
}

const LABEL: Record<keyof PlaceValues, MessageKey> = {
  code: 'place.code', name: 'place.name', level: 'place.level', districtId: 'place.parentDistrict', pupils: 'place.pupils',
  schoolId: 'place.parentSchool', siteId: 'place.parentSite', type: 'place.type', capacity: 'place.capacity',
};

/**
 * Create (POST /api/<level>s) or edit and move (PATCH /api/<level>s/:id, only the changed fields) one place.
 * The server checks the permission and scope again; its refusal shows inline.
 */
export function PlaceForm(p: { level: Level; index: TreeIndex; initial: PlaceValues; editId?: number; title: string; onDone: (sel: Selection) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [v, setV] = useState(p.initial);
  const ix = p.index;
  const set = (f: keyof PlaceValues) => (e: { currentTarget: { value: string } }) => setV({ ...v, [f]: e.currentTarget.value });
  const editing = p.editId !== undefined;
  const save = useSubmit((send: () => Promise<CreatedId>) => send(), (res) => p.onDone({ level: p.level, id: res.id }));
  const { busy, error } = save;

  const submit = (e: Event) => {
    e.preventDefault();
    const send = savePlace(p.level, v, editing ? { id: p.editId!, before: p.initial } : undefined);
    if (!send) return p.onCancel();
    void save.run(send);
  };

  const field = (f: keyof PlaceValues) => {
    let control;
    if (f === 'level') {
      control = <select data-testid="place-level" value={v.level} onChange={set('level')}>
        {SCHOOL_LEVELS.map((l) => <option key={l} value={l}>{levelLabel(t, l as SchoolLevel)}</option>)}
      </select>;
    } else if (f === 'type') {
      control = <select data-testid="place-type" value={v.type} onChange={set('type')}>
        {ROOM_TYPES.map((r) => <option key={r} value={r}>{roomTypeLabel(t, r as RoomType)}</option>)}
      </select>;
    } else if (f === 'districtId') {
      control = <select data-testid="place-district" value={v.districtId} onChange={set('districtId')}>
        <option value="">{t('tree.direct')}</option>
        {[...ix.districts.values()].filter((d) => !d.retired || String(d.id) === p.initial.districtId).map((d) => <option key={d.id} value={String(d.id)}>{d.name}</option>)}
      </select>;
    } else if (f === 'schoolId') {
      control = <select data-testid="place-school" value={v.schoolId} onChange={set('schoolId')} required>
        {[...ix.schools.values()].filter((s) => !s.retired || String(s.id) === p.initial.schoolId).map((s) => <option key={s.id} value={String(s.id)}>{s.name}</option>)}
      </select>;
    } else if (f === 'siteId') {
      control = <select data-testid="place-site" value={v.siteId} onChange={set('siteId')} required>
        {[...ix.schools.values()].map((s) => {
          const sites = (ix.sitesOf.get(s.id) ?? []).filter((x) => !x.retired || String(x.id) === p.initial.siteId);
          return sites.length > 0 && <optgroup key={s.id} label={s.name}>{sites.map((x) => <option key={x.id} value={String(x.id)}>{x.name}</option>)}</optgroup>;
        })}
      </select>;
    } else {
      control = f === 'pupils' || f === 'capacity'
        ? <input data-testid={`place-${f}`} type="number" min={0} step={1} value={v[f]} onInput={set(f)} />
        : <input data-testid={`place-${f}`} type="text" required maxLength={f === 'code' ? 32 : 200} value={v[f]} onInput={set(f)} />;
    }
    return <label key={f}><span>{t(LABEL[f])}</span>{control}</label>;
  };

  return (
    <form class="card place-form rec-form" data-testid="place-form" onSubmit={submit}>
      <h3 class="rec-wide">{p.title}</h3>
      {FIELDS[p.level].map(field)}
      <ErrorLine message={error} testid="place-error" class="rec-wide" bare />
      <div class="rec-actions rec-wide">
        <button type="submit" class="primary" disabled={busy} data-testid={p.editId !== undefined ? 'place-save' : 'place-create'}>
          {busy ? t('place.saving') : p.editId !== undefined ? t('place.save') : t('place.create')}
        </button>
        <button type="button" data-testid="place-cancel" onClick={p.onCancel}>{t('place.cancel')}</button>
      </div>
    </form>
  );
}
