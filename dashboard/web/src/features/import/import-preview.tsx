import { useState } from 'preact/hooks';
import type { ImportPlanView, RoomType } from '../../../../../api/index.js';
import { ROOM_TYPES } from '../../../../../api/constants.js';
import { kindLabel, useKinds } from '../../data.js';
import { fmtNumber, useI18n, type MessageKey, type T } from '../../i18n.js';
import { roomTypeLabel } from '../../ui/format.js';

type Action = ImportPlanView['rows'][number]['action'];
const ACTIONS: readonly Action[] = ['create', 'update', 'unchanged'];
const COUNT_KEYS = ['create', 'update', 'unchanged', 'refused'] as const;

/** Record fields a plan row may name as changed, labelled as on the device record. */
const CHANGE_LABEL: Record<string, MessageKey> = {
  name: 'record.name', code: 'record.code', kind: 'record.kind', model: 'record.model', manufacturer: 'record.manufacturer',
  serial: 'record.serial', inServiceDate: 'record.inServiceDate', costVnd: 'record.costVnd', warrantyEnd: 'record.warrantyEnd',
  serviceLifeYears: 'record.serviceLifeYears', room: 'record.room',
};
const changeLabel = (t: T, field: string): string => (CHANGE_LABEL[field] ? t(CHANGE_LABEL[field]) : field);
const roomType = (t: T, type: string): string => ((ROOM_TYPES as readonly string[]).includes(type) ? roomTypeLabel(t, type as RoomType) : type);

/** The four counts as tiles; "refused" stands out when it is not zero. */
export function ImportCounts(p: { counts: ImportPlanView['counts'] }) {
  const { lang, t } = useI18n();
  const tone = { create: 'ok', update: '', unchanged: 'muted', refused: p.counts.refused ? 'warn' : 'muted' } as const;
  return (
    <div class="cards import-counts" data-testid="import-counts">
      {COUNT_KEYS.map((k) => (
        <div key={k} class={`card stat ${tone[k]}`}>
          <span class="stat-label">{t(`import.count.${k}`)}</span>
          <span class="stat-value" data-testid={`import-count-${k}`} data-count={p.counts[k]}>{fmtNumber(lang, p.counts[k], 0)}</span>
        </div>
      ))}
    </div>
  );
}

/** Every refused row with its line in the file and the reason: what the user must fix. */
export function ImportRefused(p: { refused: ImportPlanView['refused']; codeLabel?: string }) {
  const { lang, t } = useI18n();
  if (p.refused.length === 0) return null;
  return (
    <div class="card import-refused" data-testid="import-refused-card">
      <h2>{t('import.refusedTitle', { n: fmtNumber(lang, p.refused.length, 0) })}</h2>
      <p class="small">{t('import.refusedHint')}</p>
      <div class="table-wrap">
        <table data-testid="import-refused">
          <thead><tr><th class="num">{t('import.line')}</th><th>{p.codeLabel ?? t('import.code')}</th><th>{t('import.reason')}</th></tr></thead>
          <tbody>
            {p.refused.map((r, i) => (
              <tr key={`${r.line}-${i}`} data-testid={`import-refused-line-${r.line}`}>
                <td class="num">{r.line}</td>
                <td class="nowrap">{r.code ?? '—'}</td>
                <td>{r.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** Sites and rooms the import would create (the school must exist; these need not). */
export function ImportNewPlaces(p: { plan: ImportPlanView }) {
  const { t } = useI18n();
  const { newSites, newRooms } = p.plan;
  if (!newSites.length && !newRooms.length) return null;
  return (
    <div class="card import-new-places" data-testid="import-new-places">
      {newSites.length > 0 && (
        <>
          <h3>{t('import.newSites', { n: newSites.length })}</h3>
          <ul data-testid="import-new-sites">{newSites.map((s) => <li key={`${s.schoolCode}|${s.name}`}>{s.schoolCode} · {s.name}</li>)}</ul>
        </>
      )}
      {newRooms.length > 0 && (
        <>
          <h3>{t('import.newRooms', { n: newRooms.length })}</h3>
          <ul data-testid="import-new-rooms">
            {newRooms.map((r) => <li key={`${r.schoolCode}|${r.site}|${r.code}`}>{r.schoolCode} · {r.site} · <b>{r.code}</b> <span class="muted">({roomType(t, r.type)})</span></li>)}
          </ul>
        </>
      )}
    </div>
  );
}

/** The planned rows (the server sends up to 2,000; the counts are always complete), filterable by action. */
export function ImportRows(p: { plan: ImportPlanView }) {
  const { lang, t } = useI18n();
  const kinds = useKinds();
  const [only, setOnly] = useState<Action | ''>('');
  const rows = only ? p.plan.rows.filter((r) => r.action === only) : p.plan.rows;
  const valid = p.plan.counts.create + p.plan.counts.update + p.plan.counts.unchanged;
  return (
    <div class="card import-rows">
      <div class="import-rows-head">
        <h2>{t('import.rowsTitle')}</h2>
        <select data-testid="import-rows-filter" value={only} onChange={(e) => setOnly(e.currentTarget.value as Action | '')} aria-label={t('import.action')}>
          <option value="">{t('import.filterAll')}</option>
          {ACTIONS.map((a) => <option key={a} value={a}>{t(`import.action.${a}`)}</option>)}
        </select>
      </div>
      {p.plan.rows.length < valid && <p class="muted small">{t('import.rowsShown', { shown: fmtNumber(lang, p.plan.rows.length, 0), total: fmtNumber(lang, valid, 0) })}</p>}
      {valid === 0 ? <p class="muted">{t('import.rowsNone')}</p> : (
        <div class="table-wrap import-rows-scroll">
          <table data-testid="import-rows">
            <thead>
              <tr>
                <th class="num">{t('import.line')}</th><th>{t('import.action')}</th><th>{t('import.code')}</th><th>{t('import.name')}</th>
                <th>{t('import.kind')}</th><th>{t('import.place')}</th><th>{t('import.changes')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.line} data-testid={`import-row-${r.line}`} data-action={r.action}>
                  <td class="num">{r.line}</td>
                  <td><span class={`badge import-action-${r.action}`}>{t(`import.action.${r.action}`)}</span></td>
                  <td class="nowrap">{r.code}</td>
                  <td>{r.name}</td>
                  <td>{kindLabel(kinds, r.kind, lang)}</td>
                  <td>{r.school} · {r.site} · {r.room}</td>
                  <td class="small">{r.changes.map((c) => changeLabel(t, c)).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

/** Columns the importer did not use, and remarks that do not refuse a row. */
export function ImportNotes(p: { plan: Pick<ImportPlanView, 'ignoredColumns' | 'notes'> }) {
  const { t } = useI18n();
  const { ignoredColumns, notes } = p.plan;
  if (!ignoredColumns.length && !notes.length) return null;
  return (
    <div class="notice import-notes" data-testid="import-notes">
      {ignoredColumns.length > 0 && <p data-testid="import-ignored">{t('import.ignored', { columns: ignoredColumns.join(', ') })}</p>}
      {notes.length > 0 && (
        <>
          <b>{t('import.notes')}</b>
          <ul>{notes.map((n, i) => <li key={i}>{n}</li>)}</ul>
        </>
      )}
    </div>
  );
}
