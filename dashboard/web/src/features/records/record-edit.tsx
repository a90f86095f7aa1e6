import { useState } from 'preact/hooks';
import type { DeviceRecord, DeviceRecordPatch, RecordState, TreeResponse } from '../../../../../api/index.js';
import { RECORD_STATES } from '../../../../../api/constants.js';
import { patch as patchCall } from '../../api.js';
import { useSubmit } from '../../hooks/submit.js';
import { useI18n } from '../../i18n.js';
import { errorText, recordStateLabel } from '../../ui/format.js';
import { ErrorLine } from '../../ui/states.js';
import { fieldKey, formOf, patchOf, RecordFields } from './record-fields.js';

/** Rooms for a move, grouped by school and site; the device's current room is always there. */
function RoomSelect(p: { tree: TreeResponse | null; record: DeviceRecord; value: number; onChange: (id: number) => void }) {
  const groups: { label: string; rooms: { id: number; label: string }[] }[] = [];
  const tree = p.tree;
  if (tree) {
    const schools = new Map(tree.schools.map((s) => [s.id, s.name]));
    for (const site of [...tree.sites].sort((a, b) => (schools.get(a.schoolId) ?? '').localeCompare(schools.get(b.schoolId) ?? '', 'vi') || a.name.localeCompare(b.name, 'vi'))) {
      const rooms = tree.rooms.filter((r) => r.siteId === site.id && (!r.retired || r.id === p.record.roomId));
      if (rooms.length) groups.push({ label: `${schools.get(site.schoolId) ?? ''} · ${site.name}`, rooms: rooms.map((r) => ({ id: r.id, label: `${r.code} · ${r.name}` })) });
    }
  }
  const known = groups.some((g) => g.rooms.some((r) => r.id === p.record.roomId));
  return (
    <select data-testid="record-input-roomId" value={String(p.value)} onChange={(e) => p.onChange(Number(e.currentTarget.value))}>
      {!known && <option value={String(p.record.roomId)}>{p.record.place.schoolName} · {p.record.place.roomName}</option>}
      {groups.map((g) => <optgroup key={g.label} label={g.label}>{g.rooms.map((r) => <option key={r.id} value={String(r.id)}>{r.label}</option>)}</optgroup>)}
    </select>
  );
}

/** Edit and move a device record: PATCH /api/devices/:id with only what changed. */
export function RecordEditForm(p: { record: DeviceRecord; tree: TreeResponse | null; onSaved: (r: DeviceRecord) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const before = formOf(p.record);
  const [form, setForm] = useState(before);
  const [roomId, setRoomId] = useState(p.record.roomId);
  const [state, setState] = useState<RecordState>(p.record.state);
  const save = useSubmit((body: DeviceRecordPatch) => patchCall('/api/devices/:id', { params: { id: p.record.id }, body }), p.onSaved);
  const { busy, error, setError } = save;

  const submit = (e: Event) => {
    e.preventDefault();
    setError('');
    let patch: DeviceRecordPatch;
    try {
      patch = patchOf(form, before, (f) => t('record.badNumber', { field: t(fieldKey(f)) }));
    } catch (err) {
      return setError(errorText(err));
    }
    if (roomId !== p.record.roomId) patch.roomId = roomId;
    if (state !== p.record.state) patch.state = state;
    if (Object.keys(patch).length === 0) return setError(t('record.noChanges'));
    void save.run(patch);
  };

  return (
    <form class="rec-form" data-testid="record-form" onSubmit={submit}>
      <RecordFields form={form} onChange={setForm} prefix="record-input" />
      <label>
        <span>{t('record.room')}</span>
        <RoomSelect tree={p.tree} record={p.record} value={roomId} onChange={setRoomId} />
      </label>
      <label>
        <span>{t('record.state')}</span>
        <select data-testid="record-input-state" value={state} onChange={(e) => setState(e.currentTarget.value as RecordState)}>
          {RECORD_STATES.map((s) => <option key={s} value={s}>{recordStateLabel(t, s)}</option>)}
        </select>
      </label>
      <ErrorLine message={error} testid="record-error" class="rec-wide" bare />
      <div class="rec-actions rec-wide">
        <button type="submit" class="primary" disabled={busy} data-testid="record-save">{t('record.save')}</button>
        <button type="button" data-testid="record-cancel" onClick={p.onCancel}>{t('record.cancel')}</button>
      </div>
    </form>
  );
}
