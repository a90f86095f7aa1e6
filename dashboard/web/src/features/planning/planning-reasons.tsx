import type { RankReason } from '../../../../../api/index.js';
import { fmtNumber, type Lang, type T } from '../../i18n.js';
import { fmtPct } from '../usage/usage-format.js';

/** A rank's reason in words, in the user's language. */
export function reasonText(t: T, lang: Lang, r: RankReason): string {
  const n = (x: number) => fmtNumber(lang, x, 0);
  switch (r.code) {
    case 'saturated_rooms':
    case 'busy_rooms':
      return t(`planning.reason.${r.code}`, { util: fmtPct(lang, r.utilisation), rooms: n(r.rooms) });
    case 'pupils_per_smart_room':
      return t('planning.reason.pupils_per_smart_room', { perRoom: n(Math.round(r.perRoom)), pupils: n(r.pupils), smartRooms: n(r.smartRooms) });
    case 'no_smart_room':
      return t('planning.reason.no_smart_room', { pupils: n(r.pupils) });
    case 'last_investment':
      return t('planning.reason.last_investment', { year: r.year, yearsAgo: n(r.yearsAgo) });
    case 'never_invested':
      return t('planning.reason.never_invested');
  }
}

export function PlanningReasons(p: { t: T; lang: Lang; reasons: RankReason[]; testid: string }) {
  return (
    <ul class="planning-reasons" data-testid={p.testid}>
      {p.reasons.map((r) => <li key={r.code} data-code={r.code}>{reasonText(p.t, p.lang, r)}</li>)}
    </ul>
  );
}
