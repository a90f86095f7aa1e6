/** `edufleet places import FILE` and `edufleet places export FILE`: the Sở's list of districts, schools and sites. */
import type { Command } from 'commander';
import { exportPlaces, importPlacesFile, placesPlanChanges, type PlacesImportResult } from '../registry/import/index.js';
import type { RegistryStore } from '../registry/index.js';
import { addExportCommand, addImportCommand, list } from './sheet-commands.js';

export function formatPlacesSummary(r: PlacesImportResult): string {
  const { plan } = r;
  const by = (xs: { action: string }[], a: string) => xs.filter((x) => x.action === a).length;
  const line = (what: string, xs: { action: string }[]) =>
    `${what}: ${by(xs, 'create')} to create, ${by(xs, 'update')} to update, ${by(xs, 'unchanged')} unchanged`;
  const out = [
    `${r.file}: ${line('districts', plan.districts)}; ${line('schools', plan.schools)}; ${plan.newSites.length} new site(s); ${plan.counts.refused} refused`,
  ];
  for (const d of plan.districts.filter((x) => x.action !== 'unchanged')) out.push(`line ${d.line}: ${d.action} district ${d.code} (${d.name})`);
  for (const s of plan.schools.filter((x) => x.action !== 'unchanged')) {
    out.push(`line ${s.line}: ${s.action} school ${s.code} (${s.action === 'update' ? s.changes.join(', ') : s.name})`);
  }
  if (plan.newSites.length) out.push(`new sites (${plan.newSites.length}): ${list(plan.newSites, (t) => `${t.schoolCode} / ${t.name}`)}`);
  if (plan.ignoredColumns.length) out.push(`ignored columns: ${plan.ignoredColumns.join(', ')}`);
  for (const n of plan.notes) out.push(`note: ${n}`);
  for (const x of plan.refused) out.push(x.reason);
  const c = plan.counts;
  out.push(r.applied
    ? (placesPlanChanges(plan) ? `applied: ${c.create} created, ${c.update} updated, ${c.newSites} site(s) added.` : 'nothing to change: the registry already matches the file.')
    : `nothing applied: ${r.notAppliedReason ?? ''}`);
  return out.join('\n');
}

export function registerPlacesCommands(program: Command, registry: () => Promise<RegistryStore>): void {
  const places = program.command('places').description("the Sở's list of districts, schools and sites");
  addImportCommand(places, 'import', 'create and update districts, schools and sites from a CSV or XLSX list (Vietnamese headers); see docs/import.md',
    registry, importPlacesFile, formatPlacesSummary);
  addExportCommand(places, 'export', 'write every district, school and site to FILE.csv or FILE.xlsx (the columns `places import` reads)',
    registry, exportPlaces, 'row(s)');
}
