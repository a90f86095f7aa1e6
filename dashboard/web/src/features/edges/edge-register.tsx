import { useState } from 'preact/hooks';
import type { EdgeView } from '../../../../../api/index.js';
import { post } from '../../api.js';
import { useSubmit } from '../../hooks/submit.js';
import { useI18n } from '../../i18n.js';
import { ErrorLine } from '../../ui/states.js';

/**
 * An admin registers an edge with the two public keys `edufleet edge keys` printed at the school (docs/edge.md, "Once,
 * when the edge is installed"). Nothing secret is pasted or shown: the private halves never leave the school, and the
 * edge logs in with a signature of its own key, so the answer is the edge's id, for the technician's notes.
 */
export function EdgeRegister(p: { onDone: (e: EdgeView) => void }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [f, setF] = useState({ site: '', name: '', signKey: '', boxKey: '' });
  const [done, setDone] = useState<EdgeView | null>(null);
  const save = useSubmit(() => post('/api/edges', { body: { site: f.site.trim(), name: f.name.trim(), signKey: f.signKey.trim(), boxKey: f.boxKey.trim() } }), (e) => {
    setDone(e);
    setOpen(false);
    setF({ site: '', name: '', signKey: '', boxKey: '' });
    p.onDone(e);
  });
  const field = (k: keyof typeof f, label: string, hint?: string) => (
    <label class="small edge-register-field">{label}
      <input data-testid={`edge-register-${k}`} value={f[k]} onInput={(e) => setF({ ...f, [k]: e.currentTarget.value })} required />
      {hint && <span class="muted small">{hint}</span>}
    </label>
  );
  return (
    <div class="edge-register">
      {done && <p class="ok" data-testid="edge-register-done">{t('edges.register.done', { name: done.name, id: done.id, school: done.schoolName })}</p>}
      {!open ? <button type="button" data-testid="edge-register-open" onClick={() => { setOpen(true); setDone(null); }}>{t('edges.register.open')}</button> : (
        <form class="card" data-testid="edge-register-form" onSubmit={(e) => { e.preventDefault(); void save.run(); }}>
          <h2>{t('edges.register.title')}</h2>
          <p class="muted small">{t('edges.register.hint')}</p>
          {field('site', t('edges.register.site'), t('edges.register.siteHint'))}
          {field('name', t('edges.register.name'))}
          {field('signKey', t('edges.register.signKey'))}
          {field('boxKey', t('edges.register.boxKey'))}
          {save.error && <ErrorLine message={save.error} testid="edge-register-error" />}
          <div class="row">
            <button type="submit" class="primary" data-testid="edge-register-submit" disabled={save.busy}>{t('edges.register.submit')}</button>{' '}
            <button type="button" onClick={() => setOpen(false)}>{t('edges.register.cancel')}</button>
          </div>
        </form>
      )}
    </div>
  );
}
