import { readFileSync } from 'node:fs';

/** One restart of the storm: seconds from the restart (the new process spawned) to every device connected again. */
export interface StormRun {
  /** null: not every device was back within the benchmark's patience (180 s). */
  seconds: number | null;
  connected: number;
  /** Until the new process listened on its MQTT port (start-up: registry, directory, spool, broker). */
  listeningS: number;
  /** Until half of the devices were back. */
  halfS: number;
  /** CPU seconds of the new EduFleet process from its start to the end of the storm, and of the load generator. */
  childCpuS: number;
  loadCpuS: number;
  /** CPU the machine's other processes took during the storm, in % of one core (the box may be shared). */
  otherPct?: number;
}

export interface StormResults {
  benchmark: 'storm';
  date: string;
  machine: { cpus: number; cpuModel: string; node: string };
  shape: { devices: number; wantedDevices?: number; stormDevices: number; restarts: number; openFiles: number; reconnect: string };
  connections: { devices: number; rssEmptyMib: number; rssFullMib: number; kibPerDevice: number; idleCpuPct: number; idleS: number };
  runs: StormRun[];
  medians: { seconds: number | null; childCpuS: number | null; loadCpuS: number | null };
  targetS: number;
  met: boolean;
}

/** Resident set size of a process in KiB, from /proc/<pid>/status. */
export function readRssKib(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

const int = (n: number) => n.toLocaleString('en-US');
const s = (x: number | null) => (x === null ? 'not settled' : `${x} s`);

/** Where the time of a storm goes (profiles of the restarted child, `--storm-only --profile always`); shown while the target is missed. */
const STORM_ANALYSIS = [
  '**Where the storm\'s time goes.** The EduFleet child spends about 1.7–1.9 ms of CPU per reconnecting device, start-up',
  'included, and the load generator (MQTT.js, one link per device) about 1.1–2 ms more on the same two cores. In a',
  'profile of a restarted child (1,500 devices), Node\'s sockets and streams take about a third, the registry (Kysely',
  'compiling and better-sqlite3 preparing each query anew) a sixth: the pending-commands look-up after each SUBSCRIBE',
  '(now one query for all devices that subscribed meanwhile) and the health-signal flush; aedes and mqtt-packet under a',
  'tenth; the retained status and attributes of every connect go through the spool and InfluxDB like readings. Before',
  'the retained index (broker/retained-index.ts), each SUBSCRIBE tested every retained message: a third of the child\'s',
  'CPU at 1,500 devices and quadratic, minutes at 15,000. What would fix the rest: measure on a quiet machine first',
  '(these runs shared the two cores with three other benchmarks); then cache prepared statements in the SQLite driver,',
  'record presence from a reconnect without its own spool write, and keep the load generator on another machine.',
  'The tail is not CPU alone: on a quieter machine half the devices were back in ~15 s and the last at ~49 s while the',
  'child and the load generator used well under the two cores. Devices whose socket waited in the accept queue or',
  'beyond `mqtt.maxPendingConnects` (2,000 sockets without CONNECT read yet, refused) wait a whole reconnect period',
  '(5–10 s) or MQTT.js\'s 30 s connect timeout again. Next: count `edufleet_mqtt_refused_total{reason="pending"}` during',
  'a storm and raise the pending cap for exempt (loopback, edge) addresses or pace accepts instead of refusing.',
  '',
];

export function renderStorm(r: StormResults): string[] {
  const c = r.connections;
  const runs = r.runs.map((x) => s(x.seconds)).join(', ');
  return [
    '## Reconnect storm and connections (issue 13 items 5 and 7)',
    '',
    `Run ${r.date.slice(0, 10)} on ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}. \`edufleet start --only broker,gateway\` as a child`,
    `process and the load generator both with an open-file limit of ${int(r.shape.openFiles)} (docs/operations.md sets 65,536); the devices are the`,
    `simulator's links (${r.shape.reconnect}), in the benchmark process on the same machine.`,
    ...(r.shape.wantedDevices && r.shape.wantedDevices > r.shape.devices
      ? [`The limit could not be raised on this machine (no CAP_SYS_RESOURCE), so ${int(r.shape.devices)} devices were connected instead of ${int(r.shape.wantedDevices)}.`]
      : []),
    '',
    '| figure | measured | target | runs |',
    '|---|---:|---:|---|',
    `| **storm**: ${int(r.shape.stormDevices)} devices, SIGKILL, restart on the same data directory → all connected | **${s(r.medians.seconds)}** | ≤ ${r.targetS} s ${r.met ? '✓' : '✗'} | ${runs} |`,
    `| storm: other processes on the machine meanwhile (% of a core) | ${r.runs.map((x) => (x.otherPct === undefined ? '–' : `${x.otherPct} %`)).join(', ')} | – | |`,
    `| storm: restart → listening on MQTT | ${r.runs.map((x) => `${x.listeningS} s`).join(', ')} | – | |`,
    `| storm: restart → half of the devices back | ${r.runs.map((x) => `${x.halfS} s`).join(', ')} | – | |`,
    `| storm CPU: EduFleet child, from its start to the last CONNACK | ${r.medians.childCpuS ?? '–'} s | – | ${r.runs.map((x) => x.childCpuS).join(', ')} |`,
    `| storm CPU: load generator (${int(r.shape.stormDevices)} device links) | ${r.medians.loadCpuS ?? '–'} s | – | ${r.runs.map((x) => x.loadCpuS).join(', ')} |`,
    `| **RSS per connected device** ((RSS with ${int(c.devices)} − RSS with 0) ÷ ${int(c.devices)}) | **${c.kibPerDevice} KiB** | none given | ${c.rssEmptyMib} → ${c.rssFullMib} MiB |`,
    `| **CPU at rest**, ${int(c.devices)} devices connected (keepalive 60 s), EduFleet child over ${c.idleS} s | **${c.idleCpuPct} % of a core** | none given | |`,
    '',
    `Medians of ${r.runs.length} restart${r.runs.length === 1 ? '' : 's'} of one fleet. The clock starts when the new process is spawned, so its start-up`,
    'counts; the devices wait their own reconnect period (5–10 s) after each refused attempt, as the simulator does.',
    'A device that passed scrypt once is checked after a restart by the fast verifier kept in the registry',
    '(docs/security.md, "Device secret verifiers"), so a restart costs no scrypt.',
    '',
    ...(r.met ? [] : STORM_ANALYSIS),
    '```sh',
    'npm run bench -- --storm-only   # this benchmark alone (20,000 devices provisioned, ~6 minutes)',
    '```',
    '',
  ];
}
