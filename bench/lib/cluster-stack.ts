/**
 * The deployment of docs/operations.md ("Several machines") on loopback for the cluster benchmark: one PostgreSQL
 * registry, one Redis, one InfluxDB, N `edufleet start --only broker,gateway` nodes and M `--only dashboard`
 * processes, each with its own data directory as on its own machine, and on demand an HAProxy in front of the nodes
 * (TCP, PROXY v2, health checks on each node's management /healthz). The nodes listen on fixed ports, so a node
 * restarted after a SIGKILL is the same address to devices and to HAProxy.
 *
 * HAProxy connects to the nodes from 127.0.0.2, the one trusted proxy address: devices that connect straight to a
 * node (from 127.0.0.1, as DNS round-robin would send them) need no PROXY header, and those through HAProxy carry one.
 */
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ManagedInfluxd } from '../../lib/influx/index.js';
import { freePort } from '../../lib/net.js';
import { startHaproxy, type TestHaproxy } from './managed/haproxy.js';
import { startPostgres, type TestPostgres } from './managed/postgres.js';
import { startRedis, type TestRedis } from './managed/redis.js';
import { CPU_PROF_DIR, findPid, type Cleanup } from './procs.js';
import { startEdufleetChild, type RunningServer } from './servers.js';

export const SESSION_SECRET = 'bí-mật-ký-cookie-chung-của-cả-cụm-máy-bench-0123456789';
/** The address HAProxy connects to the nodes from (mqtt.trustedProxies of every node). */
const PROXY_SOURCE = '127.0.0.2';

/** A free loopback port under Linux's ephemeral range (32768 and up), which client sockets never take. */
async function portBelowEphemeral(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

export interface ClusterNode {
  name: string;
  /** The node's own MQTT address (devices of a DNS round-robin name connect here). */
  url: string;
  port: number;
  managementPort: number;
  /** The running process; undefined after a kill until `start()`. */
  server: RunningServer | undefined;
  start(): Promise<void>;
  /** SIGKILL: the node dies without a word, as a machine losing power does. */
  kill(): void;
}

export interface BenchClusterStack {
  pg: TestPostgres;
  redis: TestRedis;
  influxd: ManagedInfluxd;
  influxdPid: number | undefined;
  registryUrl: string;
  nodes: ClusterNode[];
  dashboards: RunningServer[];
  /** HAProxy in front of every node (`withHaproxy`); its MQTT address. */
  haproxy?: { proxy: TestHaproxy; url: string };
  withHaproxy(maxConnections: number): Promise<{ proxy: TestHaproxy; url: string }>;
}

/** PostgreSQL, Redis and InfluxDB; `beforeNodes` runs once the registry exists (provisioning), then the processes start. */
export async function startClusterStack(o: { dir: string; nodes: number; dashboards: number; beforeNodes(registryUrl: string): Promise<void> }, cleanup: Cleanup): Promise<BenchClusterStack> {
  const influxd = new ManagedInfluxd(path.join(o.dir, 'influxdb'));
  cleanup.add('influxd (cluster)', () => influxd.stop());
  const pg = await startPostgres();
  cleanup.add('PostgreSQL', () => pg.stop());
  const redis = await startRedis();
  cleanup.add('Redis', () => redis.close());
  const influxUrl = await influxd.start();
  const influxdPid = findPid(path.join(o.dir, 'influxdb', 'influxdb.conf'));
  const registryUrl = await pg.createDatabase();
  await o.beforeNodes(registryUrl);
  const base = (name: string, extra: Record<string, string>) => {
    const dataDir = path.join(o.dir, name);
    mkdirSync(dataDir, { recursive: true });
    return {
      influxUrl, influxCredentials: influxd.credentials, database: 'edufleet', dataDir, cpuProfDir: CPU_PROF_DIR,
      env: { EDUFLEET_NODE_NAME: name, EDUFLEET_REGISTRY_URL: registryUrl, EDUFLEET_REDIS_URL: redis.url, EDUFLEET_DASHBOARD_SESSION_SECRET: SESSION_SECRET, ...extra },
    };
  };
  const nodes: ClusterNode[] = [];
  for (let i = 1; i <= o.nodes; i++) {
    // Below the ephemeral range: with 60,000 client sockets on loopback, a node restarted on its port would find it
    // taken by some client's local port (EADDRINUSE).
    const [port, managementPort] = [await portBelowEphemeral(), await portBelowEphemeral()];
    const opts = base(`node-${i}`, {
      EDUFLEET_MQTT_PORT: String(port), EDUFLEET_NODE_MANAGEMENT_PORT: String(managementPort),
      EDUFLEET_MQTT_PROXY_PROTOCOL: 'true', EDUFLEET_MQTT_TRUSTED_PROXIES: PROXY_SOURCE,
    });
    const node: ClusterNode = {
      name: `node-${i}`, url: `mqtt://127.0.0.1:${port}`, port, managementPort, server: undefined,
      async start() { node.server = await startEdufleetChild(opts, cleanup); },
      kill() {
        if (node.server) process.kill(node.server.pid, 'SIGKILL');
        node.server = undefined;
      },
    };
    nodes.push(node);
  }
  // The first process creates the registry's schema; the others then start together.
  await nodes[0]!.start();
  const dashboards: RunningServer[] = [];
  await Promise.all([
    ...nodes.slice(1).map((n) => n.start()),
    ...Array.from({ length: o.dashboards }, async (_, i) => {
      const port = await freePort();
      dashboards[i] = await startEdufleetChild({
        ...base(`dash-${i + 1}`, { EDUFLEET_DASHBOARD_HOST: '127.0.0.1', EDUFLEET_DASHBOARD_PORT: String(port) }), only: 'dashboard',
      }, cleanup);
    }),
  ]);
  const stack: BenchClusterStack = {
    pg, redis, influxd, influxdPid, registryUrl, nodes, dashboards,
    async withHaproxy(maxConnections) {
      const proxy = await startHaproxy(['mqtt'], (ports) => haproxyConfig(nodes, ports.mqtt!, maxConnections));
      cleanup.add('HAProxy', () => proxy.close());
      stack.haproxy = { proxy, url: `mqtt://127.0.0.1:${proxy.port('mqtt')}` };
      return stack.haproxy;
    },
  };
  return stack;
}

/**
 * The MQTT part of docs/operations.md's haproxy.cfg on loopback: TCP, leastconn, PROXY v2, health checks on each
 * node's management /healthz (every second; a dead node is down after two). Client and server timeouts outlast
 * the devices' 60 s keepalive.
 */
function haproxyConfig(nodes: ClusterNode[], port: number, maxConnections: number): string {
  return [
    `frontend mqtt\n  mode tcp\n  bind 127.0.0.1:${port}\n  maxconn ${maxConnections}\n  timeout client 3m\n  default_backend mqtt_nodes`,
    `backend mqtt_nodes\n  mode tcp\n  balance leastconn\n  timeout server 3m\n  source ${PROXY_SOURCE}\n  option httpchk`,
    '  http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host edufleet\n  http-check expect status 200',
    '  default-server send-proxy-v2 inter 1s fall 2 rise 1 on-marked-down shutdown-sessions',
    ...nodes.map((n) => `  server ${n.name} 127.0.0.1:${n.port} check port ${n.managementPort}`),
  ].join('\n');
}
