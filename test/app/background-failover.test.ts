/**
 * Background work that survives its process (docs/operations.md, "Background jobs"): two real `edufleet start --only
 * alerts,scheduler` processes on one PostgreSQL registry, leases of 2 s. The one holding the alert engine's and the
 * scheduler's leases is SIGKILLed; the other takes both over, judges what changed meanwhile and fires the schedules
 * that fell due, each fire exactly once, including one the dead process had claimed but never started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptySignals, type DeviceSignals } from '../../domain/index.js';
import { openRegistryStore, type RegistryStore } from '../../registry/index.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { exited } from '../helpers/process.js';
import { seedSchool, tempDir } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/edufleet.mjs');
const MIN = 60_000;

interface JobsProcess { child: ChildProcess; dir: string; output(): string }

/** `edufleet start --only alerts,scheduler` as node `name`; resolves once it has started its components. */
function startJobsProcess(name: string, registryUrl: string): Promise<JobsProcess> {
  const dir = tempDir(`edufleet-failover-${name}-`);
  const env = {
    ...process.env, EDUFLEET_DATA_DIR: dir, EDUFLEET_REGISTRY_URL: registryUrl, EDUFLEET_NODE_NAME: name, EDUFLEET_LOG_LEVEL: 'warn',
    // Neither the alert engine nor the scheduler reads InfluxDB: an address nothing listens on keeps the process
    // from starting a managed influxd of its own.
    EDUFLEET_INFLUX_URL: 'http://127.0.0.1:9',
    EDUFLEET_NODE_MANAGEMENT_PORT: '0',
    EDUFLEET_JOBS_LEASE_MS: '2000', EDUFLEET_ALERTS_EVALUATE_MS: '200', EDUFLEET_ALERTS_SWEEP_MS: '1000', EDUFLEET_COMMANDS_SCHEDULE_RELOAD_MS: '500',
  };
  const child = spawn(process.execPath, [BIN, 'start', '--only', 'alerts,scheduler'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('InfluxDB:')) resolve({ child, dir, output: () => out });
    });
    child.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
    child.once('exit', (code) => reject(new Error(`edufleet exited with ${code} before starting:\n${out}`)));
  });
}

/** 'HH:MM' in Asia/Ho_Chi_Minh of a time. */
const vnClock = (ms: number) => new Date(ms + 7 * 3_600_000).toISOString().slice(11, 16);

describe('background jobs when the process holding their leases is SIGKILLed', () => {
  let pg: TestPostgres;
  let url: string;
  let reg: RegistryStore;
  const seedDir = tempDir('edufleet-failover-seed-');
  const procs: JobsProcess[] = [];

  beforeAll(async () => {
    pg = await startPostgres();
    url = await pg.createDatabase();
    reg = await openRegistryStore({ url, dataDir: seedDir });
  });
  afterAll(async () => {
    for (const p of procs) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
      await exited(p.child);
      rmSync(p.dir, { recursive: true, force: true });
    }
    await reg?.close();
    await pg?.stop();
    rmSync(seedDir, { recursive: true, force: true });
  });

  it('another process takes the alert engine and the scheduler over within 30 s: one alert per condition, one run per schedule fire', async () => {
    const { school, room } = await seedSchool(reg);
    await reg.addUser({ username: 'kythuat.a', password: 'mật-khẩu-đủ-dài', role: 'technician', scope: { schoolIds: [school.id] } });
    for (const [id, kind] of [['tablet-1', 'tablet'], ['board-2', 'board'], ['board-3', 'board']] as const) {
      await reg.addDevice({ id, kind, roomId: room.id, name: `Thiết bị ${id}`, issueSecret: false });
    }
    const signals = (id: string, latest: DeviceSignals['latest']) =>
      reg.recordSignals([{ deviceId: id, signals: { ...emptySignals(), presence: 'online', lastSeen: Date.now(), latest } }], Date.now());
    // Schedules saved ten minutes ago that fell due a minute ago: whoever holds the scheduler fires them (grace 15 min).
    const due = Date.now() - MIN;
    const schedule = (name: string) => reg.createSchedule({
      schoolId: school.id, name, target: { type: 'school', id: String(school.id), kind: 'board' }, command: 'power', args: { state: 'standby' },
      days: [1, 2, 3, 4, 5, 6, 7], at: vnClock(due), skipHolidays: false, enabled: true, ratePerMin: null, abortFailedPct: null,
    }, 'kythuat.a', Date.now() - 10 * MIN);
    const runsOf = async (id: number) => (await reg.listRuns({ limit: 100 })).filter((r) => r.scheduleId === id);
    const ownerOf = async (lease: string) => (await reg.leases()).find((l) => l.name === lease && l.expiresAt > Date.now())?.owner;

    await signals('tablet-1', { battery: 3 });
    const before = await schedule('Bảng chờ trước sự cố');

    // Node 1 alone takes every lease, opens the tablet's alert and fires the schedule due at its start.
    const one = await startJobsProcess('node-1', url);
    procs.push(one);
    const owner1 = await waitFor('node 1 to hold the alert engine and the scheduler', async () => {
      const [a, s] = [await ownerOf('job:alerts'), await ownerOf('job:scheduler')];
      return a?.startsWith('node-1/') && a === s ? a : undefined;
    });
    const [tabletAlert] = await waitFor('the tablet\'s alert', async () => ((await reg.openAlerts(['tablet-1'])).length ? reg.openAlerts(['tablet-1']) : undefined));
    await waitFor('the run of the schedule due at node 1\'s start', async () => (await runsOf(before.id)).length === 1);
    // Node 2 stands by: the leases stay node 1's.
    const two = await startJobsProcess('node-2', url);
    procs.push(two);
    expect(await ownerOf('job:alerts')).toBe(owner1);

    one.child.kill('SIGKILL');
    await exited(one.child);
    // While no process holds the jobs: a new condition, a schedule falling due, and a fire node 1 had claimed just
    // before it died but never started (killed between its claim and its run's commit).
    await signals('board-2', { temperature: 66 });
    const during = await schedule('Bảng chờ trong lúc chuyển');
    const orphan = await schedule('Bảng chờ đã nhận dở');
    const fireAt = Date.parse(`${new Date(due + 7 * 3_600_000).toISOString().slice(0, 16)}:00Z`) - 7 * 3_600_000;
    expect(await reg.claimFire({ scheduleId: orphan.id, fireAt, part: 'at', owner: owner1, at: Date.now() })).toBe(true);

    const owner2 = await waitFor('node 2 to take the alert engine and the scheduler over', async () => {
      const [a, s] = [await ownerOf('job:alerts'), await ownerOf('job:scheduler')];
      return a?.startsWith('node-2/') && a === s ? a : undefined;
    }, 30_000);
    await waitFor('the alert of the condition met during the failover', async () => (await reg.openAlerts(['board-2'])).length > 0, 30_000);
    await waitFor('the runs of the schedules due during the failover', async () => (await runsOf(during.id)).length === 1 && (await runsOf(orphan.id)).length === 1, 30_000);

    // One alert per condition: the tablet's is still node 1's, and node 2 opened one for the board.
    expect(await reg.openAlerts(['tablet-1'])).toEqual([expect.objectContaining({ id: tabletAlert!.id, rule: tabletAlert!.rule })]);
    expect(await reg.openAlerts(['board-2'])).toHaveLength(1);
    // One run per fire, each fire recorded done by the process that started its run.
    for (const [s, by] of [[before, owner1], [during, owner2], [orphan, owner2]] as const) {
      const runs = await runsOf(s.id);
      expect(runs, s.name).toHaveLength(1);
      expect(await reg.scheduleFires(s.id), s.name).toEqual([expect.objectContaining({ fireAt, state: 'done', claimedBy: by, runId: runs[0]!.id })]);
      expect(await reg.commandsOfRun(runs[0]!.id), s.name).toHaveLength(2);
    }
  }, 90_000);
});
