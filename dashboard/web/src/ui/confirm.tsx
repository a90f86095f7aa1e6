import type { ComponentChild } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { useI18n } from '../i18n.js';
import { Dialog } from './dialog.js';

export interface Confirm {
  /** Shows the question in the app's dialog; true when the user confirms, false on cancel or Escape. */
  ask: (question: string) => Promise<boolean>;
  /** The dialog itself: render it once where the component renders. */
  dialog: ComponentChild;
}

/** A confirmation in the app's own dialog rather than window.confirm, so it speaks the app's language and look. */
export function useConfirm(): Confirm {
  const { t } = useI18n();
  const [question, setQuestion] = useState<string | null>(null);
  const answer = useRef<(yes: boolean) => void>(() => {});
  const settle = (yes: boolean) => {
    answer.current(yes);
    answer.current = () => {};
    setQuestion(null);
  };
  const ask = (q: string) => new Promise<boolean>((resolve) => {
    answer.current(false);
    answer.current = resolve;
    setQuestion(q);
  });
  const dialog = (
    <Dialog open={question !== null} title={t('common.confirmTitle')} onClose={() => settle(false)} testid="confirm-dialog">
      <p data-testid="confirm-question">{question}</p>
      <div class="rec-actions">
        <button type="button" class="primary" data-testid="confirm-ok" onClick={() => settle(true)}>{t('common.confirm')}</button>
        <button type="button" data-testid="confirm-cancel" onClick={() => settle(false)}>{t('common.cancel')}</button>
      </div>
    </Dialog>
  );
  return { ask, dialog };
}
