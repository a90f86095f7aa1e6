import path from 'node:path';
import type { Aedes, AedesPublishPacket } from 'aedes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario, provision, Simulator, type SimDevice } from '../../device-sim/index.js';
import { FAULTS } from '../../device-sim/faults.js';
import { topics, type CommandResultPayload } from '../../protocol/index.js';
import { useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { clockAt } from './fault-wire.js';

const NO_FAULTS = Object.fromEntries(Object.values(FAULTS).map((f) => [f.rate, 0]));

interface Answer { device: string; commandId: string; result: CommandResultPayload }

/**
 * Every command kind through the real broker: the server side publishes on cmd/{id} as the delivery will (aedes'
 * own publish, which no device ACL stands in front of), the simulated device acts, and what it then reports reaches
 * the gateway's live state.
 */
describe('commands to simulated devices over real MQTT', () => {
  const s = useTestStack();
  const answers: Answer[] = [];
  const statuses: { device: string; state: string }[] = [];
  let sim: Simulator;
  let aedes: Aedes;
  const dev: Record<string, SimDevice> = {};
  const clock = clockAt(9, 0, [1, 2, 3, 4, 5]);
  let n = 0;

  const live = (d: SimDevice) => s.gateway!.live.get(d.id)!;
  /** Publishes a command from the server side; returns its id. */
  const send = async (d: SimDevice, name: string, args?: object, extra: { id?: string; expiresAt?: number } = {}) => {
    const id = extra.id ?? `cmd-test-${String(++n).padStart(4, '0')}`;
    const payload = Buffer.from(JSON.stringify({ name, ...(args ? { args } : {}), ...(extra.expiresAt !== undefined ? { expiresAt: extra.expiresAt } : {}) }));
    await new Promise<void>((resolve, reject) => aedes.publish({ topic: topics.command(d.id, id), payload, qos: 1, retain: false, cmd: 'publish', dup: false } as AedesPublishPacket, (err) => (err ? reject(err) : resolve())));
    return id;
  };
  const answersTo = (id: string) => answers.filter((a) => a.commandId === id);
  const answer = (id: string) => waitFor(`the answer to ${id}`, () => answersTo(id)[0]?.result);
  /** Waits for a reading taken after now that satisfies `ok`. */
  const reported = (d: SimDevice, what: string, ok: (f: Record<string, unknown>) => boolean) => {
    const after = clock.now();
    return waitFor(what, () => (live(d).lastReadingTs ?? 0) > after && ok(live(d).latest) && live(d).latest);
  };

  beforeAll(async () => {
    const scenario = parseScenario({
      seed: 11, intervalS: 0.2, faults: NO_FAULTS,
      districts: [{ code: 'BAT-XAT', name: 'Huyện Bát Xát' }],
      schools: [{ code: 'LC-THCS-011', name: 'Trường THCS Cốc San', level: 'thcs', district: 'BAT-XAT', sites: [
        { name: 'Điểm chính', rooms: [{ code: 'P01', name: 'Phòng học thông minh 1', type: 'smart_classroom', use: 1, devices: { board: 1, tablet: 1, vr: 1, sensor: 1 } }] },
      ] }],
    });
    const devices = await provision(s.registry, scenario, path.join(s.dir, 'sim-credentials.json'));
    for (const d of devices) dev[d.kind] = d;
    // The broker keeps its aedes to itself; the delivery (a later slice) publishes through it in the same way.
    aedes = (s.broker as unknown as { aedes: Aedes }).aedes;
    await new Promise<void>((resolve) => aedes.subscribe('edu/v1/+/cmd/+/result', (packet, cb) => {
      const [, , device, , commandId] = packet.topic.split('/');
      answers.push({ device: device!, commandId: commandId!, result: JSON.parse(packet.payload.toString()) as CommandResultPayload });
      cb();
    }, resolve));
    await new Promise<void>((resolve) => aedes.subscribe('edu/v1/+/status', (packet, cb) => {
      statuses.push({ device: packet.topic.split('/')[2]!, state: (JSON.parse(packet.payload.toString()) as { state: string }).state });
      cb();
    }, resolve));
    sim = new Simulator({ brokerUrl: s.mqttUrl, devices, scenario, tickMs: 20, clock });
    await sim.start();
    await waitFor('every device reporting', () => devices.every((d) => live(d)?.lastReadingTs));
  });
  afterAll(() => sim?.stop());

  it('a board goes to standby and stops showing use, switches input, sets its volume, shows a message', async () => {
    const b = dev.board!;
    expect(live(b).latest.power).toBe('on');
    expect(await answer(await send(b, 'power', { state: 'standby' }))).toMatchObject({ ok: true, message: 'power standby', ts: expect.any(Number) as number });
    await reported(b, 'the board in standby with no touches', (f) => f.power === 'standby' && f.touches === 0 && f.brightness === 0);
    await answer(await send(b, 'power', { state: 'on' }));
    expect(await answer(await send(b, 'input', { source: 'usb-c' }))).toMatchObject({ ok: true });
    await reported(b, 'the board on usb-c', (f) => f.power === 'on' && f.input === 'usb-c');
    expect(await answer(await send(b, 'volume', { level: 35 }))).toMatchObject({ ok: true, message: 'volume 35' });
    await waitFor('the volume in the attributes in InfluxDB', async () =>
      (await s.influx.query(`SELECT volume FROM attributes WHERE "device" = '${b.id}' AND volume = 35`)).length === 1);
    expect(await answer(await send(b, 'message', { text: 'Họp hội đồng lúc 16:00', minutes: 30 }))).toMatchObject({ ok: true, message: 'showing the message for 30 min' });
  });

  it('a board restarts: it goes offline, comes back, and its uptime starts again', async () => {
    const b = dev.board!;
    clock.skip(3_600_000);
    await reported(b, 'an hour of uptime', (f) => (f.uptime as number) >= 3600);
    const from = statuses.length;
    expect(await answer(await send(b, 'restart'))).toMatchObject({ ok: true, message: 'restarting' });
    // Its Last Will, then its status on reconnecting, as the broker passed them on.
    await waitFor('the board offline, then online', () => {
      const seen = statuses.slice(from).filter((x) => x.device === b.id).map((x) => x.state);
      return seen.includes('offline') && seen.lastIndexOf('online') > seen.indexOf('offline');
    });
    await waitFor('the board online again', () => live(b).state === 'online');
    await reported(b, 'an uptime under a minute', (f) => (f.uptime as number) < 60);
  });

  it('a tablet locks and unlocks, and rings', async () => {
    const t = dev.tablet!;
    await reported(t, 'the tablet unlocked in a lesson', (f) => f.locked === false);
    expect(await answer(await send(t, 'lock'))).toMatchObject({ ok: true, message: 'locked' });
    await reported(t, 'the tablet locked, its screen off', (f) => f.locked === true && f.screenOn === false);
    await answer(await send(t, 'unlock'));
    await reported(t, 'the tablet unlocked', (f) => f.locked === false);
    expect(await answer(await send(t, 'ring', { seconds: 30 }))).toMatchObject({ ok: true, message: 'ringing for 30 s' });
  });

  it('a headset stops its app and starts a kiosk app', async () => {
    const v = dev.vr!;
    await answer(await send(v, 'stop'));
    await reported(v, 'the headset out of session', (f) => f.inSession === false);
    expect(await answer(await send(v, 'kiosk', { app: 'vn.edu.he-mat-troi' }))).toMatchObject({ ok: true });
    await reported(v, 'the headset in session', (f) => f.inSession === true);
  });

  it('a sensor reads at the interval it is given, and calibrates', async () => {
    const sn = dev.sensor!;
    expect(await answer(await send(sn, 'interval', { seconds: 5 }))).toMatchObject({ ok: true, message: 'interval 5 s' });
    // The reading right after the command, then the next one a whole (jittered) interval later.
    const first = await waitFor('a reading after the command', () => live(sn).lastReadingTs);
    const second = await waitFor('the next reading', () => (live(sn).lastReadingTs ?? 0) > first && live(sn).lastReadingTs, 15_000);
    expect(Number(second) - Number(first)).toBeGreaterThanOrEqual(4000);
    expect(await answer(await send(sn, 'calibrate', { field: 'co2' }))).toMatchObject({ ok: true, message: 'calibrated co2' });
    await waitFor('the result in InfluxDB', async () =>
      (await s.influx.query(`SELECT * FROM command_result WHERE "device" = '${sn.id}' AND ok = true`)).length >= 2);
  });

  it('a repeated command id is answered again with the same result and acted on once', async () => {
    const t = dev.tablet!;
    const lock = await send(t, 'lock');
    const first = await answer(lock);
    await answer(await send(t, 'unlock'));
    await reported(t, 'the tablet unlocked', (f) => f.locked === false);
    const done = sim.stats.commands.done;
    await send(t, 'lock', undefined, { id: lock });
    await waitFor('the second answer', () => answersTo(lock).length === 2);
    expect(answersTo(lock)[1]!.result).toEqual(first);
    expect(sim.stats.commands.done).toBe(done);
    // Not locked again: the repeat was not carried out.
    await reported(t, 'the tablet still unlocked', (f) => f.locked === false);
  });

  it('an expired command is not acted on, and a bad one is refused with the reason', async () => {
    const t = dev.tablet!;
    expect(await answer(await send(t, 'lock', undefined, { expiresAt: clock.now() - 1000 }))).toMatchObject({ ok: false, message: 'expired' });
    await reported(t, 'the tablet still unlocked', (f) => f.locked === false);
    expect(await answer(await send(t, 'ring', { seconds: 500 }))).toMatchObject({ ok: false, message: expect.stringMatching(/^ring: args\.seconds: /) as string });
    expect(await answer(await send(t, 'kiosk', { app: 'x' }))).toMatchObject({ ok: false, message: expect.stringMatching(/unknown command 'kiosk' for a tablet/) as string });
  });

  it('a disobedient fleet refuses some commands and leaves others unanswered, as the scenario says', async () => {
    const scenario = parseScenario({
      seed: 12, intervalS: 0.2, faults: NO_FAULTS, commands: { failRate: 0.3, silentRate: 0.3 },
      districts: [{ code: 'BAT-XAT', name: 'Huyện Bát Xát' }],
      schools: [{ code: 'LC-THCS-012', name: 'Trường THCS Bản Vược', level: 'thcs', district: 'BAT-XAT', sites: [
        { name: 'Điểm chính', rooms: [{ code: 'P02', name: 'Phòng học 2', type: 'classroom', use: 1, devices: { sensor: 4 } }] },
      ] }],
    });
    const sensors = await provision(s.registry, scenario, path.join(s.dir, 'sim-credentials-2.json'));
    const other = new Simulator({ brokerUrl: s.mqttUrl, devices: sensors, scenario, tickMs: 20, clock });
    await other.start();
    try {
      await waitFor('the sensors reporting', () => sensors.every((d) => live(d)?.lastReadingTs));
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) ids.push(await send(sensors[i % 4]!, 'calibrate'));
      const c = other.stats.commands;
      await waitFor('every command handled', () => c.done + c.refused + c.silent === 40);
      await waitFor('every answer in', () => ids.filter((id) => answersTo(id).length).length === c.done + c.refused);
      const got = ids.map((id) => answersTo(id)[0]?.result);
      expect(got.filter((r) => r?.ok === true)).toHaveLength(c.done);
      expect(got.filter((r) => r?.ok === false).every((r) => r!.message === 'device busy, try again later')).toBe(true);
      expect(got.filter((r) => r === undefined)).toHaveLength(c.silent);
      // 30 % each of 40, give or take what a seeded draw gives.
      expect(c.refused).toBeGreaterThanOrEqual(5);
      expect(c.silent).toBeGreaterThanOrEqual(5);
      expect(c.done).toBeGreaterThanOrEqual(5);
    } finally {
      await other.stop();
    }
  });
});
