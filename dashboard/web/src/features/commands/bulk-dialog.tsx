import { useEffect, useState } from 'preact/hooks';
import type { CommandTargetInput, RunPreview, RunView } from '../../../../../api/index.js';
import type { DeviceKind } from '../../../../../protocol/kinds/index.js';
import { post } from '../../api.js';
import { kindLabel, useKinds } from '../../data.js';
import { useSubmit } from '../../hooks/submit.js';
import { fmtNumber, useI18n } from '../../i18n.js';
import { Dialog } from '../../ui/dialog.js';
import { ErrorLine } from '../../ui/states.js';
import { ArgsForm } from './args-form.js';
import { argFields, argsFrom, commandsOfKinds, defaultArgValues, KINDS_WITH_COMMANDS } from './defs.js';
import { commandError } from './command-error.js';
import { argLabel } from './messages.js';
import { RunProgress } from './run-progress.js';

/** Lower-cases the first letter only: "Bảng tương tác" reads "bảng tương tác", "Kính VR" keeps its "VR". */
const lowerFirst = (s: string): string => s.charAt(0).toLocaleLowerCase('vi') + s.slice(1);

/**
 * One command to every device of a place: choose the kind and the command, see how many devices it reaches (and how
 * many are online) before sending, set the rollout rate and abort rule of a harmful command, then watch it run.
 */
export function BulkDialog(p: { open: boolean; target: CommandTargetInput; onClose: () => void }) {
  const { lang, t } = useI18n();
  const kinds = useKinds();
  const [kind, setKind] = useState<DeviceKind | ''>(p.target.kind ?? '');
  const defs = commandsOfKinds(kind ? [kind] : KINDS_WITH_COMMANDS);
  const [name, setName] = useState('');
  const def = defs.find((d) => d.name === name) ?? defs[0];
  const fields = argFields(def);
  const [values, setValues] = useState<Record<string, string>>({});
  const [ttlMin, setTtlMin] = useState('');
  const [rate, setRate] = useState('');
  const [abort, setAbort] = useState('');
  const [preview, setPreview] = useState<RunPreview | null>(null);
  const [previewError, setPreviewError] = useState('');
  const [run, setRun] = useState<RunView | null>(null);
  const target: CommandTargetInput = { ...p.target, kind: kind || null };
  const parsed = argsFrom(fields, { ...defaultArgValues(fields), ...values });
  const argsKey = JSON.stringify('args' in parsed ? parsed.args : null);

  // The preview follows the choices; its defaults fill the rollout fields anew for each command.
  useEffect(() => {
    if (!p.open || run || !def || !('args' in parsed)) return;
    let live = true;
    const timer = setTimeout(() => {
      post('/api/command-runs/preview', { body: { target, name: def.name, args: parsed.args } }).then((pv) => {
        if (!live) return;
        setPreview(pv);
        setPreviewError('');
      }, (e: unknown) => { if (live) setPreviewError(e instanceof Error ? e.message : String(e)); });
    }, 150);
    return () => { live = false; clearTimeout(timer); };
  }, [p.open, run, p.target.type, p.target.id, kind, def?.name, argsKey]);
  useEffect(() => {
    if (!preview) return;
    setRate(preview.defaults.ratePerMin === null ? '' : String(preview.defaults.ratePerMin));
    setAbort(preview.defaults.abortFailedPct === null ? '' : String(preview.defaults.abortFailedPct));
    setTtlMin((old) => old || String(Math.round(preview.defaults.ttlSeconds / 60)));
  }, [preview?.harmful, def?.name]);

  const start = useSubmit(async () => {
    if (!def) throw new Error(t('bulk.noDevices'));
    if ('bad' in parsed) throw new Error(t('cmd.badArg', { field: argLabel(t, parsed.bad) }));
    const n = (s: string) => (s.trim() === '' ? null : Number(s));
    const ttl = n(ttlMin);
    return post('/api/command-runs', {
      body: {
        target, name: def.name, args: parsed.args, ttlSeconds: ttl && ttl > 0 ? Math.round(ttl * 60) : undefined,
        ...(preview?.harmful ? { ratePerMin: n(rate), abortFailedPct: n(abort) } : {}),
      },
    });
  }, setRun, (e) => commandError(t, e));

  const close = () => {
    setRun(null);
    setPreview(null);
    p.onClose();
  };
  const byKind = preview ? Object.entries(preview.byKind).map(([k, n]) => `${lowerFirst(kindLabel(kinds, k, lang))}: ${fmtNumber(lang, n, 0)}`).join(', ') : '';
  const scopeWord = p.target.type === 'room' || p.target.type === 'school' || p.target.type === 'site' ? p.target.type : 'other';
  return (
    <Dialog open={p.open} title={t('bulk.title')} onClose={close} testid="bulk-dialog">
      {preview && <p class="small" data-testid="bulk-target">{t('bulk.target')}: <b>{preview.targetLabel}</b></p>}
      {!run && (
        <form class="bulk-form" noValidate onSubmit={(e) => { e.preventDefault(); void start.run(); }}>
          <label class="small">{t('bulk.kind')}{' '}
            <select data-testid="bulk-kind" value={kind} onChange={(e) => { setKind(e.currentTarget.value as DeviceKind | ''); setName(''); setValues({}); }}>
              <option value="">{t('bulk.allKinds')}</option>
              {KINDS_WITH_COMMANDS.map((k) => <option key={k} value={k}>{t(`bulk.kindIn.${scopeWord}`, { kind: lowerFirst(kindLabel(kinds, k, lang)) })}</option>)}
            </select>
          </label>
          <label class="small">{t('cmd.command')}{' '}
            <select data-testid="bulk-command" value={def?.name ?? ''} onChange={(e) => { setName(e.currentTarget.value); setValues({}); }}>
              {defs.map((d) => <option key={d.name} value={d.name}>{d.label[lang]}</option>)}
            </select>
          </label>
          <ArgsForm fields={fields} values={{ ...defaultArgValues(fields), ...values }} onChange={setValues} testid="bulk-arg" />
          <label class="small">{t('cmd.ttl')}{' '}
            <input type="number" min={1} class="num-short" data-testid="bulk-ttl" value={ttlMin} onInput={(e) => setTtlMin(e.currentTarget.value)} />
          </label>
          {def && <p class="muted small">{def.description[lang]}</p>}
          <ErrorLine message={previewError} bare />
          {preview && (
            <p class="bulk-preview" data-testid="bulk-preview" data-devices={preview.devices}>
              {preview.devices === 0 ? t('bulk.noDevices') : t('bulk.preview', { devices: preview.devices, byKind, online: preview.online })}
              {preview.skipped > 0 && <span class="muted small"> {t('bulk.skipped', { n: preview.skipped })}</span>}
            </p>
          )}
          {preview?.harmful && (
            <fieldset class="bulk-rollout" data-testid="bulk-rollout">
              <p class="notice small">{t('bulk.harmful')}</p>
              <label class="small">{t('bulk.rate')}{' '}
                <input type="number" min={1} class="num-short" data-testid="bulk-rate" value={rate} onInput={(e) => setRate(e.currentTarget.value)} />
              </label>
              <label class="small">{t('bulk.abort')}{' '}
                <input type="number" min={0} max={100} class="num-short" data-testid="bulk-abort" value={abort} onInput={(e) => setAbort(e.currentTarget.value)} />
              </label>
              <p class="muted small">{t('bulk.rateHint')}</p>
            </fieldset>
          )}
          <ErrorLine message={start.error} testid="bulk-error" bare />
          <div class="rec-actions">
            <button type="submit" class="primary" data-testid="bulk-confirm" disabled={start.busy || !preview || preview.devices === 0}>
              {t('bulk.confirm', { n: preview?.devices ?? 0 })}
            </button>
            <button type="button" onClick={close}>{t('common.cancel')}</button>
          </div>
        </form>
      )}
      {run && (
        <>
          <RunProgress run={run} />
          <div class="rec-actions"><button type="button" data-testid="bulk-close" onClick={close}>{t('bulk.close')}</button></div>
        </>
      )}
    </Dialog>
  );
}
