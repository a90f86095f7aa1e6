import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario, provision, Simulator } from '../../device-sim/index.js';
import { FAULTS } from '../../device-sim/faults.js';
import { useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { clockAt } from './fault-wire.js';

const NO_FAULTS = Object.fromEntries(Object.values(FAULTS).map((f) => [f.rate, 0]));

/** The whole path: a fault the simulator injects reaches the gateway's live state and InfluxDB as the rules read them. */
describe('injected faults at the gateway', () => {
  const s = useTestStack();

  it('an overheating board, a dying tablet battery and an error burst arrive through the real broker and gateway', async () => {
    const scenario = parseScenario({
      seed: 4, intervalS: 0.2, faults: NO_FAULTS,
      districts: [{ code: 'BAT-XAT', name: 'Huyện Bát Xát' }],
      schools: [{ code: 'LC-THCS-007', name: 'Trường THCS Mường Hum', level: 'thcs', district: 'BAT-XAT', sites: [
        { name: 'Điểm chính', rooms: [{ code: 'P01', name: 'Phòng học thông minh 1', type: 'smart_classroom', use: 1, devices: { board: 1, tablet: 1 } }] },
      ] }],
    });
    const devices = await provision(s.registry, scenario, path.join(s.dir, 'sim-credentials.json'));
    const board = devices.find((d) => d.kind === 'board')!;
    const tablet = devices.find((d) => d.kind === 'tablet')!;
    const clock = clockAt(9, 0, [1, 2, 3, 4, 5]);
    const sim = new Simulator({ brokerUrl: s.mqttUrl, devices, scenario, tickMs: 20, clock });
    await sim.start();
    try {
      const live = (id: string) => s.gateway!.live.get(id);
      await waitFor('both devices reporting', () => live(board.id)?.lastReadingTs && live(tablet.id)?.lastReadingTs);
      // By room id, as `edufleet room list` shows it: the fault goes to every device of the room that can have it.
      expect(sim.injectFault(String(board.roomId), 'overheat', 600_000).devices).toEqual([board.id, tablet.id]);
      sim.injectFault(tablet.id, 'dying-battery', 3_600_000);
      sim.injectFault(board.id, 'error-burst', 1000);
      await waitFor('the board over 60 °C at the gateway', () => (live(board.id)?.latest.temperature as number) > 60);
      clock.skip(30 * 60_000);
      await waitFor('the tablet under 15 % and not charging at the gateway', () => {
        const t = live(tablet.id)?.latest;
        return t && (t.battery as number) < 15 && t.charging === false;
      });
      await waitFor('three error events in InfluxDB', async () =>
        (await s.influx.query(`SELECT * FROM event WHERE "type" = 'error' AND "device" = '${board.id}'`)).length >= 3);
      expect(sim.stats.errors).toBe(0);
    } finally {
      await sim.stop();
    }
  });
});
