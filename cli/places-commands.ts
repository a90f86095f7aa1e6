/** `edufleet places import FILE` and `edufleet places export FILE`: the Sở's list of districts, schools and sites. */
import type { Command } from 'commander';
import { exportPlaces, importPlacesFile, placesPlanChanges, type PlacesImportResult } from '../registry/import/index.js';
import type { RegistryStore } from '../registry/index.js';

function list<T>(items: T[], show: (x: T) => string, max = 20): string {
  const head = items.slice(0, max).map(show).join('; ');
  return items.length > max ? `${head}; … and ${items.length - max} more` : head;
}

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
  places.command('import <file>')
    .description('create and update districts, schools and sites from a CSV or XLSX list (Vietnamese headers); see docs/import.md')
    .option('--dry-run', 'only show what would be created, updated and refused')
    .option('--apply-valid', 'import the valid rows even when some rows are refused')
    .option('--json', 'print the plan and result as JSON')
    .option('--user <name>', 'who imports (audit log)', 'cli')
    .action(async (file: string, o: { dryRun?: boolean; applyValid?: boolean; json?: boolean; user: string }) => {
      const reg = await registry();
      let result: PlacesImportResult;
      try {
        result = await importPlacesFile(reg, file, { dryRun: o.dryRun, applyValid: o.applyValid, user: o.user });
      } finally {
        await reg.close();
      }
      console.log(o.json ? JSON.stringify(result, null, 2) : formatPlacesSummary(result));
      if (result.plan.refused.length && !result.applied) process.exitCode = 1;
    });

  places.command('export <file>')
    .description('write every district, school and site to FILE.csv or FILE.xlsx (the columns `places import` reads)')
    .action(async (file: string) => {
      const reg = await registry();
      try {
        const n = await exportPlaces(reg, file);
        console.log(`${n} row(s) written to ${file}`);
      } finally {
        await reg.close();
      }
    });
}
