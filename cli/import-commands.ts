/** `edufleet import FILE` and `edufleet export FILE`: the equipment register in and out of the registry. */
import type { Command } from 'commander';
import { exportRegistry } from '../registry/export.js';
import { importFile, type ImportResult } from '../registry/import/index.js';
import type { RegistryStore } from '../registry/index.js';
import { addExportCommand, addImportCommand, list } from './sheet-commands.js';

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
  addImportCommand(program, 'import', 'import devices from a CSV or XLSX equipment register (Vietnamese headers); see docs/import.md',
    registry, importFile, formatImportSummary);
  addExportCommand(program, 'export', 'export all device records to FILE.csv or FILE.xlsx (the headers the importer reads)',
    registry, exportRegistry, 'device(s)');
}
