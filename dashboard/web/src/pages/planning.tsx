import type { Me } from '../../../shared/api.js';
import { useI18n } from '../i18n.js';

/** Placeholder: replaced by the full page. */
export function PlanningPage(_p: { me: Me; search: URLSearchParams }) {
  const { t } = useI18n();
  return <section><h1>{t('planning.title')}</h1></section>;
}
