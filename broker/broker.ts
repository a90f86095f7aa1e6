import http from 'node:http';
import net from 'node:net';
import { Aedes, type Client } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Config } from '../config/index.js';
import { Health, type Component, type ComponentHealth } from '../lib/component.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { Clock } from '../lib/clock.js';
import type { DeviceDirectory, RegistryStore } from '../registry/index.js';
import { makeAuthenticate } from './auth/authenticate.js';
import { makeAuthorizePublish, type IngestSink } from './auth/authorize-publish.js';
import { makeAuthorizeSubscribe } from './auth/authorize-subscribe.js';
import { CommandDelivery } from './commands.js';
import { ConnectionCap } from './connection-cap.js';
import { countResourceError, currentLimits, type ProcessLimits } from '../lib/limits.js';

export type PresenceSink = (deviceId: string, state: 'online' | 'offline') => void;

export interface BrokerOptions {
  config: Readonly<Config>;
  directory: DeviceDirectory;
  metrics: Metrics;
  log: Logger;
  ingest: IngestSink;
  presence: PresenceSink;
  /** With the registry, this broker delivers remote commands to the devices subscribed to it (broker/commands.ts). */
  commands?: { registry: RegistryStore; clock: Clock; sweepMs?: number };
  /** The open-file limit and the connection cap derived from it (lib/limits.ts); without it, read at start. */
  limits?: ProcessLimits;
}

/**
 * aedes on TCP and WebSocket (path /mqtt), with the device registry's authentication, the ACL, and presence from
 * connect / disconnect (which covers keepalive timeouts and a dropped socket; the Last Will arrives as a status).
 */
export class Broker implements Component {
  readonly name = 'broker';
  private readonly state: Health;
  private aedes: Aedes | undefined;
  private tcp: net.Server | undefined;
  private http: http.Server | undefined;
  private wss: WebSocketServer | undefined;
  private unsubscribe: (() => void) | undefined;
  port = 0;
  wsPort = 0;
  readonly commands: CommandDelivery | undefined;
  readonly cap: ConnectionCap;

  constructor(private readonly o: BrokerOptions) {
    this.state = new Health(this.name, o.log, (err, context) => countResourceError(o.metrics, err, context));
    this.commands = o.commands && new CommandDelivery({ ...o.commands, log: o.log });
    this.cap = new ConnectionCap(o.limits ?? currentLimits(o.config.mqtt), o.metrics);
  }

  health(): ComponentHealth {
    return { ...this.state.snapshot(), details: this.cap.details() };
  }

  get connectedClients(): number {
    return this.aedes?.connectedClients ?? 0;
  }

  async start(): Promise<void> {
    const { config, directory, metrics, log } = this.o;
    const m = config.mqtt;
    const aedes = await Aedes.createBroker({
      connectTimeout: m.connectTimeoutMs,
      keepaliveLimit: m.keepaliveLimitS,
      maxTopicLevels: m.maxTopicLevels,
      maxInflightInbound: m.maxInflight,
      // Device ids are up to 64 characters; MQTT 3.1's 23-character limit would refuse them.
      maxClientsIdLength: 64,
      heartbeatInterval: 60_000,
      concurrency: 1000,
      drainTimeout: 30_000,
    });
    this.aedes = aedes;
    aedes.authenticate = this.cap.wrap(makeAuthenticate(directory, metrics, log));
    aedes.authorizePublish = makeAuthorizePublish(this.ingestSink(), m.maxPayloadBytes, metrics, log);
    aedes.authorizeSubscribe = makeAuthorizeSubscribe(metrics);
    // aedes calls these from its own event handlers: a throw there would be an uncaught exception.
    aedes.on('client', this.state.guard('presence (connect)', (client: Client) => {
      metrics.devicesConnected.set(aedes.connectedClients);
      // A device got in: accepting works again after an EMFILE on accept.
      this.state.ok();
      this.o.presence(client.id, 'online');
    }));
    aedes.on('clientDisconnect', this.state.guard('presence (disconnect)', (client: Client) => {
      metrics.devicesConnected.set(aedes.connectedClients);
      this.o.presence(client.id, 'offline');
    }));
    aedes.on('clientError', (client: Client, err: Error) => log.debug({ deviceId: client.id, err: err.message }, 'client error'));
    aedes.on('connectionError', (_client: Client, err: Error) => log.debug({ err: err.message }, 'connection error'));
    // A revoked device (or one whose secret was rotated) is dropped at once, wherever the change was made.
    this.commands?.attach(aedes, this.state);
    this.unsubscribe = directory.on('invalidated', (id) => {
      const c = (aedes as unknown as { clients: Record<string, Client | undefined> }).clients[id];
      if (c) {
        log.info({ deviceId: id }, 'device credentials changed: disconnecting');
        c.close();
      }
    });

    this.tcp = net.createServer(aedes.handle);
    await new Promise<void>((resolve, reject) => this.tcp!.once('error', reject).listen(m.port, m.host, resolve));
    // Once listening, a server's 'error' (EMFILE on accept, say) has no listener and would crash the process.
    this.tcp.on('error', (err) => this.state.fail(err, 'MQTT accept'));
    this.port = (this.tcp.address() as net.AddressInfo).port;

    this.http = http.createServer((_req, res) => res.writeHead(426).end('MQTT over WebSocket: connect to /mqtt'));
    this.wss = new WebSocketServer({ server: this.http, path: '/mqtt' });
    this.wss.on('connection', (socket, req) => aedes.handle(createWebSocketStream(socket), req));
    await new Promise<void>((resolve, reject) => this.http!.once('error', reject).listen(m.wsPort, m.host, resolve));
    this.http.on('error', (err) => this.state.fail(err, 'MQTT over WebSocket accept'));
    this.wss.on('error', (err) => this.state.fail(err, 'MQTT over WebSocket'));
    this.state.started();
    this.wsPort = (this.http.address() as net.AddressInfo).port;
    log.info({ port: this.port, wsPort: this.wsPort }, 'MQTT broker listening');
  }

  /** A command's answer finishes it in the registry once the gateway has stored it (not before: no PUBACK waits on it). */
  private ingestSink(): IngestSink {
    const { ingest, log } = this.o;
    const commands = this.commands;
    if (!commands) return ingest;
    return (deviceId, channel, payload, commandId) => ingest(deviceId, channel, payload, commandId).then((r) => {
      if (channel === 'cmd-result' && commandId) {
        void commands.result(deviceId, commandId, payload).catch((err: unknown) => log.warn({ err, deviceId, commandId }, 'command result not recorded'));
      }
      return r;
    });
  }

  async stop(): Promise<void> {
    if (!this.aedes) return;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.commands?.detach();
    for (const c of this.wss?.clients ?? []) c.terminate();
    const aedes = this.aedes;
    this.aedes = undefined;
    await new Promise<void>((r) => aedes.close(() => r()));
    await new Promise<void>((r) => (this.tcp?.listening ? this.tcp.close(() => r()) : r()));
    this.wss?.close();
    await new Promise<void>((r) => (this.http?.listening ? this.http.close(() => r()) : r()));
    this.http?.closeAllConnections();
    this.state.stopped();
  }
}
