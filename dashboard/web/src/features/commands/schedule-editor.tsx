import { useEffect, useState } from 'preact/hooks';
import type { CommandTargetInput, ScheduleInputBody, SchedulePreview, ScheduleView } from '../../../../../api/index.js';
import { scheduleSummary, weekdayName } from '../../../../../domain/schedule-text.js';
import type { DeviceKind } from '../../../../../protocol/kinds/index.js';
import { post, put } from '../../api.js';
import { kindLabel, useKinds } from '../../data.js';
import { useGet } from '../../hooks/api-query.js';
import { useSubmit } from '../../hooks/submit.js';
import { fmtDate, useI18n, type Lang } from '../../i18n.js';
import { formatHourMinute } from '../../../../../lib/vn/format.js';
import { vnDay } from '../../../../../lib/vn/time.js';
import { Dialog } from '../../ui/dialog.js';
import { ErrorLine } from '../../ui/states.js';
import { ArgsForm } from './args-form.js';
import { argFields, argsFrom, commandLabel, commandsOfKinds, defaultArgValues, KINDS_WITH_COMMANDS, type ArgField } from './defs.js';
import { commandError } from './command-error.js';
import { argLabel } from './messages.js';

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const strings = (args: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries((args ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));

/**
 * Creates or edits a schedule of one school: what (target, command, arguments), when (days, time, an optional end
 * with a second command), with its summary in words and the next five runs the server computes as it is typed.
 */
export function ScheduleEditor(p: { schoolId: number; schoolName: string; editing: ScheduleView | null; onDone: () => void }) {
  const { lang, t } = useI18n();
  const kinds = useKinds();
  const tree = useGet('/api/hierarchy/tree', {}, { keep: true });
  const e = p.editing;
  // Its recent fires, each with why it was skipped or missed (a holiday, a room moved to another school …).
  const detail = useGet(e ? '/api/schedules/:id' : null, { params: { id: e?.id ?? 0 } });
  const [name, setName] = useState(e?.name ?? '');
  const [where, setWhere] = useState(e && e.target.type !== 'school' ? `${e.target.type}:${e.target.id}` : `school:${p.schoolId}`);
  const [kind, setKind] = useState<DeviceKind | ''>(e?.target.kind ?? '');
  const defs = commandsOfKinds(kind ? [kind] : KINDS_WITH_COMMANDS);
  const [command, setCommand] = useState(e?.command ?? defs[0]?.name ?? '');
  const [values, setValues] = useState<Record<string, string>>(strings(e?.args));
  const [days, setDays] = useState<number[]>(e?.days ?? [1, 2, 3, 4, 5, 6]);
  const [at, setAt] = useState(e?.at ?? '17:30');
  const [ranged, setRanged] = useState(Boolean(e?.until));
  const [untilAt, setUntilAt] = useState(e?.until?.at ?? '06:00');
  const [untilCommand, setUntilCommand] = useState(e?.until?.command ?? defs[0]?.name ?? '');
  const [untilValues, setUntilValues] = useState<Record<string, string>>(strings(e?.until?.args));
  const [skipHolidays, setSkip] = useState(e?.skipHolidays ?? true);
  const [enabled, setEnabled] = useState(e?.enabled ?? true);
  const [preview, setPreview] = useState<SchedulePreview | null>(null);

  const def = defs.find((d) => d.name === command) ?? defs[0];
  const fields = argFields(def);
  const untilDef = defs.find((d) => d.name === untilCommand) ?? defs[0];
  const untilFields = argFields(untilDef);
  const [type, id] = where.split(':') as [CommandTargetInput['type'], string];
  // The preview needs no name: it shows the runs while the name is still being thought of.
  const body = (forPreview = false): ScheduleInputBody | string => {
    if (!name.trim() && !forPreview) return t('sched.needName');
    if (days.length === 0) return t('sched.needDays');
    if (!HHMM.test(at) || (ranged && !HHMM.test(untilAt))) return t('sched.badTime');
    const a = argsOf(fields, values);
    if (typeof a === 'string') return t('cmd.badArg', { field: argLabel(t, a) });
    const u = argsOf(untilFields, untilValues);
    if (ranged && typeof u === 'string') return t('cmd.badArg', { field: argLabel(t, u) });
    return {
      schoolId: p.schoolId, name: name.trim() || '—', target: { type, id, kind: kind || null }, command: def?.name ?? '', args: a,
      days: [...days].sort((x, y) => x - y), at, until: ranged && typeof u !== 'string' ? { at: untilAt, command: untilDef?.name ?? '', args: u } : null,
      skipHolidays, enabled, ratePerMin: e?.ratePerMin, abortFailedPct: e?.abortFailedPct, ttlSeconds: e?.ttlMs ? Math.round(e.ttlMs / 1000) : undefined,
    };
  };
  const draft = body(true);
  const draftKey = JSON.stringify(draft);

  useEffect(() => {
    if (typeof draft === 'string') return;
    let live = true;
    const timer = setTimeout(() => {
      post('/api/schedules/preview', { body: draft }).then((pv) => { if (live) setPreview(pv); }, () => { if (live) setPreview(null); });
    }, 200);
    return () => { live = false; clearTimeout(timer); };
  }, [draftKey]);

  const save = useSubmit(async () => {
    const b = body();
    if (typeof b === 'string') throw new Error(b);
    return e ? put('/api/schedules/:id', { params: { id: e.id }, body: b }) : post('/api/schedules', { body: b });
  }, () => p.onDone(), (err) => commandError(t, err));

  const sites = tree.data?.sites.filter((s) => s.schoolId === p.schoolId && !s.retired) ?? [];
  const rooms = tree.data?.rooms.filter((r) => r.schoolId === p.schoolId && !r.retired) ?? [];
  const toggleDay = (d: number) => setDays((ds) => (ds.includes(d) ? ds.filter((x) => x !== d) : [...ds, d]));
  return (
    <Dialog open title={e ? t('sched.edit') : t('sched.new')} onClose={p.onDone} testid="schedule-editor">
      <form class="sched-form" noValidate onSubmit={(ev) => { ev.preventDefault(); void save.run(); }}>
        <label class="small">{t('sched.name')} <input data-testid="sched-name" value={name} maxLength={120} onInput={(ev) => setName(ev.currentTarget.value)} /></label>
        <label class="small">{t('sched.target')}{' '}
          <select data-testid="sched-target" value={where} onChange={(ev) => setWhere(ev.currentTarget.value)}>
            <option value={`school:${p.schoolId}`}>{t('sched.wholeSchool')} — {p.schoolName}</option>
            {sites.map((s) => <option key={`s${s.id}`} value={`site:${s.id}`}>{t('sched.site', { name: s.name })}</option>)}
            {rooms.map((r) => <option key={`r${r.id}`} value={`room:${r.id}`}>{t('sched.room', { name: r.name })}</option>)}
          </select>
        </label>
        <label class="small">{t('bulk.kind')}{' '}
          <select data-testid="sched-kind" value={kind} onChange={(ev) => setKind(ev.currentTarget.value as DeviceKind | '')}>
            <option value="">{t('bulk.allKinds')}</option>
            {KINDS_WITH_COMMANDS.map((k) => <option key={k} value={k}>{kindLabel(kinds, k, lang)}</option>)}
          </select>
        </label>
        <label class="small">{t('cmd.command')}{' '}
          <select data-testid="sched-command" value={def?.name ?? ''} onChange={(ev) => { setCommand(ev.currentTarget.value); setValues({}); }}>
            {defs.map((d) => <option key={d.name} value={d.name}>{d.label[lang]}</option>)}
          </select>
        </label>
        <ArgsForm fields={fields} values={{ ...defaultArgValues(fields), ...values }} onChange={setValues} testid="sched-arg" />
        <fieldset class="sched-days" data-testid="sched-days">
          <legend class="small">{t('sched.days')}</legend>
          {[1, 2, 3, 4, 5, 6, 7].map((d) => (
            <label key={d} class="small"><input type="checkbox" data-testid={`sched-day-${d}`} checked={days.includes(d)} onChange={() => toggleDay(d)} /> {weekdayName(d, lang)}</label>
          ))}
        </fieldset>
        <label class="small">{t('sched.at')} <input type="time" data-testid="sched-at" value={at} onInput={(ev) => setAt(ev.currentTarget.value)} /></label>
        <label class="small"><input type="checkbox" data-testid="sched-ranged" checked={ranged} onChange={(ev) => setRanged(ev.currentTarget.checked)} /> {t('sched.range')}</label>
        {ranged && (
          <div class="sched-until">
            <label class="small">{t('sched.until')} <input type="time" data-testid="sched-until-at" value={untilAt} onInput={(ev) => setUntilAt(ev.currentTarget.value)} /></label>
            <label class="small">{t('sched.untilCommand')}{' '}
              <select data-testid="sched-until-command" value={untilDef?.name ?? ''} onChange={(ev) => { setUntilCommand(ev.currentTarget.value); setUntilValues({}); }}>
                {defs.map((d) => <option key={d.name} value={d.name}>{d.label[lang]}</option>)}
              </select>
            </label>
            <ArgsForm fields={untilFields} values={{ ...defaultArgValues(untilFields), ...untilValues }} onChange={setUntilValues} testid="sched-until-arg" />
          </div>
        )}
        <label class="small"><input type="checkbox" data-testid="sched-skip" checked={skipHolidays} onChange={(ev) => setSkip(ev.currentTarget.checked)} /> {t('sched.skipHolidays')}</label>
        <label class="small"><input type="checkbox" data-testid="sched-enabled" checked={enabled} onChange={(ev) => setEnabled(ev.currentTarget.checked)} /> {t('sched.enabled')}</label>
        <p class="sched-summary">{t('sched.summary')}: <b data-testid="schedule-summary">{scheduleSummary({ days, at, until: ranged ? { at: untilAt } : null, skipHolidays }, lang)}</b></p>
        <div class="small">
          <b>{t('sched.nextRuns')}</b>
          {preview && preview.nextRuns.length === 0 && <p class="muted">{t('sched.noNextRuns')}</p>}
          <ol data-testid="schedule-next-runs">
            {preview?.nextRuns.map((r) => <li key={`${r.at}-${r.part}`} data-testid="schedule-next-run" data-weekday={isoWeekday(r.at)}>{runTimeText(r.at, lang)} — {commandLabel(r.command, lang)}</li>)}
          </ol>
          {preview && <p class="muted" data-testid="sched-devices">{t('sched.devices', { n: preview.devices })}</p>}
        </div>
        {detail.data && detail.data.fires.length > 0 && (
          <div class="small" data-testid="sched-fires">
            <b>{t('sched.fires')}</b>
            <ol>
              {detail.data.fires.map((f) => (
                <li key={`${f.fireAt}-${f.part}`} data-testid="sched-fire" data-state={f.state}>
                  {runTimeText(f.fireAt, lang)} — {t(`sched.fire.${f.state}`)}{f.note ? `: ${f.note}` : ''}
                </li>
              ))}
            </ol>
          </div>
        )}
        <ErrorLine message={save.error} testid="sched-error" bare />
        <div class="rec-actions">
          <button type="submit" class="primary" data-testid="sched-save" disabled={save.busy}>{t('sched.save')}</button>
          <button type="button" onClick={p.onDone}>{t('common.cancel')}</button>
        </div>
      </form>
    </Dialog>
  );
}

/** A fire time as people read a timetable: "Thứ 4 02/12/2026 17:30" (Vietnam time). */
export function runTimeText(ms: number, lang: Lang): string {
  return `${weekdayName(isoWeekday(ms), lang)} ${fmtDate(lang, ms)} ${formatHourMinute(lang, ms)}`;
}

/** The ISO weekday (1 = Monday … 7 = Sunday) of an instant in Vietnam. */
function isoWeekday(ms: number): number {
  const d = new Date(`${vnDay(ms)}T00:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
}

/** The arguments to send, or the name of the bad field. */
function argsOf(fields: readonly ArgField[], values: Record<string, string>): Record<string, unknown> | string {
  const a = argsFrom(fields, { ...defaultArgValues(fields), ...values });
  return 'bad' in a ? a.bad : a.args;
}
