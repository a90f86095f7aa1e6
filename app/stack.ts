import path from 'node:path';
import type { AlertEngine } from '../alerts/engine.js';
import { notificationListener, type NotificationDispatcher } from '../alerts/notify/index.js';
import { Broker, type PresenceSink } from '../broker/broker.js';
import type { IngestSink } from '../broker/auth/authorize-publish.js';
import { IntegrationAccounts } from '../broker/auth/integration.js';
import { ClusterBus } from '../broker/cluster/bus.js';
import type { RunWatcher, Scheduler } from '../commands/index.js';
import type { Config } from '../config/index.js';
import type { DashboardFactory, DashboardHandle, DashboardParts } from '../dashboard/server/deps.js';
import { LiveFeed } from '../dashboard/server/live-feed.js';
import { Gateway } from '../gateway/gateway.js';
import { DeviceMeta } from '../gateway/device-meta.js';
import { LivePublisher } from '../gateway/live-publisher.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { defaultNodeName } from '../lib/cluster-keys.js';
import type { Component, ComponentHealth } from '../lib/component.js';
import { ManagedInfluxd } from '../lib/influx/index.js';
import { createLogger, type Logger } from '../lib/logger.js';
import type { ProcessLimits } from '../lib/limits.js';
import { createMetrics, type Metrics } from '../lib/metrics.js';
import { tightenPrivateTree } from '../lib/private-files.js';
import { DeviceDirectory, JobLease, leaseOwner, openRegistryStore } from '../registry/index.js';
import type { MonthlyReports } from '../usage/monthly-reports.js';
import type { UsageLoop } from '../usage/usage-loop.js';
import { warnClearText } from './clear-text.js';
import { DirectoryComponent, InfluxdComponent } from './components.js';
import { heartbeatState, nodeHeartbeat } from './node-heartbeat.js';
import { startJobs } from './jobs.js';
import { edgeLinks, startEdgeNode, type EdgeNode } from './edge-node.js';
import { edgeDownlink, provinceBundles, takeBundles } from './edge-downlink.js';
import type { EdgeLinks } from '../edge/link-province.js';

export type { DashboardFactory, DashboardHandle } from '../dashboard/server/deps.js';

/** What `--only` chooses from: the parts of EduFleet a process may run. */
export type ComponentName = 'broker' | 'gateway' | 'alerts' | 'dashboard' | 'usage' | 'scheduler';
export const ALL_COMPONENTS: ComponentName[] = ['broker', 'gateway', 'alerts', 'dashboard', 'usage', 'scheduler'];

/** What every component of a process shares, and what the dashboard is given. */
export interface StackParts extends DashboardParts {
  metrics: Metrics;
  /** The alert engine, in a process that runs it (notifications and live updates add their listeners with `listen`). */
  alerts?: AlertEngine;
  /** Sends the queued alert notifications (e-mail, webhooks) and the daily digests, beside the alert engine. */
  notifications?: NotificationDispatcher;
  usage?: UsageLoop;
  reports?: MonthlyReports;
  /** Applies the bulk runs' abort rule and ends finished runs (docs/commands.md). */
  runWatcher?: RunWatcher;
  /** Fires the command schedules, each fire claimed once across processes. */
  scheduler?: Scheduler;
  /** On an edge node (`edge.enabled`): its forward log and uplink (app/edge-node.ts). */
  edge?: EdgeNode;
  /** At the province, with a broker: the edge account; `edgeLinks.publish(edgeId, bundle)` sends a bundle down. */
  edgeLinks?: EdgeLinks;
  /** With a broker: the integration accounts it knows; `reload()` reads them now rather than at the next poll. */
  integrations?: IntegrationAccounts;
}

export interface Stack extends StackParts {
  influxd?: ManagedInfluxd;
  dashboard?: DashboardHandle;
  /** The started components, in start order. */
  components: Component[];
  health(): ComponentHealth[];
  /**
   * Starts one more component in this process (the demo's simulator): it joins `components` and /healthz and stops
   * before everything started earlier (with `stop` instead of its own, if given).
   */
  add<C extends Component>(c: C, stop?: () => Promise<void>): Promise<C>;
  /**
   * Reads the TLS certificate files again for new connections to the broker's mqtts/wss and the dashboard's HTTPS,
   * without dropping connected devices or browsers (SIGHUP under `start`). Each is true when reloaded, false when its
   * files are unusable (logged, the old certificate kept), undefined without TLS.
   */
  reloadTls(): { mqtt: boolean | undefined; dashboard: boolean | undefined };
  /** Stops every component in reverse order, then closes the stores; a second call waits for the first. */
  stop(): Promise<void>;
}

export interface StackOptions {
  config: Readonly<Config>;
  only?: ComponentName[];
  log?: Logger;
  clock?: Clock;
  /** Builds the dashboard (see app/process.ts); without it, no dashboard runs. */
  dashboard?: DashboardFactory;
  /** The open-file limit as raised at process start and the connection cap (app/process.ts); without it, read as it is. */
  limits?: ProcessLimits;
  /** Warn at start about clear-text MQTT or HTTP reachable from other hosts (app/clear-text.ts); `demo` turns it off. */
  clearTextWarning?: boolean;
}

/** Starts a component and registers its stop (its own `stop()` unless given another). */
type Starter = <C extends Component>(c: C, stop?: () => Promise<void>) => Promise<C>;

/** Stops and closes in reverse order of starting; an error in one is logged and the rest still stop. */
class Shutdown {
  private readonly steps: { name: string; run: () => Promise<void> | void }[] = [];
  private done: Promise<void> | undefined;
  constructor(private readonly log: Logger) {}
  add(name: string, run: () => Promise<void> | void): void {
    this.steps.push({ name, run });
  }
  run(): Promise<void> {
    this.done ??= (async () => {
      for (const s of [...this.steps].reverse()) {
        try {
          await s.run();
        } catch (err) {
          this.log.error({ err, component: s.name }, 'error while stopping');
        }
      }
    })();
    return this.done;
  }
}

/**
 * Starts the components of one EduFleet process in order (InfluxDB if managed → registry → device directory →
 * gateway → broker → alerts → usage → reports → dashboard) and stops them in reverse. With `only`, a process runs a subset:
 * several broker+gateway nodes and separate dashboard nodes in a larger deployment.
 */
export async function startStack(o: StackOptions): Promise<Stack> {
  let { config } = o;
  const only = new Set(o.only ?? ALL_COMPONENTS);
  const log = o.log ?? createLogger(config.logLevel);
  const clock = o.clock ?? systemClock;
  const shutdown = new Shutdown(log);
  const components: Component[] = [];
  const start: Starter = async (c, stop) => {
    await c.start();
    components.push(c);
    shutdown.add(c.name, stop ?? (() => c.stop()));
    return c;
  };
  // Secrets, the registry and unsent readings live here: private to this account, even if an older version left it open.
  tightenPrivateTree(config.dataDir, log);
  let running: StackParts | undefined;
  try {
    // First: a node that cannot reach Redis refuses to start, naming the URL, before it starts anything else.
    if (config.redis.url) await start(nodeHeartbeat(config, log, () => heartbeatState(components, running)));
    let influxd: ManagedInfluxd | undefined;
    let influxUrl = config.influx.url;
    if (!influxUrl) {
      influxd = (await start(new InfluxdComponent(new ManagedInfluxd(path.join(config.dataDir, 'influxdb'), config.influx.managedBinary), log))).influxd;
      influxUrl = influxd.url;
      // Its credential flows down the same options as an external server's, so every client authenticates alike.
      config = Object.freeze({ ...config, influx: Object.freeze({ ...config.influx, url: influxUrl, ...influxd.credentials }) });
      log.info({ url: influxUrl }, 'managed InfluxDB started');
    }
    const registry = await openRegistryStore({ url: config.registry.url, dataDir: config.dataDir, log });
    // Closed after every component has stopped (shutdown runs in reverse); it closes the report store with it.
    shutdown.add('registry', () => registry.close());
    const usageStore = registry.usage;
    const directory = (await start(new DirectoryComponent(new DeviceDirectory(registry, log), 250, log))).directory;
    const health = () => components.map((c) => c.health());
    const parts: StackParts = { config, log, metrics: createMetrics(), clock, registry, usageStore, directory, influxUrl, health };
    running = parts;
    parts.metrics.healthSource.health = health;
    // Brokers on several machines hear each other through Redis; a dashboard tells the node holding a device of its commands.
    const bus = config.redis.url && (only.has('broker') || only.has('dashboard'))
      ? await start(new ClusterBus({ url: config.redis.url, node: config.node.name || defaultNodeName(), log, presenceCheckMs: config.redis.presenceCheckMs, clock }))
      : undefined;
    if (only.has('gateway') || only.has('broker')) await startIngest(parts, start, o.limits, bus);
    parts.kickCommands = async (id) => {
      await parts.broker?.commands?.kick(id);
      bus?.notifyCommand(id);
    };
    // The notification outbox is filled inside the transaction of each alert change (here and on the dashboard).
    parts.alertListeners = config.alerts.enabled ? [notificationListener({ groupWindowMs: config.alerts.groupWindowMs })] : [];
    // The background jobs, each where one of its components runs and claimed by a lease (app/jobs.ts).
    await startJobs(parts, only, start);
    const stack: Stack = {
      ...parts, influxd, components, health, add: start, stop: () => shutdown.run(),
      reloadTls: () => ({ mqtt: parts.broker?.reloadTls(), dashboard: stack.dashboard?.reloadTls?.() }),
    };
    if (only.has('dashboard') && o.dashboard) {
      // Through Redis, a dashboard sees every node's devices and pushes (issue 20); started first, stopped after it.
      if (config.redis.url) parts.liveFeed = stack.liveFeed = await start(new LiveFeed({ url: config.redis.url, nodeName: config.node.name || defaultNodeName(), log }));
      stack.dashboard = await start(await o.dashboard(parts));
    }
    if (o.clearTextWarning !== false) warnClearText(config, { broker: !!parts.broker, dashboard: !!stack.dashboard }, log);
    return stack;
  } catch (err) {
    await shutdown.run();
    throw err;
  }
}

/** Gateway then broker: the broker acknowledges a device's message only once the gateway has spooled it. */
async function startIngest(parts: StackParts, start: Starter, limits: ProcessLimits | undefined, cluster: ClusterBus | undefined): Promise<void> {
  const { config, directory, metrics, log, clock, influxUrl, registry } = parts;
  const g = new Gateway({ config, influxUrl, directory, metrics, log, clock, registry });
  // A clean shutdown writes out the spool first while InfluxDB answers (the broker has stopped taking readings).
  const gateway = await start(g, () => g.stop(true));
  parts.gateway = gateway;
  // Grafana's names for the ids the readings carry (gateway/device-meta.ts), through the same spool.
  const lease = new JobLease({ registry, name: 'job:device-meta', owner: leaseOwner(config.node.name || defaultNodeName()), ttlMs: config.jobs.leaseMs, log });
  await start(new DeviceMeta({ directory, registry, store: (lines) => gateway.store(lines), clock, log, refreshMs: config.gateway.deviceMetaRefreshMs, lease }));
  // An edge node keeps every message in its forward log too and sends it up; a provincial node takes edges' links.
  const edge = config.edge.enabled ? await startEdgeNode({ config, log, clock, gateway }, start) : undefined;
  const links = config.edge.enabled ? undefined : edgeLinks({ config, registry, directory, gateway, metrics, log, clock });
  parts.edge = edge;
  parts.edgeLinks = links;
  // The down direction (app/edge-downlink.ts): bundles from the link applied, outcomes sent up, the log compacted.
  if (edge?.uplink) takeBundles({ uplink: edge.uplink, registry, directory, config, log, clock });
  if (edge) await start(edgeDownlink({ registry, log: edge.log, logger: log, config }));
  const ingest: IngestSink = (id, channel, payload, commandId) => gateway.ingest(id, channel, payload, commandId);
  // A presence the spool refused is already on the gateway's health; one line per device would flood the log.
  const presence: PresenceSink = (id, state, p) => void gateway.presence(id, state, p).catch((err: unknown) => log.debug({ err, deviceId: id }, 'presence not recorded'));
  // Each live tick's changes to the shared hash and to every dashboard (issue 20); never on the durable path.
  if (config.redis.url) {
    await start(new LivePublisher({ live: gateway.live, url: config.redis.url, nodeName: config.node.name || defaultNodeName(), intervalMs: config.dashboard.liveDeviceIntervalMs, log }));
  }
  // Integration accounts (issue 22): MQTT clients that are not devices, read again from the registry every second.
  const integrations = await start(new IntegrationAccounts({
    logins: () => registry.integrations.logins(), placements: directory, log, connected: (name, at) => registry.integrations.noteConnected(name, at),
  }));
  parts.integrations = integrations;
  parts.broker = await start(new Broker({
    config, directory, metrics, log, commands: { registry, clock, sweepMs: config.commands.deliverySweepMs }, ...(limits ? { limits } : {}), ...(cluster ? { cluster } : {}),
    ingest: edge ? edge.ingest(ingest) : ingest, presence: edge ? edge.presence(presence) : presence, accounts: [...(links ? [links.account] : []), integrations.account],
    clock, flood: (id, rate) => gateway.signals?.flooding(id, rate, clock.now()),
  }));
  const broker = parts.broker;
  links?.attach({ publish: (topic, payload, o) => broker.publishOwn(topic, payload, o), onSync: provinceBundles({ registry, links, log, clock }) });
}
