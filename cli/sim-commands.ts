import type { Command } from 'commander';
import type { Config } from '../config/index.js';
import { runBackfill, runSim } from '../app/sim.js';
import { FAULT_NAMES, FAULTS, faultDurationText, isFaultName, requestFault } from '../device-sim/index.js';

/**
 * The `sim` command and its `sim backfill` and `sim fault` subcommands. main.ts calls this (the `sim` command's
 * options are the same as before).
 */
export function registerSimCommands(program: Command, config: () => Readonly<Config>): void {
  const sim = program.command('sim')
    .description('run simulated devices against a broker (provisioning them in the registry); `sim backfill` for history, `sim fault` to break a device of a running one')
    .option('--scenario <file>', 'scenario file (JSON); it sets its own province, interval, faults and seed')
    .option('--devices <n>', 'about how many devices (generated province)', '1000')
    .option('--seed <n>', 'random seed (generated province)', '1')
    .option('--broker <url>', 'MQTT broker URL; several, comma-separated (the nodes of one broker), are tried in turn when a link drops', 'mqtt://127.0.0.1:1883')
    .option('--interval <s>', 'seconds between readings of one device (generated province)', '10')
    .option('--fault-rate <x>', 'multiplier of the default fault rates, 0 = no faults (generated province)', '1')
    .option('--qos <0|1>', 'QoS of telemetry (overrides the scenario)')
    .option('--connect-concurrency <n>', 'connections opened at once while ramping up')
    .option('--duration <s>', 'stop after this many seconds (default: run until Ctrl-C)')
    .action(async (o: { scenario?: string; devices: string; seed: string; broker: string; interval: string; faultRate: string; qos?: string; connectConcurrency?: string; duration?: string }) => {
      if (o.qos !== undefined && o.qos !== '0' && o.qos !== '1') throw new Error(`--qos must be 0 or 1, got '${o.qos}'`);
      await runSim(config(), {
        scenarioFile: o.scenario, devices: Number(o.devices), seed: Number(o.seed), brokerUrl: o.broker,
        intervalS: Number(o.interval), faultRate: Number(o.faultRate), durationS: o.duration ? Number(o.duration) : undefined,
        qos: o.qos === undefined ? undefined : o.qos === '1' ? 1 : 0,
        connectConcurrency: o.connectConcurrency ? Number(o.connectConcurrency) : undefined,
      });
    });
  sim.command('fault <target> <fault>')
    .description(`start a fault in a running simulator (\`edufleet sim\` or \`edufleet demo\`, same --data-dir); TARGET is a device id, `
      + `a room id, SCHOOL/ROOM or a room code; FAULT is one of ${FAULT_NAMES.join(', ')}`)
    .option('--for <duration>', "how long, e.g. 10m, 2h (default: the fault's own duration)")
    .action(async (target: string, fault: string, o: { for?: string }) => {
      const r = await requestFault(config().dataDir, target, fault, o.for);
      const info = isFaultName(r.fault) ? FAULTS[r.fault] : undefined;
      const t = faultDurationText(r.forMs);
      console.log(`Đã gây lỗi «${info?.vi ?? r.fault}» trong ${t.vi} cho ${r.devices.length} thiết bị `
        + `(${r.fault}${info ? `: ${info.en}` : ''}, ${t.en}, ${r.devices.length} device${r.devices.length === 1 ? '' : 's'}):`);
      for (const id of r.devices) console.log(`  ${id}`);
    });
  // `--scenario` and `--broker` belong to `sim` itself: commander gives them to the parent command wherever they
  // stand, so the subcommand reads them from there (optsWithGlobals).
  sim.command('backfill')
    .description('publish the history of past local days FROM to TO (exclusive) with past timestamps, and write the ground truth; '
      + 'takes --scenario FILE (required) and --broker URL like `sim`')
    .requiredOption('--from <yyyy-mm-dd>', 'first local day (inclusive)')
    .requiredOption('--to <yyyy-mm-dd>', 'local day after the last one (exclusive); must be today or earlier')
    .option('--truth <file.json>', 'write the ground truth (which room was in use in which period) here')
    .option('--interval-s <n>', 'seconds between readings while the school is open or the room in use', '60')
    .option('--faults', "apply the scenario's fault rates (default: no faults, no bad readings)")
    .action(async (_o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ scenario?: string; from: string; to: string; truth?: string; intervalS: string; faults?: boolean; broker: string }>();
      if (!o.scenario) throw new Error('sim backfill needs --scenario FILE');
      const intervalS = Number(o.intervalS);
      if (!(intervalS >= 0.05)) throw new Error(`--interval-s must be a number of seconds ≥ 0.05, got '${o.intervalS}'`);
      const r = await runBackfill(config(), { scenarioFile: o.scenario, from: o.from, to: o.to, brokerUrl: o.broker, truthFile: o.truth, intervalS, faults: o.faults === true });
      process.exit(r.errors ? 1 : 0);
    });
}
