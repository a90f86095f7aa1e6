/** The delivery sweep's question to the registry, on SQLite and PostgreSQL: which devices have a command to publish. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RegistryStore } from '../../registry/index.js';
import { ENGINES, useEngines } from '../helpers/engines.js';

const engines = useEngines();
const T0 = Date.UTC(2025, 2, 4, 10, 30);
const USER = { by: 'user', username: 'kythuat.a' } as const;

describe.each(ENGINES)('devices with queued commands on %s', (engine) => {
  let reg: RegistryStore;
  let ids: string[];

  beforeAll(async () => {
    reg = await engines.open(engine, mkdtempSync(join(tmpdir(), 'commands-queued-')));
    const d = await reg.ensureDistrict({ code: 'SA-PA', name: 'Thị xã Sa Pa' });
    const s = await reg.ensureSchool({ code: 'A', name: 'Trường THCS Sa Pa', level: 'thcs', districtId: d.id });
    const r = await reg.ensureRoom({ siteId: (await reg.ensureSite({ schoolId: s.id, name: 'Điểm chính' })).id, code: 'P1', name: 'Phòng 1', type: 'smart_classroom' });
    ids = (await reg.addDevices(Array.from({ length: 4 }, (_, i) => ({ kind: 'board', roomId: r.id, name: `Bảng ${i + 1}` })))).map((x) => x.device.id);
  });

  it('lists each device with a queued, unexpired command once, and none whose commands were sent, expired or cancelled', async () => {
    const [q1, , sent, cancelled] = await reg.enqueueCommands([
      { deviceId: ids[0]!, name: 'restart', args: {}, createdAt: T0, expiresAt: T0 + 60_000, origin: USER },
      { deviceId: ids[0]!, name: 'restart', args: {}, createdAt: T0 + 1, expiresAt: T0 + 60_000, origin: USER },
      { deviceId: ids[1]!, name: 'restart', args: {}, createdAt: T0, expiresAt: T0 + 60_000, origin: USER },
      { deviceId: ids[2]!, name: 'restart', args: {}, createdAt: T0, expiresAt: T0 + 60_000, origin: USER },
      { deviceId: ids[3]!, name: 'restart', args: {}, createdAt: T0, expiresAt: T0 + 1000, origin: USER },
    ]);
    expect(await reg.markCommandSent(sent!, T0 + 10)).toBe(true);
    expect(await reg.cancelCommand(cancelled!, 'kythuat.a', T0 + 10)).toBe(true);
    expect((await reg.devicesWithQueuedCommands(T0 + 500)).sort()).toEqual([ids[0]!, ids[3]!].sort());
    // ids[3]'s command has run out by then, though not yet swept.
    expect(await reg.devicesWithQueuedCommands(T0 + 2000)).toEqual([ids[0]!]);
    expect(await reg.markCommandSent(q1!, T0 + 2001)).toBe(true);
    expect(await reg.devicesWithQueuedCommands(T0 + 2002)).toEqual([ids[0]!]);
    // After a SUBSCRIBE, sent and unacknowledged commands count too (they are published again); a cancelled one does not.
    expect((await reg.devicesWithPendingCommands(ids, T0 + 500)).sort()).toEqual([ids[0]!, ids[1]!, ids[3]!].sort());
    expect((await reg.devicesWithPendingCommands([ids[1]!, ids[2]!, 'no-such-device'], T0 + 500))).toEqual([ids[1]!]);
    expect(await reg.devicesWithPendingCommands(ids, T0 + 70_000)).toEqual([]);
  });
});
