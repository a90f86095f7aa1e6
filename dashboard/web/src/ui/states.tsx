import type { ComponentChildren } from 'preact';
import { useI18n, type MessageKey } from '../i18n.js';

/** The three states every read shows the same way: loading, failed (with the server's message), and nothing found. */
export function Loading(p: { inline?: boolean; label?: MessageKey }) {
  const { t } = useI18n();
  return <p class={`muted ${p.inline ? 'empty' : ''}`}>{t(p.label ?? 'common.loading')}</p>;
}

/** A failed read or write; `bare` shows the server's message alone (under the form or button it belongs to). */
export function ErrorLine(p: { message: string; testid?: string; bare?: boolean; class?: string }) {
  const { t } = useI18n();
  if (!p.message) return null;
  return <p class={`error ${p.class ?? ''}`} data-testid={p.testid}>{p.bare ? p.message : t('common.error', { message: p.message })}</p>;
}

export function Empty(p: { children: ComponentChildren; testid?: string }) {
  return <p class="muted empty" data-testid={p.testid}>{p.children}</p>;
}

