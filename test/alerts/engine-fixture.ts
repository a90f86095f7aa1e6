/** A registry with one school, a controlled clock, and alert engines on it that record what their listeners saw. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { AlertEngine } from '../../alerts/engine.js';
import type { AlertEvent } from '../../alerts/events.js';
import { loadConfig } from '../../config/index.js';
import { emptySignals, type DeviceSignals } from '../../domain/index.js';
import { createLogger } from '../../lib/logger.js';
import { DeviceDirectory, type RegistryStore } from '../../registry/index.js';
import type { Engine, Engines } from '../helpers/engines.js';
import { seedSchool } from '../helpers/stack.js';

export const MIN = 60_000;
/** Tuesday 3 March 2026, 09:30 in Hà Nội. */
export const T0 = Date.UTC(2026, 2, 3, 2, 30);

export interface Fixture {
  registry: RegistryStore;
  /** Where the registry is: SQLite files in `dir`, or PostgreSQL at `url` when set. */
  dir: string;
  url: string;
  clock: { t: number; now(): number };
  school: { id: number };
  room: { id: number };
  /**
   * An engine with a fresh directory; `own`: on its own store of the same database (another process). `events`
   * keeps what its listener saw of the devices in `only` (the tests share one registry).
   */
  engine(only: string[], opts?: { own?: boolean }): Promise<{ engine: AlertEngine; events: AlertEvent[]; registry: RegistryStore }>;
  addDevice(id: string, kind: 'board' | 'tablet'): Promise<void>;
  /** Records one device's signals at the clock's time. */
  signals(id: string, latest: DeviceSignals['latest']): Promise<void>;
  silence(target: { type: 'device' | 'room' | 'school'; id: string }, until: number): Promise<void>;
  cleanup(): void;
}

export async function fixture(engines: Engines, kind: Engine): Promise<Fixture> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edufleet-alerts-'));
  const url = await engines.url(kind);
  const registry = await engines.store(url, dir);
  const { school, room } = await seedSchool(registry);
  const clock = { t: T0, now() { return this.t; } };
  const config = loadConfig({ env: {}, overrides: { dataDir: dir, logLevel: 'silent' } });
  const log = createLogger('silent');
  return {
    registry, dir, url, clock, school, room,
    async engine(only, opts = {}) {
      const store = opts.own ? await engines.store(url, dir) : registry;
      const directory = new DeviceDirectory(store);
      await directory.refresh();
      const events: AlertEvent[] = [];
      const engine = new AlertEngine({ config, registry: store, directory, clock, log, listeners: [async (_tx, e) => { if (only.includes(e.deviceId)) events.push(e); }] });
      return { engine, events, registry: store };
    },
    async addDevice(id, k) {
      await registry.addDevice({ id, kind: k, roomId: room.id, name: `Thiết bị ${id}`, issueSecret: false });
    },
    async signals(id, latest) {
      await registry.recordSignals([{ deviceId: id, signals: { ...emptySignals(), presence: 'online', lastSeen: clock.t, latest } }], clock.t);
    },
    async silence(target, until) {
      const row = [target.type, target.id, school.id, until, 'bảo trì', 'ktv', clock.t];
      const insert = 'INSERT INTO silences (target_type, target_id, school_id, until, reason, created_by, created_at) VALUES';
      if (!url) {
        const db = new Database(path.join(dir, 'registry.sqlite'));
        try { db.prepare(`${insert} (?, ?, ?, ?, ?, ?, ?)`).run(...row); } finally { db.close(); }
        return;
      }
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try { await c.query(`${insert} ($1, $2, $3, $4, $5, $6, $7)`, row); } finally { await c.end(); }
    },
    cleanup() { rmSync(dir, { recursive: true, force: true }); },
  };
}
