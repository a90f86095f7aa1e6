import net from 'node:net';
import mqtt, { MqttClient, type IClientOptions } from 'mqtt';
import { parseTopic, topics, type AttributesPayload, type CommandResultPayload, type EventPayload, type StatusPayload } from '../protocol/index.js';

export interface DeviceLinkOptions {
  brokerUrl: string;
  /**
   * Further addresses of the same broker (its other nodes), tried in turn after `brokerUrl` each time the link drops
   * or is refused, as a device configured with several broker addresses (or a DNS name with several) does.
   */
  fallbackUrls?: readonly string[];
  /**
   * The local address the device's connections come from (mqtt:// only). The cluster benchmark gives each few hundred
   * devices their own loopback address, as schools behind their own NAT are: with 60,000 sockets from one address the
   * kernel's search for a free local port makes every connect() slow, a limit of the load generator, not the broker.
   */
  localAddress?: string;
  id: string;
  secret: string;
  /** QoS of telemetry; status, attributes and events are always QoS 1. */
  qos: 0 | 1;
  attributes: AttributesPayload & Record<string, string | number | boolean>;
  /** Wait this long before reconnecting after the broker dropped the link (jittered per device by the caller). */
  reconnectPeriodMs: number;
  /** The presence to announce on every (re)connect: online, or sleep at night. */
  presence: () => StatusPayload['state'];
  on: {
    /** The link went up (true; status and attributes are already sent) or down (false). */
    link(up: boolean): void;
    /** A link error: a CONNACK refusal (numeric code), a socket error (string code) or a CONNACK timeout. */
    error(err: Error & { code?: unknown }): void;
    /** A command arrived on cmd/{commandId} (QoS 1; possibly again, after a redelivery). */
    command?(commandId: string, payload: Buffer): void;
  };
}

const OFFLINE = JSON.stringify({ state: 'offline' } satisfies StatusPayload);
/** The longest wait between tries while every address refuses (docs/protocol.md, "Connections"). */
const MAX_BACKOFF_MS = 120_000;

/**
 * MQTT.js's `servers`: each new connection (the first and every reconnect) goes to the next address of the list,
 * round and round; without fallbacks, the one URL.
 */
type ServerProtocol = NonNullable<NonNullable<IClientOptions['servers']>[number]['protocol']>;

function serversOption(url: string, fallbacks: readonly string[] = []): Pick<IClientOptions, 'servers'> {
  if (fallbacks.length === 0) return {};
  return {
    servers: [url, ...fallbacks].map((u) => {
      const p = new URL(u);
      return { host: p.hostname, port: Number(p.port) || 1883, protocol: p.protocol.replace(':', '') as ServerProtocol };
    }),
  };
}

/** MQTT.js's `servers` rotation for plain mqtt:// addresses, each connection from `localAddress`. */
function fromAddress(localAddress: string, urls: readonly string[]): () => net.Socket {
  const servers = urls.map((u) => {
    const p = new URL(u);
    if (p.protocol !== 'mqtt:') throw new Error(`localAddress works with mqtt:// addresses only, not ${u}`);
    return { host: p.hostname, port: Number(p.port) || 1883 };
  });
  let next = 0;
  return () => net.createConnection({ ...servers[next++ % servers.length]!, localAddress });
}

/**
 * One simulated device's MQTT session, as the protocol wants it: client id = username = device id, password =
 * its secret; a retained Last Will "offline" on its status topic; status and attributes (retained) on every connect.
 */
export class DeviceLink {
  private client: MqttClient | undefined;
  private up = false;

  constructor(private readonly o: DeviceLinkOptions) {}

  get connected(): boolean {
    return this.up;
  }

  /** The wait before the next try: the configured period, longer while every address refuses (tests). */
  get retryPeriodMs(): number {
    return this.client?.options.reconnectPeriod ?? this.o.reconnectPeriodMs;
  }

  /** Opens the session; resolves once the broker accepted or refused it (a refused link keeps trying, backing off). */
  connect(): Promise<void> {
    const { id } = this.o;
    const options: IClientOptions = {
      clientId: id, username: id, password: this.o.secret, keepalive: 60, reconnectPeriod: this.o.reconnectPeriodMs,
      // A device refused (a full node: CONNACK 3; a secret being rotated) keeps trying, as firmware does; MQTT.js
      // otherwise stops for good after a refusal.
      reconnectOnConnackError: true,
      connectTimeout: 30_000, clean: true, resubscribe: false,
      will: { topic: topics.status(id), payload: Buffer.from(OFFLINE), qos: 1, retain: true },
    };
    const client = this.o.localAddress
      ? new MqttClient(fromAddress(this.o.localAddress, [this.o.brokerUrl, ...(this.o.fallbackUrls ?? [])]), options)
      : mqtt.connect(this.o.brokerUrl, { ...serversOption(this.o.brokerUrl, this.o.fallbackUrls), ...options });
    this.client = client;
    // Events of a client this link has already dropped must not touch the state of the one that replaced it.
    const current = () => this.client === client;
    const addresses = 1 + (this.o.fallbackUrls?.length ?? 0);
    let refused = 0;
    client.on('connect', () => {
      if (!current()) return;
      refused = 0;
      client.options.reconnectPeriod = this.o.reconnectPeriodMs;
      this.status(this.o.presence());
      client.publish(topics.attributes(id), JSON.stringify(this.o.attributes), { qos: 1, retain: true });
      // Every connect: the session is clean, so the broker forgot the subscription with the link.
      if (this.o.on.command) client.subscribe(topics.commandFilter(id), { qos: 1 });
      this.setUp(true);
    });
    client.on('message', (topic, payload) => {
      const t = parseTopic(topic);
      if (current() && t?.channel === 'cmd' && t.deviceId === id && t.commandId) this.o.on.command?.(t.commandId, payload);
    });
    client.on('close', () => {
      if (current()) this.setUp(false);
    });
    client.on('error', (err: Error & { code?: unknown }) => {
      // A CONNACK refusal (a number; socket errors have string codes) from every address in turn (all nodes full):
      // wait twice as long before the next round, so devices that cannot be taken do not keep the nodes and
      // themselves busy (docs/protocol.md, "Connections"). A dead address is not a refusal: the next one is tried.
      if (typeof err.code === 'number' && ++refused % addresses === 0) {
        client.options.reconnectPeriod = Math.min(MAX_BACKOFF_MS, client.options.reconnectPeriod! * 2);
      }
      this.o.on.error(err);
    });
    return new Promise((resolve) => {
      const done = () => {
        client.off('connect', done);
        client.off('close', done);
        resolve();
      };
      client.on('connect', done);
      client.on('close', done);
    });
  }

  private setUp(up: boolean): void {
    if (up === this.up) return;
    this.up = up;
    this.o.on.link(up);
  }

  status(state: StatusPayload['state']): void {
    this.client?.publish(topics.status(this.o.id), JSON.stringify({ state } satisfies StatusPayload), { qos: 1, retain: true });
  }

  event(e: EventPayload): void {
    this.client?.publish(topics.event(this.o.id), JSON.stringify(e), { qos: 1 });
  }

  /** Answers a command on cmd/{commandId}/result, QoS 1; `done` runs once the broker has it (or the link is gone). */
  result(commandId: string, r: CommandResultPayload, done?: () => void): void {
    if (!this.client) return done?.();
    this.client.publish(topics.commandResult(this.o.id, commandId), JSON.stringify(r), { qos: 1 }, () => done?.());
  }

  /** Republishes the retained attributes with what a command changed (a volume, an interval). */
  attributes(changed: Record<string, string | number>): void {
    Object.assign(this.o.attributes, changed);
    this.client?.publish(topics.attributes(this.o.id), JSON.stringify(this.o.attributes), { qos: 1, retain: true });
  }

  /** Publishes one telemetry payload; `done` learns whether the broker acknowledged it (always true at QoS 0). */
  telemetry(payload: string, done: (ok: boolean) => void): void {
    if (!this.client) return done(false);
    this.client.publish(topics.telemetry(this.o.id), payload, { qos: this.o.qos }, (err) => done(!err));
  }

  /** Drops the link without a DISCONNECT, as a device losing power or network does: the broker publishes the Last Will. */
  drop(): void {
    this.client?.end(true);
    this.client = undefined;
    this.setUp(false);
  }

  /**
   * Says goodbye properly: a retained "offline" status, then DISCONNECT. Bounded by `deadline`, then forced.
   * Returns whether the goodbye completed.
   */
  async close(deadline: Promise<void>): Promise<boolean> {
    const c = this.client;
    if (!c) return false;
    this.client = undefined;
    let said = false;
    if (this.up) {
      const bye = c.publishAsync(topics.status(this.o.id), OFFLINE, { qos: 1, retain: true }).then(() => c.endAsync()).then(() => { said = true; });
      await Promise.race([bye.catch(() => undefined), deadline]);
    }
    c.end(true);
    this.setUp(false);
    return said;
  }
}
