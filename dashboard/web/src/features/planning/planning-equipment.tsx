import type { PlanningResponse } from '../../../../../api/index.js';
import { useKinds, kindLabel } from '../../data.js';
import { fmtDay, fmtVnd } from '../usage/usage-format.js';
import { Link } from '../../ui/link.js';
import { Table, type Column } from '../../ui/table.js';
import { useI18n } from '../../i18n.js';

/** Equipment to replace or look at: past its service life, in repair, or repaired often; each with why. */
export function PlanningEquipment(p: { equipment: PlanningResponse['equipment'] }) {
  const { lang, t } = useI18n();
  const kinds = useKinds();
  const columns: Column<PlanningResponse['equipment'][number]>[] = [
    { head: t('planning.equipmentDevice'), cell: (e) => <><Link to={`/devices/${encodeURIComponent(e.deviceId)}`}>{e.name}</Link><div class="muted small">{kindLabel(kinds, e.kind, lang)}</div></> },
    { head: t('planning.equipmentPlace'), cell: (e) => <>{e.schoolName}<div class="muted small">{e.roomName}</div></> },
    {
      head: t('planning.equipmentSince'),
      cell: (e) => <>{e.inServiceDate ? fmtDay(e.inServiceDate) : '—'}{e.serviceLifeYears !== null && <div class="muted small">{t('planning.equipmentLife', { n: e.serviceLifeYears })}</div>}</>,
    },
    { head: t('planning.equipmentCost'), class: 'num', cell: (e) => (e.costVnd === null ? '—' : fmtVnd(lang, e.costVnd)) },
    { head: t('planning.equipmentRepairs'), class: 'num', cell: (e) => e.repairs12m },
    { head: t('planning.equipmentWhy'), cell: (e) => e.reasons.map((r) => t(`planning.why.${r}`)).join('; ') },
  ];
  return (
    <div class="card" data-testid="planning-equipment">
      <h2>{t('planning.equipmentTitle', { n: p.equipment.length })}</h2>
      <p class="muted small">{t('planning.equipmentHint')}</p>
      {p.equipment.length === 0 ? <p class="muted">{t('planning.equipmentNone')}</p> : (
        <Table rows={p.equipment} columns={columns} rowKey={(e) => e.deviceId} rowTestid={(e) => `planning-equipment-${e.deviceId}`} />
      )}
    </div>
  );
}
