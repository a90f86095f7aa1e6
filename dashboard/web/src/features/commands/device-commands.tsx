import { useCallback, useState } from 'preact/hooks';
import type { CommandView } from '../../../../../api/index.js';
import { post } from '../../api.js';
import { useGet } from '../../hooks/api-query.js';
import { useSubmit } from '../../hooks/submit.js';
import { useI18n } from '../../i18n.js';
import { ErrorLine } from '../../ui/states.js';
import { ArgsForm } from './args-form.js';
import { argFields, argsFrom, commandLabel, commandsOfKind, defaultArgValues } from './defs.js';
import { argLabel } from './messages.js';
import { CommandTable, POLL_PENDING, useLiveCommandRows } from './history.js';

/**
 * The command bar of a device page: the commands of its kind with a form for their arguments, and the device's
 * command history below it, live from the `commands` batches (state, the device's answer, who sent it).
 */
export function DeviceCommands(p: { id: string; kind: string }) {
  const { lang, t } = useI18n();
  const defs = commandsOfKind(p.kind);
  const [name, setName] = useState(defs[0]?.name ?? '');
  const def = defs.find((d) => d.name === name);
  const fields = argFields(def);
  const [values, setValues] = useState(() => defaultArgValues(fields));
  const [ttlMin, setTtlMin] = useState('10');
  const [sent, setSent] = useState<CommandView | null>(null);
  const history = useGet('/api/devices/:id/commands', { params: { id: p.id }, query: { limit: 50 } }, POLL_PENDING);
  const rows = useLiveCommandRows(history.data, useCallback((c: CommandView) => c.deviceId === p.id, [p.id]));

  const send = useSubmit(async () => {
    const a = argsFrom(fields, values);
    if ('bad' in a) throw new Error(t('cmd.badArg', { field: argLabel(t, a.bad) }));
    const ttl = Number(ttlMin);
    return post('/api/devices/:id/commands', { params: { id: p.id }, body: { name, args: a.args, ttlSeconds: Number.isFinite(ttl) && ttl > 0 ? Math.round(ttl * 60) : undefined } });
  }, (c) => { setSent(c); history.reload(); });

  const pick = (n: string) => {
    setName(n);
    setValues(defaultArgValues(argFields(defs.find((d) => d.name === n))));
  };
  if (defs.length === 0) return null;
  return (
    <div class="card cmd-bar" data-testid="cmd-bar">
      <h2>{t('cmd.bar.title')}</h2>
      <form class="filters cmd-form" noValidate onSubmit={(e) => { e.preventDefault(); void send.run(); }}>
        <label class="small">{t('cmd.command')}{' '}
          <select data-testid="cmd-name" value={name} onChange={(e) => pick(e.currentTarget.value)}>
            {defs.map((d) => <option key={d.name} value={d.name}>{d.label[lang]}</option>)}
          </select>
        </label>
        <ArgsForm fields={fields} values={values} onChange={setValues} testid="cmd-arg" />
        <label class="small">{t('cmd.ttl')}{' '}
          <input type="number" min={1} max={10080} class="num-short" data-testid="cmd-ttl" value={ttlMin} onInput={(e) => setTtlMin(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary" data-testid="cmd-send" disabled={send.busy}>{t('cmd.send')}</button>
      </form>
      {def && <p class="muted small">{def.description[lang]}</p>}
      <ErrorLine message={send.error} testid="cmd-send-error" bare />
      {sent && !send.error && <p class="small" data-testid="cmd-sent">{t('cmd.sent', { name: commandLabel(sent.name, lang) })}</p>}
      <h3>{t('cmd.history')}</h3>
      <ErrorLine message={history.error} />
      <CommandTable rows={rows} canCancel testid="cmd-history" />
    </div>
  );
}
