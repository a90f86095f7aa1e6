import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Permissions } from '../../../../../api/index.js';
import { useSubmit } from '../../hooks/submit.js';
import { fmtNumber, useI18n, type MessageKey } from '../../i18n.js';
import { onLinkClick } from '../../router.js';
import { useConfirm } from '../../ui/confirm.js';
import { levelLabel, roomTypeLabel } from '../../ui/format.js';
import { ErrorLine } from '../../ui/states.js';
import { NewDeviceForm } from '../records/record-new-device.js';
import { ProvisionActions } from '../provisioning/prov-actions.js';
import { setPlaceRetired } from './tree-api.js';
import { blankPlace, PlaceForm, valuesOf, type PlaceValues } from './tree-forms.js';
import { treeUrl, type Level, type Selection, type TreeIndex } from './tree-model.js';
import { RoomDevices } from './tree-room-devices.js';

const CHILD: Partial<Record<Level, Level>> = { district: 'school', school: 'site', site: 'room' };
const NEW_BUTTON: Record<Level, MessageKey> = { district: 'place.newDistrict', school: 'place.newSchool', site: 'place.newSite', room: 'place.newRoom' };
const NEW_TITLE: Record<Level, MessageKey> = { district: 'place.formNewDistrict', school: 'place.formNewSchool', site: 'place.formNewSite', room: 'place.formNewRoom' };

/** Who may write a level: districts and schools are the Sở's list; sites and rooms are kept by the records writers. */
const mayWrite = (perms: Permissions, level: Level) => (level === 'district' || level === 'school' ? perms.editSchools : perms.editRecords);

interface DetailsProps {
  index: TreeIndex;
  sel: Selection | null;
  perms: Permissions;
  showRetired: boolean;
  /** A place was saved: select `next` when given (the write itself makes the tree stale). */
  onChanged: (next?: Selection) => void;
}

type Mode = { kind: 'edit' } | { kind: 'new'; level: Level; initial: PlaceValues } | null;

/** The right-hand panel: the selected place's details, its children, and the forms its user may use. */
export function TreeDetails(p: DetailsProps) {
  const { lang, t } = useI18n();
  const [mode, setMode] = useState<Mode>(null);
  const confirm = useConfirm();
  const retire = useSubmit((at: Selection, verb: 'retire' | 'restore') => setPlaceRetired(at.level, at.id, verb));
  const ix = p.index;
  const sel = p.sel;
  const n = (x: number) => fmtNumber(lang, x);

  const newButton = (level: Level, initial: Partial<PlaceValues>) => mayWrite(p.perms, level) && (
    <button data-testid={`place-new-${level}`} onClick={() => setMode({ kind: 'new', level, initial: blankPlace(initial) })}>{t(NEW_BUTTON[level])}</button>
  );
  const form = () => {
    if (!mode) return null;
    const done = (next: Selection) => { setMode(null); p.onChanged(next); };
    if (mode.kind === 'new') return <PlaceForm key={`new-${mode.level}`} level={mode.level} index={ix} initial={mode.initial} title={t(NEW_TITLE[mode.level])} onDone={done} onCancel={() => setMode(null)} />;
    return sel && <PlaceForm key="edit" level={sel.level} index={ix} initial={valuesOf(ix, sel)} editId={sel.id} title={t('place.formEdit')} onDone={done} onCancel={() => setMode(null)} />;
  };

  if (!sel) {
    const firstDistrict = [...ix.districts.values()].find((d) => !d.retired);
    return (
      <div class="card tree-details" data-testid="tree-details">
        <p class="muted" data-testid="tree-pick">{t('tree.pick')}</p>
        <p class="small">{t('tree.summary', { districts: n(ix.districts.size), schools: n(ix.schools.size), sites: n(ix.sites.size), rooms: n(ix.rooms.size) })}</p>
        <div class="rec-actions">
          {newButton('district', {})}
          {newButton('school', { districtId: firstDistrict ? String(firstDistrict.id) : '' })}
        </div>
        {form()}
      </div>
    );
  }
  if (!ix.exists(sel)) return <div class="card tree-details" data-testid="tree-details"><p class="notice" data-testid="tree-not-found">{t('tree.notFound')}</p></div>;

  const retired = { district: ix.districts, school: ix.schools, site: ix.sites, room: ix.rooms }[sel.level].get(sel.id)!.retired;
  const name = { district: ix.districts, school: ix.schools, site: ix.sites, room: ix.rooms }[sel.level].get(sel.id)!.name;
  const writable = mayWrite(p.perms, sel.level);

  const setRetired = async (verb: 'retire' | 'restore') => {
    if (verb === 'retire' && !(await confirm.ask(t('place.confirmRetire', { name })))) return;
    await retire.run(sel, verb);
  };

  const link = (level: Level, id: number, label: ComponentChildren) => {
    const to = treeUrl({ level, id }, p.showRetired);
    return <a href={to} data-testid={`tree-link-${level}-${id}`} onClick={(e) => onLinkClick(e, to)}>{label}</a>;
  };
  const rows: [string, ComponentChildren][] = [];
  let children: ComponentChildren = null;
  let extra: ComponentChildren = null;
  const child = CHILD[sel.level];

  if (sel.level === 'district') {
    const d = ix.districts.get(sel.id)!;
    const schools = ix.schoolsOf.get(d.id) ?? [];
    rows.push([t('place.code'), d.code], [t('place.schools'), n(schools.length)]);
    children = schools.length > 0 && <ul class="child-list">{schools.map((s) => <li key={s.id}>{link('school', s.id, s.name)}</li>)}</ul>;
  } else if (sel.level === 'school') {
    const s = ix.schools.get(sel.id)!;
    const district = s.districtId !== null ? ix.districts.get(s.districtId) : undefined;
    const sites = ix.sitesOf.get(s.id) ?? [];
    rows.push([t('place.code'), s.code], [t('place.level'), levelLabel(t, s.level)], [t('place.pupils'), n(s.pupils)],
      [t('place.parentDistrict'), district ? link('district', district.id, district.name) : t('tree.direct')], [t('place.devices'), n(ix.devicesOfSchool(s.id))]);
    children = sites.length > 0 && <ul class="child-list">{sites.map((x) => <li key={x.id}>{link('site', x.id, x.name)}</li>)}</ul>;
    if (p.perms.provision && !retired) extra = <ProvisionActions key={`prov-school-${s.id}`} target={{ schoolId: s.id }} />;
  } else if (sel.level === 'site') {
    const site = ix.sites.get(sel.id)!;
    const school = ix.schools.get(site.schoolId);
    const rooms = ix.roomsOf.get(site.id) ?? [];
    rows.push([t('place.parentSchool'), school ? link('school', school.id, school.name) : '—'], [t('place.rooms'), n(rooms.length)]);
    children = rooms.length > 0 && <ul class="child-list">{rooms.map((r) => <li key={r.id}>{link('room', r.id, `${r.code} · ${r.name}`)}</li>)}</ul>;
  } else {
    const r = ix.rooms.get(sel.id)!;
    const site = ix.sites.get(r.siteId);
    const school = ix.schools.get(r.schoolId);
    rows.push([t('place.code'), r.code], [t('place.type'), roomTypeLabel(t, r.type)], [t('place.capacity'), n(r.capacity)],
      [t('place.parentSite'), site ? link('site', site.id, site.name) : '—'], [t('place.parentSchool'), school ? link('school', school.id, school.name) : '—'],
      [t('place.devices'), n(r.devices)]);
    extra = (
      <>
        {p.perms.provision && !retired && <ProvisionActions key={`prov-room-${r.id}`} target={{ roomId: r.id }} />}
        <RoomDevices roomId={r.id} showRetired={p.showRetired} />
        {p.perms.editRecords && !retired && <NewDeviceForm key={`new-device-${r.id}`} roomId={r.id} canProvision={p.perms.provision} />}
      </>
    );
  }

  return (
    <div class="card tree-details" data-testid="tree-details" data-level={sel.level} data-id={sel.id}>
      <div class="page-head">
        <div>
          <div class="muted small">{t(`place.${sel.level}`)}</div>
          <h2 data-testid="place-title">{name}</h2>
        </div>
        {retired && <span class="badge state-offline" data-testid="place-retired">{t('place.retired')}</span>}
      </div>
      <dl class="record" data-testid="place-details">
        {rows.map(([k, v]) => <div key={k}><dt>{k}</dt><dd>{v}</dd></div>)}
      </dl>
      {children}
      <div class="rec-actions">
        {writable && !retired && <button data-testid="place-edit" onClick={() => setMode({ kind: 'edit' })}>{t('place.edit')}</button>}
        {writable && !retired && <button data-testid="place-retire" disabled={retire.busy} onClick={() => void setRetired('retire')}>{t('place.retire')}</button>}
        {writable && retired && <button data-testid="place-restore" disabled={retire.busy} onClick={() => void setRetired('restore')}>{t('place.restore')}</button>}
        {child && !retired && newButton(child, child === 'school' ? { districtId: String(sel.id) } : child === 'site' ? { schoolId: String(sel.id) } : { siteId: String(sel.id) })}
      </div>
      <ErrorLine message={retire.error} testid="place-error" bare />
      {confirm.dialog}
      {form()}
      {extra}
    </div>
  );
}
