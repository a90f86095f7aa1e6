/**
 * Two alert engines in two real processes on one registry (a SQLite file, a PostgreSQL database) judge the same
 * conditions at the same instants: one alert per condition, and each notification is given by one of them only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../alerts/events.js';
import { ENGINES, useEngines } from '../helpers/engines.js';
import { fixture, MIN, T0 } from './engine-fixture.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'engine-child.ts');
const engines = useEngines();
const children: ChildProcess[] = [];
afterAll(() => { for (const c of children) c.kill(); });

/** Starts an engine process; `pass(t)` runs one pass at t and resolves with the events it notified. */
async function engineProcess(dataDir: string, url: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, url], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error('the engine process ended');
    return r.value;
  };
  expect(await next()).toBe('ready');
  return {
    async pass(t: number): Promise<AlertEvent[]> {
      child.stdin!.write(`${t}\n`);
      const answer = JSON.parse(await next()) as { events?: AlertEvent[]; error?: string };
      if (answer.error) throw new Error(answer.error);
      return answer.events ?? [];
    },
  };
}

describe.each(ENGINES)('two engine processes on one %s registry', (kind) => {
  it('open one alert per condition and notify each change once', async () => {
    const f = await fixture(engines, kind);
    await f.addDevice('tablet-race', 'tablet');
    await f.addDevice('board-race', 'board');
    await f.signals('tablet-race', { battery: 3 });
    await f.signals('board-race', { temperature: 66 });
    const [a, b] = await Promise.all([engineProcess(f.dir, f.url), engineProcess(f.dir, f.url)]);
    const seen: string[] = [];
    for (const t of [T0, T0 + 2 * MIN, T0 + 242 * MIN]) {
      const both = await Promise.all([a.pass(t), b.pass(t)]);
      seen.push(...both.flat().map((e) => `${e.deviceId} ${e.type}`));
    }
    expect(seen.sort()).toEqual(['board-race fired', 'board-race renotify', 'tablet-race fired', 'tablet-race renotify']);
    expect(await f.registry.openAlerts(['tablet-race', 'board-race'])).toMatchObject([
      { deviceId: 'tablet-race', state: 'firing', notifyCount: 2 }, { deviceId: 'board-race', state: 'firing', notifyCount: 2 },
    ]);
    f.cleanup();
  });
});
