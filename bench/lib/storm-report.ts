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

/** Where the time of a storm goes (profiles of the restarted child, `--storm-only --profile always`). */
const STORM_ANALYSIS = [
  '**Where the storm\'s time goes.** The restarted child spends about 1.2 ms of CPU per reconnecting device, start-up',
  'included, and the load generator (MQTT.js, one link per device) about 0.7 ms more on the same two cores. In a',
  'profile of a restarted child (1,500 devices), Node\'s sockets and streams take about a third, the registry (Kysely',
  'compiling and better-sqlite3 preparing each query anew) a sixth, aedes and mqtt-packet under a tenth; the retained',
  'status and attributes of every connect go through the spool and InfluxDB like readings.',
  'Four changes of issue 13 brought a storm from 41–50 s to under 30 s: (1) a device whose secret passed scrypt once is',
  'checked by its fast verifier after a restart (no scrypt, no registry query per CONNECT); (2) the retained index',
  '(broker/retained-index.ts): each SUBSCRIBE used to test every retained message, quadratic, a third of the child\'s CPU',
  'at 1,500 devices; (3) one pending-commands query for all devices that subscribed meanwhile, not one each; (4) the',
  'listen backlog: Node listens with 511, and SYNs that arrived while the broker was busy with CONNECTs were dropped; each',
  'device\'s kernel retried after 1, 3, 7, 15 s, which was the long tail (half back at ~15 s, the last at ~49 s).',
  '`mqtt.listenBacklog` is now 4,096 (capped by `net.core.somaxconn`). Two more changes widened the margin (a median',
  'of 30.5 s before them; after, 21.5 s and 24.1 s in two runs of three restarts, one restart of the six at 30.2 s; the',
  'child\'s CPU from ~22.5 s to ~17–19 s): Kysely\'s SQLite driver',
  'prepared every query anew, and a statement cache per SQL text (registry/store/sqlite.ts) removed the preparing,',
  '~5 % of the child; and exceljs and pdfkit, which every process loaded at start (~0.6 s of CPU before the broker',
  'listened), are loaded on first use. What would widen it further: presence from a reconnect without its own spool',
  'write, the CONNECT path without a registry write, and aedes streaming the (empty) offline queue of every clean',
  'session on connect (a pipeline and an AbortController each, ~2 %).',
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
    ...STORM_ANALYSIS,
    '```sh',
    'npm run bench -- --storm-only   # this benchmark alone (20,000 devices provisioned, ~6 minutes)',
    '```',
    '',
  ];
}
