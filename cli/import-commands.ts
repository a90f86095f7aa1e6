/** `edufleet import FILE` and `edufleet export FILE`: the equipment register in and out of the registry. */
import type { Command } from 'commander';
import { exportRegistry } from '../registry/export.js';
import { importFile, type ImportResult } from '../registry/import/index.js';
import type { RegistryStore } from '../registry/index.js';

function list<T>(items: T[], show: (x: T) => string, max = 20): string {
  const head = items.slice(0, max).map(show).join('; ');
  return items.length > max ? `${head}; … and ${items.length - max} more` : head;
}

export function formatImportSummary(r: ImportResult): string {
  const { plan } = r;
  const out: string[] = [];
  out.push(`${r.file}: ${plan.counts.create} to create, ${plan.counts.update} to update, ${plan.counts.unchanged} unchanged, ${plan.counts.refused} refused`);
  if (plan.newSites.length) out.push(`new sites (${plan.newSites.length}): ${list(plan.newSites, (s) => `${s.schoolCode} / ${s.name}`)}`);
  if (plan.newRooms.length) out.push(`new rooms (${plan.newRooms.length}): ${list(plan.newRooms, (x) => `${x.schoolCode} / ${x.site} / ${x.code} (${x.type})`)}`);
  for (const row of plan.rows.filter((x) => x.action === 'update')) out.push(`line ${row.line}: update ${row.code} (${row.changes.join(', ')})`);
  if (plan.ignoredColumns.length) out.push(`ignored columns: ${plan.ignoredColumns.join(', ')}`);
  for (const n of plan.notes) out.push(`note: ${n}`);
  for (const x of plan.refused) out.push(x.reason);
  const changed = plan.counts.create + plan.counts.update;
  out.push(r.applied ? (changed ? `applied: ${plan.counts.create} created, ${plan.counts.update} updated.` : 'nothing to change.') : `nothing applied: ${r.notAppliedReason ?? ''}`);
  return out.join('\n');
}

export function registerImportCommands(program: Command, registry: () => Promise<RegistryStore>): void {
  program.command('import <file>')
    .description('import devices from a CSV or XLSX equipment register (Vietnamese headers); see docs/import.md')
    .option('--dry-run', 'only show what would be created, updated and refused')
    .option('--apply-valid', 'import the valid rows even when some rows are refused')
    .option('--json', 'print the plan and result as JSON')
    .option('--user <name>', 'who imports (audit log)', 'cli')
    .action(async (file: string, o: { dryRun?: boolean; applyValid?: boolean; json?: boolean; user: string }) => {
      const reg = await registry();
      let result: ImportResult;
      try {
        result = await importFile(reg, file, { dryRun: o.dryRun, applyValid: o.applyValid, user: o.user });
      } finally {
        await reg.close();
      }
      console.log(o.json ? JSON.stringify(result, null, 2) : formatImportSummary(result));
      if (result.plan.refused.length && !result.applied) process.exitCode = 1;
    });

  program.command('export <file>')
    .description('export all device records to FILE.csv or FILE.xlsx (the headers the importer reads)')
    .action(async (file: string) => {
      const reg = await registry();
      try {
        const n = await exportRegistry(reg, file);
        console.log(`${n} device(s) written to ${file}`);
      } finally {
        await reg.close();
      }
    });
}
