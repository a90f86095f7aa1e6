import type { Me } from '../../../shared/api.js';
import { useI18n } from '../i18n.js';

/** Placeholder: replaced by the full page. */
export function ImportPage(_p: { me: Me }) {
  const { t } = useI18n();
  return <section><h1>{t('import.title')}</h1></section>;
}
