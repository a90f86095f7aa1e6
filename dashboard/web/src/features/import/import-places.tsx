import type { PlacesPlanView, SchoolLevel } from '../../../../../api/index.js';
import { fmtNumber, useI18n, type MessageKey } from '../../i18n.js';

export type ImportKind = 'devices' | 'places';

/** Where each kind of list is uploaded, polled, applied and exported (dashboard/server/routes/imports.ts). */
export const IMPORT_API: Record<ImportKind, { jobs: string; export: string }> = {
  devices: { jobs: '/api/imports', export: '/api/register' },
  places: { jobs: '/api/imports/places', export: '/api/places' },
};

/** The device register or the Sở's list of schools; offered only to users who may edit schools. */
export function ImportKindChoice(p: { kind: ImportKind; disabled: boolean; onChange: (k: ImportKind) => void }) {
  const { t } = useI18n();
  return (
    <div class="segmented import-kind" role="radiogroup" aria-label={t('importPlaces.kind')} data-testid="import-kind">
      {(['devices', 'places'] as const).map((k) => (
        <label key={k} class={p.kind === k ? 'active' : ''}>
          <input type="radio" name="import-kind" value={k} checked={p.kind === k} disabled={p.disabled} data-testid={`import-kind-${k}`}
            onChange={() => p.onChange(k)} />
          {t(`importPlaces.kind.${k}`)}
        </label>
      ))}
    </div>
  );
}

/** The columns the places import knows (registry/import/places-columns.ts; kept in step by hand). */
const REQUIRED = ['Mã trường', 'Tên trường'];
const OPTIONAL = ['Mã Phòng GDĐT', 'Phòng GDĐT', 'Cấp học', 'Số học sinh', 'Điểm trường'];

export function PlacesImportHelp(p: { open: boolean }) {
  const { t } = useI18n();
  return (
    <details class="card import-help" data-testid="import-help" open={p.open}>
      <summary>{t('import.helpTitle')}</summary>
      <p>{t('importPlaces.helpRequired', { columns: REQUIRED.join(', ') })}</p>
      <p>{t('importPlaces.helpOptional', { columns: OPTIONAL.join(', ') })}</p>
      <p class="muted small">{t('importPlaces.helpFormats')}</p>
    </details>
  );
}

const LEVEL_KEYS: Record<SchoolLevel, MessageKey> = {
  mam_non: 'place.level.mam_non', tieu_hoc: 'place.level.tieu_hoc', thcs: 'place.level.thcs', thpt: 'place.level.thpt', gdtx: 'place.level.gdtx',
};
const CHANGE_KEYS: Record<string, MessageKey> = {
  name: 'importPlaces.change.name', level: 'importPlaces.change.level', pupils: 'importPlaces.change.pupils', district: 'importPlaces.change.district',
};

/** Districts and schools of the file with what would happen to each, then the sites that would be created. */
export function PlacesRows(p: { plan: PlacesPlanView }) {
  const { lang, t } = useI18n();
  const { districts, schools, newSites } = p.plan;
  const level = (l?: string) => (l && l in LEVEL_KEYS ? t(LEVEL_KEYS[l as SchoolLevel]) : '');
  const district = (d?: string | null) => (d === null ? t('importPlaces.underSo') : d ?? '');
  return (
    <div class="card import-rows">
      <h2>{t('importPlaces.rowsTitle')}</h2>
      {districts.length + schools.length === 0 ? <p class="muted">{t('import.rowsNone')}</p> : (
        <div class="table-wrap import-rows-scroll">
          <table data-testid="import-places-rows">
            <thead>
              <tr>
                <th class="num">{t('import.line')}</th><th>{t('import.action')}</th><th>{t('importPlaces.what')}</th><th>{t('importPlaces.code')}</th>
                <th>{t('importPlaces.name')}</th><th>{t('importPlaces.level')}</th><th class="num">{t('importPlaces.pupils')}</th>
                <th>{t('importPlaces.district')}</th><th>{t('import.changes')}</th>
              </tr>
            </thead>
            <tbody>
              {districts.map((d) => (
                <tr key={`d-${d.code}`} data-testid={`import-district-${d.code}`} data-action={d.action}>
                  <td class="num">{d.line}</td>
                  <td><span class={`badge import-action-${d.action}`}>{t(`import.action.${d.action}`)}</span></td>
                  <td>{t('importPlaces.what.district')}</td><td class="nowrap">{d.code}</td><td>{d.name}</td><td /><td /><td /><td />
                </tr>
              ))}
              {schools.map((s) => (
                <tr key={`s-${s.code}`} data-testid={`import-school-${s.code}`} data-action={s.action}>
                  <td class="num">{s.line}</td>
                  <td><span class={`badge import-action-${s.action}`}>{t(`import.action.${s.action}`)}</span></td>
                  <td>{t('importPlaces.what.school')}</td><td class="nowrap">{s.code}</td><td>{s.name}</td><td>{level(s.level)}</td>
                  <td class="num">{s.pupils === undefined ? '' : fmtNumber(lang, s.pupils, 0)}</td>
                  <td>{district(s.district)}</td>
                  <td class="small">{s.changes.map((c) => (CHANGE_KEYS[c] ? t(CHANGE_KEYS[c]) : c)).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {newSites.length > 0 && (
        <>
          <h3>{t('importPlaces.newSites', { n: fmtNumber(lang, p.plan.counts.newSites, 0) })}</h3>
          <ul data-testid="import-new-sites">{newSites.map((s) => <li key={`${s.schoolCode}|${s.name}`}>{s.schoolCode} · {s.name}</li>)}</ul>
        </>
      )}
    </div>
  );
}
