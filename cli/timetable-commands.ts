/** `edufleet timetable import FILE`: the timetables of many schools at once, as a Sở collects them (docs/usage.md). */
import type { Command } from 'commander';
import { readSheetFile } from '../lib/sheets/index.js';
import type { RegistryStore } from '../registry/index.js';
import { planTimetables } from '../timetable/import.js';
import type { TermTimetable } from '../timetable/model.js';

export interface TimetableImportResult { schools: number; terms: number; refused: { line: number; reason: string }[]; applied: boolean }

/** Merges a school's new terms into what it has: a term of the same name, or one overlapping a new term, is replaced. */
export function mergeTerms(existing: TermTimetable[], incoming: TermTimetable[]): TermTimetable[] {
  const kept = existing.filter((e) => !incoming.some((t) => t.term === e.term || (t.start <= e.end && e.start <= t.end)));
  return [...kept, ...incoming].sort((a, b) => a.start.localeCompare(b.start));
}

export async function importTimetables(reg: RegistryStore, file: string, o: { dryRun?: boolean; applyValid?: boolean; user?: string }): Promise<TimetableImportResult> {
  const plan = planTimetables(await readSheetFile(file));
  const ids = new Map((await reg.schools()).map((s) => [s.code, s.id]));
  for (const code of [...plan.schools.keys()]) {
    if (ids.has(code)) continue;
    const line = plan.firstLine.get(code) ?? 0;
    plan.refused.push({ line, reason: `line ${line}: unknown school code '${code}'; schools must exist in the registry first` });
    plan.schools.delete(code);
  }
  plan.refused.sort((a, b) => a.line - b.line);
  const terms = [...plan.schools.values()].reduce((a, t) => a + t.length, 0);
  const result: TimetableImportResult = { schools: plan.schools.size, terms, refused: plan.refused, applied: false };
  if (o.dryRun || (plan.refused.length && !o.applyValid)) return result;
  // One transaction: every school's terms and the audit entry, or none of them.
  await reg.mergeTimetables(new Map([...plan.schools].map(([code, incoming]) => [ids.get(code)!, (existing: TermTimetable[]) => mergeTerms(existing, incoming)])), {
    byUser: o.user ?? 'cli', action: 'timetable.import', entity: 'import', entityId: file, detail: { schools: plan.schools.size, terms, refused: plan.refused.length },
  });
  result.applied = true;
  return result;
}

export function registerTimetableCommands(program: Command, registry: () => Promise<RegistryStore>): void {
  program.command('timetable').description('school timetables (see docs/usage.md)').command('import <file>')
    .description('import the timetables of many schools from CSV or XLSX: one row per period (Mã trường, Học kỳ, Bắt đầu học kỳ, Kết thúc học kỳ, Ngày học, Buổi, Tiết, Bắt đầu, Kết thúc)')
    .option('--dry-run', 'only check the file')
    .option('--apply-valid', 'import the schools whose rows are all valid even when others are refused')
    .action(async (file: string, o: { dryRun?: boolean; applyValid?: boolean }) => {
      const reg = await registry();
      let r: TimetableImportResult;
      try {
        r = await importTimetables(reg, file, o);
      } finally {
        await reg.close();
      }
      console.log(`${file}: ${r.terms} term(s) for ${r.schools} school(s), ${r.refused.length} problem(s)`);
      for (const x of r.refused) console.log(x.reason);
      console.log(r.applied ? 'applied.' : o.dryRun ? 'nothing applied: dry run' : 'nothing applied: fix the problems, or import the valid schools explicitly (--apply-valid)');
      if (r.refused.length && !r.applied) process.exitCode = 1;
    });
}
