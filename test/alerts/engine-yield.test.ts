/**
 * The alert engine judges a province in one pass; a device without a change awaits nothing real, so without a break
 * the pass would hold the event loop (MQTT acknowledgements, live pushes) for as long as it runs (issue 13 item 6:
 * a 1.3 s stall at 20,000 devices). It must let the loop turn between slices of devices.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptySignals } from '../../domain/index.js';
import { useEngines } from '../helpers/engines.js';
import { fixture, type Fixture } from './engine-fixture.js';

const engines = useEngines();
const DEVICES = 2_000;

describe('an alert pass over many devices', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture(engines, 'sqlite');
    const ids = Array.from({ length: DEVICES }, (_, i) => `tab-yield-${i}`);
    await f.registry.addDevices(ids.map((id) => ({ id, kind: 'tablet', roomId: f.room.id, name: id, issueSecret: false })));
    await f.registry.recordSignals(ids.map((deviceId) => ({ deviceId, signals: { ...emptySignals(), presence: 'online', lastSeen: f.clock.t, latest: { battery: 80 } } })), f.clock.t);
  });
  afterAll(() => f.cleanup());

  it('lets the event loop turn while it judges them', async () => {
    const { engine } = await f.engine([]);
    await engine.runOnce(); // the first pass writes every verdict; the one measured judges devices that changed nothing
    let turns = 0;
    let running = true;
    const tick = () => { if (running) { turns++; setImmediate(tick); } };
    const pass = engine.runOnce().finally(() => { running = false; });
    setImmediate(tick);
    await pass;
    // One turn per 250 devices at least (alerts/engine.ts, YIELD_EVERY), beside whatever the registry reads took.
    expect(turns).toBeGreaterThanOrEqual(DEVICES / 250 - 1);
  });
});
