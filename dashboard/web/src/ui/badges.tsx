import type { DeviceState, ProblemCode } from '../../../../api/index.js';
import { useI18n } from '../i18n.js';

export function StateBadge(p: { state: DeviceState; testid?: string }) {
  const { t } = useI18n();
  return <span class={`badge state-${p.state}`} data-testid={p.testid} data-state={p.state}>{t(`state.${p.state}`)}</span>;
}

/** Health problems as tags; "offline" is already the state badge, so it is left out here. */
export function ProblemTags(p: { problems: ProblemCode[]; testid?: string }) {
  const { t } = useI18n();
  const shown = p.problems.filter((x) => x !== 'offline');
  return (
    <span class="tags" data-testid={p.testid}>
      {shown.map((x) => <span key={x} class={`tag problem-${x}`}>{t(`problem.${x}`)}</span>)}
    </span>
  );
}
