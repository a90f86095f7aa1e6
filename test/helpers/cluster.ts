/**
 * A whole deployment on several machines, on loopback (issue 20; docs/operations.md, "Several machines" and "One
 * address: HAProxy"): N `edufleet start --only broker,gateway` node processes and M `--only dashboard` processes, each
 * with its own data directory as on its own machine, on one PostgreSQL registry, one Redis and one InfluxDB (a
 * ManagedInfluxd the test starts, passed to every process as an external server), with a real HAProxy in front: TCP
 * with PROXY v2 for MQTT, health-checked on each node's management /healthz, and HTTP with a sticky cookie for the
 * dashboards. Every port is a free one chosen here and kept across a restart, so a node restarted by a test is the
 * same server to HAProxy.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ManagedInfluxd } from '../../lib/influx/index.js';
import { freePort } from '../../lib/net.js';
import { startHaproxy, type TestHaproxy } from './haproxy.js';
import { influxEnv } from './influx.js';
import { startPostgres, type TestPostgres } from './postgres.js';
import { exited, startDashboardProcess, startEdufleetProcess } from './process.js';
import { startRedis, type TestRedis } from './redis.js';
import { tempDir } from './stack.js';

export const CLUSTER_SESSION_SECRET = 'bí-mật-ký-cookie-chung-của-cả-cụm-máy-0123456789';

/** One `edufleet start` process of the cluster; `start()` again after a kill reuses its data directory and ports. */
export interface ClusterProcess {
  name: string;
  /** The port HAProxy sends to: MQTT for a node, HTTP for a dashboard. */
  port: number;
  /** Where /healthz answers (the management port of a node, the dashboard's own port). */
  healthPort: number;
  child: ChildProcess | undefined;
  output(): string;
  start(): Promise<void>;
  /** Stops it with `signal` and waits for its exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface TestCluster {
  pg: TestPostgres;
  redis: TestRedis;
  influxd: ManagedInfluxd;
  registryUrl: string;
  haproxy: TestHaproxy;
  nodes: ClusterProcess[];
  dashboards: ClusterProcess[];
  /** HAProxy's MQTT address, the one every device is given. */
  mqttUrl: string;
  /** HAProxy's dashboard address. */
  dashboardUrl: string;
  close(): Promise<void>;
}

type Spawn = () => Promise<{ child: ChildProcess; output(): string }>;

function clusterProcess(name: string, spawn: Spawn, port: number, healthPort: number): ClusterProcess {
  let output = () => '';
  const p: ClusterProcess = {
    name, port, healthPort, child: undefined,
    output: () => output(),
    async start() {
      const started = await spawn();
      p.child = started.child;
      output = started.output;
    },
    async stop(signal = 'SIGTERM') {
      const c = p.child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      c.kill(signal);
      await exited(c);
    },
  };
  return p;
}

/** The HAProxy configuration of docs/operations.md on loopback, with checks every 300 ms so a test waits little. */
function haproxyConfig(nodes: ClusterProcess[], dashboards: ClusterProcess[], ports: Record<string, number>): string {
  const check = '  http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host edufleet\n  http-check expect status 200';
  return [
    `frontend mqtt\n  mode tcp\n  bind 127.0.0.1:${ports.mqtt}\n  default_backend mqtt_nodes`,
    'backend mqtt_nodes\n  mode tcp\n  balance leastconn\n  option httpchk',
    check,
    '  default-server send-proxy-v2 inter 300ms fall 2 rise 1 on-marked-down shutdown-sessions',
    ...nodes.map((n) => `  server ${n.name} 127.0.0.1:${n.port} check port ${n.healthPort}`),
    // The dashboards' section, without TLS and the Secure attribute: plain HTTP on loopback.
    `frontend dashboard\n  mode http\n  bind 127.0.0.1:${ports.dashboard}\n  option forwardfor\n  http-request deny if { path_beg /metrics }\n  default_backend dashboards`,
    'backend dashboards\n  mode http\n  balance roundrobin\n  cookie EDUFLEET_NODE insert indirect nocache httponly\n  option redispatch\n  timeout tunnel 1h\n  option httpchk',
    check,
    '  default-server check inter 300ms fall 2 rise 1',
    ...dashboards.map((d, i) => `  server ${d.name} 127.0.0.1:${d.port} cookie d${i + 1}`),
  ].join('\n');
}

/**
 * Starts the cluster: PostgreSQL, Redis and InfluxDB, then the node and dashboard processes (in parallel), then
 * HAProxy.
 */
export async function startCluster(opts: {
  nodes: number;
  dashboards: number;
  /** Added to every process's environment. */
  env?: Record<string, string>;
  /** Added to the environment of one process, by name (`node-2`, `dash-1`). */
  envOf?: Record<string, Record<string, string>>;
}): Promise<TestCluster> {
  const dir = tempDir('edufleet-cluster-');
  const influxd = new ManagedInfluxd(path.join(dir, 'influx'));
  const [pg, redis] = await Promise.all([startPostgres(), startRedis(), influxd.start()]);
  const parts: { nodes: ClusterProcess[]; dashboards: ClusterProcess[]; haproxy?: TestHaproxy } = { nodes: [], dashboards: [] };
  const close = async () => {
    await parts.haproxy?.close();
    await Promise.all([...parts.nodes, ...parts.dashboards].map((p) => p.stop('SIGKILL')));
    await Promise.all([redis.close(), pg.stop(), influxd.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const registryUrl = await pg.createDatabase();
    const common = (name: string): Record<string, string> => {
      const dataDir = path.join(dir, name);
      mkdirSync(dataDir, { recursive: true });
      return {
        EDUFLEET_LOG_LEVEL: 'warn', EDUFLEET_DATA_DIR: dataDir, EDUFLEET_NODE_NAME: name, EDUFLEET_REGISTRY_URL: registryUrl,
        EDUFLEET_REDIS_URL: redis.url, ...influxEnv(influxd), EDUFLEET_DASHBOARD_SESSION_SECRET: CLUSTER_SESSION_SECRET,
        // Health signals reach the registry within a fifth of a second, so tests that wait on them wait little.
        EDUFLEET_ALERTS_FLUSH_MS: '200', EDUFLEET_REDIS_PRESENCE_CHECK_MS: '300', ...opts.env, ...opts.envOf?.[name],
      };
    };
    for (let i = 1; i <= opts.nodes; i++) {
      const name = `node-${i}`;
      const [mqtt, management] = [await freePort(), await freePort()];
      const env = {
        ...common(name), EDUFLEET_MQTT_HOST: '127.0.0.1', EDUFLEET_MQTT_PORT: String(mqtt), EDUFLEET_MQTT_WS_PORT: '0',
        EDUFLEET_MQTT_PROXY_PROTOCOL: 'true', EDUFLEET_MQTT_TRUSTED_PROXIES: '127.0.0.1', EDUFLEET_NODE_MANAGEMENT_PORT: String(management),
      };
      parts.nodes.push(clusterProcess(name, () => startEdufleetProcess(['--only', 'broker,gateway'], env), mqtt, management));
    }
    for (let i = 1; i <= opts.dashboards; i++) {
      const name = `dash-${i}`;
      const port = await freePort();
      const env = {
        ...common(name), EDUFLEET_DASHBOARD_HOST: '127.0.0.1', EDUFLEET_DASHBOARD_PORT: String(port), EDUFLEET_DASHBOARD_LIVE_INTERVAL_MS: '200',
        // Every login of a test comes from one loopback address through HAProxy: set-up, not guessing.
        EDUFLEET_DASHBOARD_LOGINS_PER_ADDRESS_PER_MIN: '10000', EDUFLEET_DASHBOARD_LOGINS_PER_USER_PER_MIN: '10000',
      };
      parts.dashboards.push(clusterProcess(name, () => startDashboardProcess(env), port, port));
    }
    // The first process creates the registry's schema; the others then start together.
    await parts.nodes[0]!.start();
    await Promise.all([...parts.nodes.slice(1), ...parts.dashboards].map((p) => p.start()));
    const haproxy = await startHaproxy(['mqtt', 'dashboard'], (ports) => haproxyConfig(parts.nodes, parts.dashboards, ports));
    parts.haproxy = haproxy;
    return {
      pg, redis, influxd, registryUrl, haproxy, nodes: parts.nodes, dashboards: parts.dashboards,
      mqttUrl: `mqtt://127.0.0.1:${haproxy.port('mqtt')}`,
      dashboardUrl: `http://127.0.0.1:${haproxy.port('dashboard')}`,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The dashboard URL of one process, straight, not through HAProxy. */
export const directUrl = (p: ClusterProcess): string => `http://127.0.0.1:${p.port}`;
