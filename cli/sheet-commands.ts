/** The shape every list import and export of the CLI shares: dry run, apply-valid, JSON, the store closed after. */
import type { Command } from 'commander';
import type { RegistryStore } from '../registry/index.js';

export interface ImportOptions { dryRun?: boolean; applyValid?: boolean; user: string }

/** "a; b; c; … and 12 more": long lists in a summary stay readable. */
export function list<T>(items: T[], show: (x: T) => string, max = 20): string {
  const head = items.slice(0, max).map(show).join('; ');
  return items.length > max ? `${head}; … and ${items.length - max} more` : head;
}

/** `<name> <file>` that plans, shows and (unless a dry run or refused rows) applies; exit code 1 when rows were refused and nothing applied. */
export function addImportCommand<R extends { applied: boolean; plan: { refused: unknown[] } }>(
  parent: Command, name: string, description: string, registry: () => Promise<RegistryStore>,
  run: (reg: RegistryStore, file: string, o: ImportOptions) => Promise<R>, summary: (r: R) => string,
): void {
  parent.command(`${name} <file>`)
    .description(description)
    .option('--dry-run', 'only show what would be created, updated and refused')
    .option('--apply-valid', 'import the valid rows even when some rows are refused')
    .option('--json', 'print the plan and result as JSON')
    .option('--user <name>', 'who imports (audit log)', 'cli')
    .action(async (file: string, o: ImportOptions & { json?: boolean }) => {
      const reg = await registry();
      let result: R;
      try {
        result = await run(reg, file, { dryRun: o.dryRun, applyValid: o.applyValid, user: o.user });
      } finally {
        await reg.close();
      }
      console.log(o.json ? JSON.stringify(result, null, 2) : summary(result));
      if (result.plan.refused.length && !result.applied) process.exitCode = 1;
    });
}

/** `<name> <file>` that writes FILE.csv or FILE.xlsx and says how many rows. */
export function addExportCommand(
  parent: Command, name: string, description: string, registry: () => Promise<RegistryStore>,
  run: (reg: RegistryStore, file: string) => Promise<number>, what: string,
): void {
  parent.command(`${name} <file>`)
    .description(description)
    .action(async (file: string) => {
      const reg = await registry();
      try {
        const n = await run(reg, file);
        console.log(`${n} ${what} written to ${file}`);
      } finally {
        await reg.close();
      }
    });
}
