import type { DeviceRecord, DeviceRecordPatch } from '../../../../../api/index.js';
import { useI18n, type MessageKey } from '../../i18n.js';

/** The free-text and number fields of a device record, as typed in a form (all strings; '' means empty). */
export const TEXT_FIELDS = ['code', 'model', 'manufacturer', 'serial', 'fundingSource'] as const;
export const DATE_FIELDS = ['inServiceDate', 'warrantyEnd'] as const;
export const NUMBER_FIELDS = ['costVnd', 'serviceLifeYears'] as const;
type FieldName = 'name' | typeof TEXT_FIELDS[number] | typeof DATE_FIELDS[number] | typeof NUMBER_FIELDS[number] | 'notes';
export type RecordForm = Record<FieldName, string>;

export const EMPTY_FORM: RecordForm = {
  name: '', code: '', model: '', manufacturer: '', serial: '', fundingSource: '', inServiceDate: '', warrantyEnd: '', costVnd: '', serviceLifeYears: '', notes: '',
};

export function formOf(r: DeviceRecord): RecordForm {
  const s = (v: string | number | null) => (v === null ? '' : String(v));
  return {
    name: r.name, code: s(r.code), model: s(r.model), manufacturer: s(r.manufacturer), serial: s(r.serial), fundingSource: s(r.fundingSource),
    inServiceDate: s(r.inServiceDate), warrantyEnd: s(r.warrantyEnd), costVnd: s(r.costVnd), serviceLifeYears: s(r.serviceLifeYears), notes: s(r.notes),
  };
}

/**
 * The patch a form makes: only the fields that differ from `before` (all non-empty ones for a new record); an
 * emptied field becomes null. Throws the label of a field whose number does not parse.
 */
export function patchOf(form: RecordForm, before: RecordForm | null, label: (f: FieldName) => string): DeviceRecordPatch {
  const patch: Record<string, string | number | null> = {};
  for (const f of Object.keys(EMPTY_FORM) as FieldName[]) {
    const v = form[f].trim();
    if (before ? v === before[f].trim() : v === '') continue;
    if (f === 'name') {
      if (v) patch.name = v;
      continue;
    }
    if ((NUMBER_FIELDS as readonly string[]).includes(f)) {
      const n = Number(v.replace(/[.\s]/g, ''));
      if (v && (!Number.isInteger(n) || n < 0)) throw new Error(label(f));
      patch[f] = v ? n : null;
    } else patch[f] = v || null;
  }
  return patch as DeviceRecordPatch;
}

export const fieldKey = (f: FieldName): MessageKey => `record.${f}`;

/** Inputs for every record field; `prefix` keeps test ids apart when two forms could be on one page. */
export function RecordFields(p: { form: RecordForm; onChange: (f: RecordForm) => void; prefix: string }) {
  const { t } = useI18n();
  const input = (f: FieldName, type: 'text' | 'date' | 'number' = 'text') => {
    const common = { 'data-testid': `${p.prefix}-${f}`, value: p.form[f], onInput: (e: { currentTarget: HTMLInputElement }) => p.onChange({ ...p.form, [f]: e.currentTarget.value }) };
    return (
      <label key={f}>
        <span>{t(fieldKey(f))}</span>
        {type === 'number' ? <input type="number" min={0} step={1} {...common} /> : type === 'date' ? <input type="date" {...common} /> : <input type="text" {...common} />}
      </label>
    );
  };
  return (
    <>
      {input('name')}
      {TEXT_FIELDS.map((f) => input(f))}
      {DATE_FIELDS.map((f) => input(f, 'date'))}
      {NUMBER_FIELDS.map((f) => input(f, 'number'))}
      <label class="rec-wide">
        <span>{t('record.notes')}</span>
        <textarea data-testid={`${p.prefix}-notes`} rows={3} value={p.form.notes} onInput={(e) => p.onChange({ ...p.form, notes: e.currentTarget.value })} />
      </label>
    </>
  );
}
