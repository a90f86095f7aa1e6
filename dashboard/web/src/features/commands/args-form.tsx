import { useI18n } from '../../i18n.js';
import { argLabel, optionLabel } from './messages.js';
import type { ArgField } from './defs.js';

/**
 * The inputs of a command's arguments, controlled by `values` (strings as typed; defs.argsFrom converts them). Forms
 * using it set noValidate: argsFrom checks the bounds and says so in the app's language, not in the browser's bubble.
 */
export function ArgsForm(p: { fields: readonly ArgField[]; values: Record<string, string>; onChange: (values: Record<string, string>) => void; testid: string }) {
  const { t } = useI18n();
  const set = (name: string, v: string) => p.onChange({ ...p.values, [name]: v });
  return (
    <>
      {p.fields.map((f) => (
        <label key={f.name} class="small cmd-arg">{argLabel(t, f.name)}{f.required ? '' : ` ${t('cmd.optional')}`}{' '}
          {f.type === 'select'
            ? (
              <select data-testid={`${p.testid}-${f.name}`} value={p.values[f.name] ?? ''} onChange={(e) => set(f.name, e.currentTarget.value)}>
                {f.options!.map((o) => <option key={o} value={o}>{optionLabel(t, o)}</option>)}
              </select>
            )
            : f.type === 'string'
              ? <input data-testid={`${p.testid}-${f.name}`} type="text" maxLength={f.maxLength} value={p.values[f.name] ?? ''} onInput={(e) => set(f.name, e.currentTarget.value)} />
              : (
                <input data-testid={`${p.testid}-${f.name}`} type="number" min={f.min} max={f.max} step={f.type === 'integer' ? 1 : 'any'}
                  class="num-short" value={p.values[f.name] ?? ''} onInput={(e) => set(f.name, e.currentTarget.value)} />
            )}
        </label>
      ))}
    </>
  );
}
