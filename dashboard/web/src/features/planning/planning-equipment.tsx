import type { PlanningResponse } from '../../../../../api/index.js';
import { useKinds, kindLabel } from '../../data.js';
import { fmtDay, fmtVnd } from '../usage/usage-format.js';
import { Link } from '../../ui/link.js';
import { useI18n } from '../../i18n.js';

/** Equipment to replace or look at: past its service life, in repair, or repaired often; each with why. */
export function PlanningEquipment(p: { equipment: PlanningResponse['equipment'] }) {
  const { lang, t } = useI18n();
  const kinds = useKinds();
  return (
    <div class="card" data-testid="planning-equipment">
      <h2>{t('planning.equipmentTitle', { n: p.equipment.length })}</h2>
      <p class="muted small">{t('planning.equipmentHint')}</p>
      {p.equipment.length === 0 ? <p class="muted">{t('planning.equipmentNone')}</p> : (
        <table>
          <thead>
            <tr>
              <th>{t('planning.equipmentDevice')}</th><th>{t('planning.equipmentPlace')}</th><th>{t('planning.equipmentSince')}</th>
              <th class="num">{t('planning.equipmentCost')}</th><th class="num">{t('planning.equipmentRepairs')}</th><th>{t('planning.equipmentWhy')}</th>
            </tr>
          </thead>
          <tbody>
            {p.equipment.map((e) => (
              <tr key={e.deviceId} data-testid={`planning-equipment-${e.deviceId}`}>
                <td><Link to={`/devices/${encodeURIComponent(e.deviceId)}`}>{e.name}</Link><div class="muted small">{kindLabel(kinds, e.kind, lang)}</div></td>
                <td>{e.schoolName}<div class="muted small">{e.roomName}</div></td>
                <td>{e.inServiceDate ? fmtDay(e.inServiceDate) : '—'}{e.serviceLifeYears !== null && <div class="muted small">{t('planning.equipmentLife', { n: e.serviceLifeYears })}</div>}</td>
                <td class="num">{e.costVnd === null ? '—' : fmtVnd(lang, e.costVnd)}</td>
                <td class="num">{e.repairs12m}</td>
                <td>{e.reasons.map((r) => t(`planning.why.${r}`)).join('; ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
