/**
 * Delivery of remote commands with proof (docs/commands.md): the registry holds every command, this broker publishes
 * those of the devices subscribed to it, and records the PUBACK and the answer. Nothing lives only in this process's
 * memory, so a device finds its commands whichever broker it reconnects to.
 */
import type { Aedes, AedesPublishPacket, Client, PublishPacket, PubrelPacket, Subscription } from 'aedes';
import type { Clock } from '../lib/clock.js';
import { guardedInterval, type Health } from '../lib/component.js';
import type { Logger } from '../lib/logger.js';
import { CommandResultPayload, parseMessage, parseTopic, topics, type CommandPayload } from '../protocol/index.js';
import type { CommandRecord, RegistryStore } from '../registry/index.js';

export interface CommandDeliveryOptions {
  registry: RegistryStore;
  clock: Clock;
  log: Logger;
  /** How often queued commands are looked for (sent from another process) and expired ones expired. */
  sweepMs?: number;
}

export class CommandDelivery {
  /** Devices subscribed to their cmd/# on this broker, by connection: the only ones it publishes to. */
  private readonly subscribed = new Map<string, Client>();
  /** Devices that subscribed since the last look-up of pending commands, and that look-up while it runs. */
  private readonly toCheck = new Set<string>();
  private checking: Promise<void> | undefined;
  /** One delivery at a time per device, so a sweep and a subscription never publish a command twice at once. */
  private readonly chains = new Map<string, Promise<void>>();
  private stopSweep: (() => void) | undefined;
  private aedes: Aedes | undefined;

  constructor(private readonly o: CommandDeliveryOptions) {}

  attach(aedes: Aedes, health: Health): void {
    this.aedes = aedes;
    this.trackInflight(aedes);
    aedes.on('subscribe', health.guard('command delivery (subscribe)', (subs: Subscription[], client: Client) => {
      if (!subs.some((s) => s.topic === topics.commandFilter(client.id))) return;
      this.subscribed.set(client.id, client);
      this.checkSoon(client.id);
    }));
    // A device that reconnected elsewhere in this broker is taken over: the old connection's end is not the new one's.
    aedes.on('clientDisconnect', (client: Client) => { if (this.subscribed.get(client.id) === client) this.subscribed.delete(client.id); });
    aedes.on('ack', health.guard('command delivery (PUBACK)', (packet: PublishPacket | PubrelPacket | undefined, client: Client) => {
      const t = packet && 'topic' in packet ? parseTopic(packet.topic) : undefined;
      if (!t || t.channel !== 'cmd' || t.deviceId !== client.id || !t.commandId) return;
      void this.o.registry.markCommandDelivered(t.commandId, this.o.clock.now())
        .catch((err: unknown) => this.o.log.warn({ err, deviceId: client.id, commandId: t.commandId }, 'PUBACK of a command not recorded'));
    }));
    this.stopSweep = guardedInterval(health, 'command sweep', this.o.sweepMs ?? 2000, () => this.sweep());
  }

  /**
   * aedes tells a PUBACK ('ack') with the packet it acknowledges only for persistent sessions; for a clean session
   * it keeps no copy and the event carries nothing. So this broker gives each command its packet id as aedes
   * forwards it (aedes keeps an id already set), remembers it per connection, and hands it back where aedes asks its
   * persistence for the acknowledged packet.
   */
  private trackInflight(aedes: Aedes): void {
    const inflight = new WeakMap<Client, Map<number, string>>();
    const forward = aedes.authorizeForward.bind(aedes);
    aedes.authorizeForward = (client, packet) => {
      const out = forward(client, packet);
      const t = out && out.qos > 0 ? parseTopic(out.topic) : undefined;
      if (!out || t?.channel !== 'cmd' || t.deviceId !== client.id) return out;
      const c = client as unknown as { _nextId: number };
      const messageId = c._nextId;
      c._nextId = messageId >= 65535 ? 1 : messageId + 1;
      let ids = inflight.get(client);
      if (!ids) inflight.set(client, (ids = new Map()));
      ids.set(messageId, out.topic);
      return { ...out, messageId };
    };
    const p = (aedes as unknown as { persistence: object }).persistence as { outgoingClearMessageId: (client: Client, packet: { messageId?: number }) => Promise<unknown> };
    const clear = p.outgoingClearMessageId.bind(p);
    p.outgoingClearMessageId = async (client, packet) => {
      const stored = await clear(client, packet);
      const topic = packet.messageId === undefined ? undefined : inflight.get(client)?.get(packet.messageId);
      if (topic !== undefined) inflight.get(client)!.delete(packet.messageId!);
      return stored ?? (topic === undefined ? undefined : { cmd: 'publish', topic, messageId: packet.messageId, qos: 1 });
    };
  }

  detach(): void {
    this.stopSweep?.();
    this.stopSweep = undefined;
    this.aedes = undefined;
    this.subscribed.clear();
  }

  /** Publishes a device's pending commands now if it is subscribed here (a command just made in this process). */
  kick(deviceId: string): Promise<void> {
    return this.subscribed.has(deviceId) ? this.deliver(deviceId, false) : Promise.resolve();
  }

  /**
   * A device's answer (channel cmd-result), already stored in InfluxDB by the gateway: it finishes the command, if
   * the command is this device's. A malformed answer finishes nothing (the gateway refused it too).
   */
  async result(deviceId: string, commandId: string, payload: Buffer): Promise<void> {
    const r = parseMessage<CommandResultPayload>(CommandResultPayload, payload);
    if (!r.ok) return;
    const cmd = await this.o.registry.command(commandId);
    if (cmd?.deviceId !== deviceId) return;
    await this.o.registry.finishCommand(commandId, r.value.ok, r.value.message ?? null, this.o.clock.now());
  }

  private async sweep(): Promise<void> {
    const now = this.o.clock.now();
    await this.o.registry.expireCommands(now);
    if (!this.subscribed.size) return;
    for (const id of await this.o.registry.devicesWithQueuedCommands(now)) if (this.subscribed.has(id)) await this.deliver(id, false);
  }

  /**
   * After a SUBSCRIBE: asks the registry which of the devices that subscribed meanwhile have commands to publish, in one
   * query (a reconnect storm brings thousands), and delivers to those (sent ones again: the device has just subscribed).
   */
  private checkSoon(deviceId: string): void {
    this.toCheck.add(deviceId);
    this.checking ??= this.checkPending().finally(() => { this.checking = undefined; });
  }

  private async checkPending(): Promise<void> {
    while (this.toCheck.size) {
      const ids = [...this.toCheck];
      this.toCheck.clear();
      let pending: readonly string[];
      try {
        pending = await this.o.registry.devicesWithPendingCommands(ids, this.o.clock.now());
      } catch (err) {
        // Each device's own query then says it, or fails and is retried by the sweep, as before.
        this.o.log.warn({ err, devices: ids.length }, 'could not look up pending commands in one query; asking per device');
        pending = ids;
      }
      for (const id of pending) if (this.subscribed.has(id)) void this.deliver(id, true);
    }
  }

  /** `resend`: also publish again those sent but not acknowledged (the device has just subscribed again). */
  private deliver(deviceId: string, resend: boolean): Promise<void> {
    const next = (this.chains.get(deviceId) ?? Promise.resolve()).then(() => this.publishPending(deviceId, resend)).catch((err: unknown) => {
      this.o.log.warn({ err, deviceId }, 'commands not delivered; the next sweep or reconnect tries again');
    });
    this.chains.set(deviceId, next);
    void next.then(() => { if (this.chains.get(deviceId) === next) this.chains.delete(deviceId); });
    return next;
  }

  private async publishPending(deviceId: string, resend: boolean): Promise<void> {
    const reg = this.o.registry;
    for (const c of await reg.pendingCommands(deviceId, this.o.clock.now())) {
      const aedes = this.aedes;
      if (!aedes || !this.subscribed.has(deviceId)) return;
      const at = this.o.clock.now();
      // Marked before publishing: a PUBACK that overtook the mark would find the command still queued.
      const marked = c.state === 'queued' ? await reg.markCommandSent(c.id, at) : resend && (await reg.markCommandResent(c.id, at));
      if (marked) await publish(aedes, c);
    }
  }
}

function publish(aedes: Aedes, c: CommandRecord): Promise<void> {
  const body: CommandPayload = { name: c.name, expiresAt: c.expiresAt };
  if (c.args && typeof c.args === 'object' && Object.keys(c.args).length) body.args = c.args as Record<string, unknown>;
  const packet = { cmd: 'publish', topic: topics.command(c.deviceId, c.id), payload: Buffer.from(JSON.stringify(body)), qos: 1, retain: false, dup: false };
  return new Promise((resolve, reject) => aedes.publish(packet as AedesPublishPacket, (err) => (err ? reject(err) : resolve())));
}
