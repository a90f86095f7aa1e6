/**
 * Part of `npm run check`: fails when a production dependency (package.json `dependencies`) is more than one major
 * version behind the npm registry's latest, unless dependency-holds.json records why it is held back
 * (docs/security.md, "Dependencies"). One major behind is normal between upgrades; two means nobody is following it.
 *
 * Reads `npm outdated --json --omit=dev`, which works against registries that refuse `npm audit`'s advisory
 * endpoint. When the registry cannot be reached the check FAILS, saying so: a check that passes whenever it could not
 * look would pass for ever in a CI whose network broke. Offline on a laptop, `EDUFLEET_DEPS_OFFLINE=warn` turns that
 * one case into a warning.
 *
 * Run: node --import tsx scripts/check-deps.ts [--dir <project folder>]
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** dependency-holds.json: why a production dependency stays more than one major behind. */
interface Hold {
  /** Why, and what would let it move (read by a person reviewing the dependencies). */
  reason: string;
  /** The registry's latest major line when the reason was written ("13", or "0.29" for a 0.x package): a newer one upstream asks for the reason again. */
  latest: string;
}
type Holds = Record<string, Hold>;

interface Outdated { current?: string; wanted?: string; latest?: string }

const HOLDS_FILE = 'dependency-holds.json';

/** A version's major line: its major, or `0.<minor>` below 1.0, where each minor may break (semver §4). */
function lineOf(version: string): string {
  const [major = '0', minor = '0'] = version.replace(/^[^\d]*/, '').split('.');
  return major === '0' ? `0.${minor}` : major;
}

/** How many major lines `current` is behind `latest` (0.x minors count as majors; 0.28 → 1.x is one). */
function majorsBehind(current: string, latest: string): number {
  const [cMajor = 0, cMinor = 0] = current.replace(/^[^\d]*/, '').split('.').map(Number);
  const [lMajor = 0, lMinor = 0] = latest.replace(/^[^\d]*/, '').split('.').map(Number);
  if (cMajor === 0 && lMajor === 0) return lMinor - cMinor;
  return lMajor - cMajor;
}

/** What `npm outdated` says, or why it could not say (an npm error object, or output that is not JSON). */
function npmOutdated(dir: string): Promise<{ outdated: Record<string, Outdated> } | { unreachable: string }> {
  // Under `npm run`, the npm that runs us; otherwise the one on PATH.
  const npm = process.env.npm_execpath;
  const [cmd, args] = npm && npm.endsWith('.js') ? [process.execPath, [npm]] : ['npm', []];
  return new Promise((resolve) => {
    execFile(cmd, [...args, 'outdated', '--json', '--omit=dev'], { cwd: dir, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      // Exit code 1 with JSON on stdout is npm's normal "something is outdated".
      let parsed: unknown;
      try {
        parsed = stdout.trim() ? JSON.parse(stdout) : {};
      } catch {
        return resolve({ unreachable: (stderr || err?.message || stdout).trim().split('\n').slice(0, 3).join(' ') });
      }
      const npmError = (parsed as { error?: { code?: string; summary?: string; detail?: string } }).error;
      if (npmError) return resolve({ unreachable: [npmError.code, npmError.summary].filter(Boolean).join(': ') });
      if (err && !stdout.trim()) return resolve({ unreachable: (stderr || err.message).trim().split('\n').slice(0, 3).join(' ') });
      resolve({ outdated: parsed as Record<string, Outdated> });
    });
  });
}

/** The findings: production dependencies too far behind without a (current) reason, and reasons no longer needed. */
function judge(dependencies: Record<string, string>, outdated: Record<string, Outdated>, holds: Holds): { failures: string[]; notes: string[] } {
  const failures: string[] = [];
  const notes: string[] = [];
  for (const name of Object.keys(dependencies).sort()) {
    const o = outdated[name];
    const installed = o?.current ?? o?.wanted;
    const behind = o?.latest && installed ? majorsBehind(installed, o.latest) : 0;
    const hold = holds[name];
    if (behind <= 1) {
      if (hold) notes.push(`${name}: held back in ${HOLDS_FILE}, but it is no longer more than one major behind; the entry can go`);
      continue;
    }
    const what = `${name}: ${installed}${o?.current ? ' installed' : ' (not installed; the wanted version)'}, latest ${o!.latest} (${behind} major versions behind)`;
    if (!hold) failures.push(`${what}, no reason recorded`);
    else if (hold.latest !== lineOf(o!.latest!)) failures.push(`${what}; the reason recorded was for latest ${hold.latest}: read the new major's notes, then update "latest" and the reason`);
  }
  return { failures, notes };
}

async function main(): Promise<number> {
  const at = process.argv.indexOf('--dir');
  const dir = path.resolve(at >= 0 ? process.argv[at + 1] ?? '.' : '.');
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const holdsPath = path.join(dir, HOLDS_FILE);
  const holds = existsSync(holdsPath) ? (JSON.parse(readFileSync(holdsPath, 'utf8')) as { holds?: Holds }).holds ?? {} : {};
  const answer = await npmOutdated(dir);
  if ('unreachable' in answer) {
    const offlineOk = process.env.EDUFLEET_DEPS_OFFLINE === 'warn';
    console.error(`check-deps: ${offlineOk ? 'WARNING: ' : ''}the npm registry could not be asked for the latest versions (${answer.unreachable}); the dependency check did not run.`
      + (offlineOk ? '' : ' Run it again with network access (EDUFLEET_DEPS_OFFLINE=warn makes this a warning when you are knowingly offline).'));
    return offlineOk ? 0 : 2;
  }
  const { failures, notes } = judge(pkg.dependencies ?? {}, answer.outdated, holds);
  for (const n of notes) console.log(`check-deps: note: ${n}`);
  if (failures.length) {
    console.error(`check-deps: production dependencies more than one major version behind the registry's latest:\n${failures.map((f) => `  ${f}`).join('\n')}\n`
      + `Upgrade them, or record why each is held back in ${HOLDS_FILE}: "holds": { "<name>": { "reason": "…", "latest": "<the latest major>" } } (docs/security.md, "Dependencies").`);
    return 1;
  }
  console.log(`check-deps: ${Object.keys(pkg.dependencies ?? {}).length} production dependencies, none more than one major version behind without a reason`);
  return 0;
}

process.exitCode = await main();
