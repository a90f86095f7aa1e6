import type { ComponentChildren } from 'preact';
import { useI18n } from '../i18n.js';

/** The three states every read shows the same way: loading, failed (with the server's message), and nothing found. */
export function Loading(p: { inline?: boolean }) {
  const { t } = useI18n();
  return <p class={`muted ${p.inline ? 'empty' : ''}`}>{t('devices.loading')}</p>;
}

export function ErrorLine(p: { message: string; testid?: string }) {
  const { t } = useI18n();
  return p.message ? <p class="error" data-testid={p.testid}>{t('common.error', { message: p.message })}</p> : null;
}

export function Empty(p: { children: ComponentChildren; testid?: string }) {
  return <p class="muted empty" data-testid={p.testid}>{p.children}</p>;
}

/** A read's data, or its loading or error state while there is none yet. */
export function QueryView<T>(p: { q: { data: T | undefined; error: string }; children: (data: T) => ComponentChildren }) {
  if (p.q.data === undefined) return p.q.error ? <ErrorLine message={p.q.error} /> : <Loading />;
  return <>{p.children(p.q.data)}</>;
}
