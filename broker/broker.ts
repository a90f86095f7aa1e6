import type { IncomingMessage } from 'node:http';
import { Aedes, type Client } from 'aedes';
import { indexRetained, type RetainedStore } from './retained-index.js';
import { shareRetained, type SharedRetainedCounters } from './cluster/retained.js';
import type { Config } from '../config/index.js';
import { guardedInterval, Health, type Component, type ComponentHealth } from '../lib/component.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import { systemClock, type Clock } from '../lib/clock.js';
import type { DeviceDirectory, RegistryStore } from '../registry/index.js';
import { Admission } from './admission.js';
import { withAccountPublish, withAccounts, withAccountSubscription, accountOf, skipDropped, withAccountForward, withAccountSessions, type NonDeviceAccount } from './auth/accounts.js';
import { makeAuthenticate, makePreConnect } from './auth/authenticate.js';
import { makeAuthorizePublish, type IngestSink } from './auth/authorize-publish.js';
import { makeAuthorizeSubscribe } from './auth/authorize-subscribe.js';
import { parseBenchSubscriber, withBenchSubscriber, withBenchSubscription } from './auth/bench-subscriber.js';
import { nonDeviceClients } from './auth/non-device.js';
import { CommandDelivery } from './commands.js';
import { ConnectionCap } from './connection-cap.js';
import { countResourceError, currentLimits, type ProcessLimits } from '../lib/limits.js';
import { clientAddress, Listeners } from './listeners.js';
import { PublishRate, type FloodSink } from './publish-rate.js';
import { skipUnheardPublishes, type PublishShortcut } from './publish-shortcut.js';
import type { ClusterBus } from './cluster/bus.js';
import { joinCluster, type ClusterMembership } from './cluster/join.js';
import { deliverAcrossNodes, type CrossNodeDelivery } from './cluster/forward.js';

/** How often the per-address and per-device buckets that have refilled are forgotten. */
const SWEEP_MS = 10_000;

/** `force`: record it even if this process's view already has that state (a dead node's device, broker/cluster/). */
export type PresenceSink = (deviceId: string, state: 'online' | 'offline', o?: { force?: boolean }) => void;

export interface BrokerOptions {
  config: Readonly<Config>;
  directory: DeviceDirectory;
  metrics: Metrics;
  log: Logger;
  ingest: IngestSink;
  presence: PresenceSink;
  /** With the registry, this broker delivers remote commands to the devices subscribed to it (broker/commands.ts). */
  commands?: { registry: RegistryStore; clock: Clock; sweepMs?: number };
  /** Told when a device is throttled for flooding (the gateway's health signals: the `flooding` reason). */
  flood?: FloodSink;
  clock?: Clock;
  /** The open-file limit and the connection cap derived from it (lib/limits.ts); without it, read at start. */
  limits?: ProcessLimits;
  /** With `redis.url`: the bus to the other broker nodes (presence, takeovers, commands; broker/cluster/). */
  cluster?: ClusterBus;
  /** Accounts that are not devices (broker/auth/accounts.ts): the edge nodes' uplinks at the province, integration accounts. */
  accounts?: readonly NonDeviceAccount[];
}

/**
 * aedes on TCP and WebSocket (path /mqtt), and on TLS and secure WebSocket with a certificate (broker/listeners.ts),
 * behind the admission (broker/admission.ts) and the per-device publish rate (broker/publish-rate.ts), with the device registry's authentication, the ACL, and presence from
 * connect / disconnect (which covers keepalive timeouts and a dropped socket; the Last Will arrives as a status).
 */
export class Broker implements Component {
  readonly name = 'broker';
  private readonly state: Health;
  private aedes: Aedes | undefined;
  private listeners: Listeners | undefined;
  private admission: Admission | undefined;
  private stopSweep: (() => void) | undefined;
  private unsubscribe: (() => void) | undefined;
  /** Unregisters the broker from the account kinds that close their clients (a revoked integration account). */
  private undrop: (() => void)[] = [];
  private membership: ClusterMembership | undefined;
  /** With `redis.url`: messages for non-device clients of other nodes (broker/cluster/forward.ts). */
  crossNode: CrossNodeDelivery | undefined;
  port = 0;
  wsPort = 0;
  tlsPort = 0;
  wssPort = 0;
  readonly commands: CommandDelivery | undefined;
  readonly cap: ConnectionCap;
  /** Publishes acknowledged without aedes's delivery because nobody subscribes to their topic (broker/publish-shortcut.ts). */
  shortcut: PublishShortcut | undefined;
  /** Retained messages shared through Redis (broker/cluster/retained.ts): how many were written and failed. */
  sharedRetained: SharedRetainedCounters | undefined;

  constructor(private readonly o: BrokerOptions) {
    this.state = new Health(this.name, o.log, (err, context) => countResourceError(o.metrics, err, context));
    this.commands = o.commands && new CommandDelivery({ ...o.commands, log: o.log });
    this.cap = new ConnectionCap(o.limits ?? currentLimits(o.config.mqtt), o.metrics);
  }

  health(): ComponentHealth {
    const h: ComponentHealth = { ...this.state.snapshot(), details: this.cap.details() };
    if (this.admission) h.counters = { ...this.admission.refused(), pendingConnects: this.admission.pending };
    if (this.sharedRetained) h.counters = { ...h.counters, retainedShared: this.sharedRetained.written, retainedNotShared: this.sharedRetained.failed };
    return h;
  }

  get connectedClients(): number {
    return this.aedes?.connectedClients ?? 0;
  }

  async start(): Promise<void> {
    const { config, directory, metrics, log } = this.o;
    const m = config.mqtt;
    const accounts = this.o.accounts ?? [];
    const aedes = await Aedes.createBroker({
      connectTimeout: m.connectTimeoutMs,
      // Checked in preConnect + authenticate: aedes's own check answers CONNACK 6, which MQTT 3.1.1 does not have.
      keepaliveLimit: 0,
      // An integration account's client gets its session id before aedes reads the client id (broker/auth/accounts.ts).
      preConnect: withAccountSessions(accounts, makePreConnect(m.keepaliveLimitS)),
      maxTopicLevels: m.maxTopicLevels,
      maxInflightInbound: m.maxInflight,
      // Device ids are up to 64 characters; MQTT 3.1's 23-character limit would refuse them.
      maxClientsIdLength: 64,
      heartbeatInterval: 60_000,
      concurrency: 1000,
      drainTimeout: 30_000,
    });
    this.aedes = aedes;
    const bench = parseBenchSubscriber(m.benchSubscriber);
    const nonDevice = nonDeviceClients(bench, accounts);
    // Before the shortcut wraps aedes.publish: a publish nobody hears on any node never reaches the forwarder.
    this.crossNode = this.o.cluster && deliverAcrossNodes({
      aedes, bus: this.o.cluster, isNonDevice: nonDevice, changed: () => this.shortcut?.changed(), resyncMs: config.redis.presenceCheckMs,
    });
    this.shortcut = skipUnheardPublishes(aedes, this.crossNode);
    skipDropped(aedes);
    const persistence = (aedes as unknown as { persistence: RetainedStore }).persistence;
    indexRetained(persistence);
    // Outside the index: a device's SUBSCRIBE is answered by the index without a Redis read.
    if (this.o.cluster) this.sharedRetained = shareRetained(persistence, this.o.cluster, log);
    aedes.authenticate = this.cap.wrap(withAccounts(accounts, metrics, log, withBenchSubscriber(bench, makeAuthenticate(directory, metrics, log))));
    const clock = this.o.clock ?? systemClock;
    const rate = new PublishRate({ ratePerSec: m.publishRatePerSec, burst: m.publishBurst, clock, metrics, flood: this.o.flood });
    // Accounts draw from buckets of their own (per account), and are never reported as a flooding device.
    const accountRate = new PublishRate({ ratePerSec: m.publishRatePerSec, burst: m.publishBurst, clock, metrics });
    aedes.authorizePublish = withAccountPublish(accounts, metrics, log, makeAuthorizePublish(this.ingestSink(), m.maxPayloadBytes, metrics, log, rate.enabled ? rate : undefined, this.shortcut), accountRate.enabled ? accountRate : undefined);
    aedes.authorizeSubscribe = withAccountSubscription(accounts, metrics, withBenchSubscription(bench, makeAuthorizeSubscribe(metrics)));
    // Before commands.attach, which wraps it again.
    aedes.authorizeForward = withAccountForward(accounts, aedes.authorizeForward.bind(aedes));
    this.undrop = accounts.flatMap((a) => a.onDrop?.((match) => this.closeClients(match)) ?? []);
    // aedes calls these from its own event handlers: a throw there would be an uncaught exception.
    aedes.on('client', this.state.guard('presence (connect)', (client: Client) => {
      metrics.devicesConnected.set(aedes.connectedClients);
      // A device got in: accepting works again after an EMFILE on accept.
      this.state.ok();
      if (!nonDevice(client.id)) this.o.presence(client.id, 'online');
      else accountOf(accounts, client.id)?.connected?.(client.id, true);
    }));
    aedes.on('clientDisconnect', this.state.guard('presence (disconnect)', (client: Client) => {
      metrics.devicesConnected.set(aedes.connectedClients);
      // Closed because the device connected on another node: it is online there (broker/cluster/join.ts).
      if (!nonDevice(client.id) && !this.membership?.takenOver(client)) this.o.presence(client.id, 'offline');
      else if (nonDevice(client.id)) accountOf(accounts, client.id)?.connected?.(client.id, false);
    }));
    // Counted, not logged per connection: a generator of broken packets would flood the log (test/faults/mqtt-garbage).
    aedes.on('clientError', (client: Client, err: Error) => {
      metrics.connectionErrors.inc({ phase: 'connected' });
      log.debug({ deviceId: client.id, address: clientAddress(client), err: err.message }, 'client error');
    });
    aedes.on('connectionError', (_client: Client, err: Error) => {
      metrics.connectionErrors.inc({ phase: 'before-connect' });
      log.debug({ err: err.message }, 'connection error');
    });
    this.commands?.attach(aedes, this.state);
    // After the hooks above are in place: the cluster wraps authorizePublish (broker/cluster/join.ts).
    if (this.o.cluster) {
      this.membership = joinCluster({
        aedes, bus: this.o.cluster, log, clock, commands: this.commands, ignore: nonDevice,
        offline: (id) => this.o.presence(id, 'offline', { force: true }),
      });
      this.crossNode?.shareSessions(log);
    }
    // A revoked device (or one whose secret was rotated) is dropped at once, wherever the change was made.
    this.unsubscribe = directory.on('invalidated', (id) => {
      const c = (aedes as unknown as { clients: Record<string, Client | undefined> }).clients[id];
      if (c) {
        log.info({ deviceId: id, address: clientAddress(c) }, 'device credentials changed: disconnecting');
        c.close();
      }
    });

    const admission = new Admission({ ...m, clock, metrics });
    this.admission = admission;
    this.stopSweep = guardedInterval(this.state, 'admission sweep', SWEEP_MS, () => { admission.sweep(); rate.sweep(); accountRate.sweep(); });
    try {
      // aedes reads only `connDetails` from the request it is given (broker/listeners.ts, Arrival).
      this.listeners = new Listeners({ config, admission, state: this.state, handle: (stream, req) => aedes.handle(stream, req as IncomingMessage) });
      await this.listeners.open();
    } catch (err) {
      await this.stop();
      throw err;
    }
    Object.assign(this, this.listeners!.ports);
    this.state.started();
    log.info({ ...this.listeners!.ports }, 'MQTT broker listening');
  }

  /**
   * Publishes a message of the province's own to a non-device client's topic (an edge's `down`, QoS 1, retained so an
   * edge that connects later still receives the latest). Resolves once aedes has taken it.
   */
  publishOwn(topic: string, payload: Buffer, o: { retain: boolean }): Promise<void> {
    const aedes = this.aedes;
    if (!aedes) return Promise.reject(new Error('the broker is not running'));
    return new Promise((resolve, reject) => {
      aedes.publish({ cmd: 'publish', topic, payload, qos: 1, retain: o.retain, dup: false } as Parameters<Aedes['publish']>[0], (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Closes this node's clients whose id `match`es (a revoked account's). */
  private closeClients(match: (clientId: string) => boolean): void {
    const clients = (this.aedes as unknown as { clients: Record<string, Client | undefined> } | undefined)?.clients ?? {};
    for (const c of Object.values(clients)) {
      if (!c || !match(c.id)) continue;
      this.o.log.info({ clientId: c.id, address: clientAddress(c) }, 'account revoked: disconnecting');
      c.close();
    }
  }

  /** The address a connected device connects from (behind a trusted proxy, the one its PROXY header named). */
  addressOf(deviceId: string): string | undefined {
    const c = (this.aedes as unknown as { clients: Record<string, Client | undefined> } | undefined)?.clients[deviceId];
    return c && clientAddress(c);
  }

  /**
   * Gives new mqtts and wss connections the certificate files as they are now (SIGHUP under `start`); connected
   * devices keep their session. True when reloaded, false when the files are unusable (logged; the old certificate
   * stays), undefined without a TLS listener.
   */
  reloadTls(): boolean | undefined {
    const m = this.o.config.mqtt;
    try {
      if (!this.listeners?.reloadTls()) return undefined;
      this.o.log.info({ certFile: m.tlsCertFile }, 'MQTT TLS certificate reloaded');
      return true;
    } catch (err) {
      this.o.log.error({ err }, 'MQTT TLS certificate not reloaded: the old one stays in use');
      return false;
    }
  }

  /** A command's answer finishes it in the registry once the gateway has stored it (not before: no PUBACK waits on it). */
  private ingestSink(): IngestSink {
    const { ingest, log } = this.o;
    const commands = this.commands;
    if (!commands) return ingest;
    return (deviceId, channel, payload, commandId) => {
      // Telemetry goes straight through: one promise less per reading.
      if (channel !== 'cmd-result' || !commandId) return ingest(deviceId, channel, payload, commandId);
      return ingest(deviceId, channel, payload, commandId).then((r) => {
        void commands.result(deviceId, commandId, payload).catch((err: unknown) => log.warn({ err, deviceId, commandId }, 'command result not recorded'));
        return r;
      });
    };
  }

  async stop(): Promise<void> {
    if (!this.aedes) return;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const undo of this.undrop) undo();
    this.undrop = [];
    this.commands?.detach();
    this.stopSweep?.();
    const aedes = this.aedes;
    this.aedes = undefined;
    await new Promise<void>((r) => aedes.close(() => r()));
    // After the close: the devices it disconnected leave the presence hash, and its subscriptions the other nodes.
    await this.crossNode?.stop();
    this.crossNode = undefined;
    this.membership?.leave();
    this.membership = undefined;
    await this.listeners?.close();
    this.state.stopped();
  }
}
