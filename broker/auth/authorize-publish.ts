import type { Writable } from 'node:stream';
import type { AedesPublishPacket, Client, PublishPacket } from 'aedes';
import type { Logger } from '../../lib/logger.js';
import type { Metrics } from '../../lib/metrics.js';
import { COMMAND_ID_PATTERN } from '../../domain/commands.js';
import { parseTopic, type DeviceChannel, type ParsedTopic } from '../../protocol/index.js';
import type { PublishRate } from '../publish-rate.js';
import type { PublishShortcut } from '../publish-shortcut.js';

/**
 * One group commit releases hundreds of PUBACKs at once; corking the socket until the event loop's next turn sends
 * them in one write instead of one system call each (9 % of the broker+gateway CPU, docs/benchmarks.md).
 */
function corkUntilNextTurn(conn: Writable): void {
  if (conn.writableCorked > 0 || conn.destroyed) return;
  conn.cork();
  setImmediate(() => conn.uncork());
}

/** Topics parsed before (a device publishes on the same few): a split and a device-id check less per message. */
const parsedTopics = new Map<string, ParsedTopic | null>();
const MAX_PARSED_TOPICS = 100_000;

function parseTopicCached(topic: string): ParsedTopic | null {
  let parsed = parsedTopics.get(topic);
  if (parsed === undefined) {
    parsed = parseTopic(topic);
    // Command results carry a fresh command id each: start again rather than grow without bound.
    if (parsedTopics.size >= MAX_PARSED_TOPICS) parsedTopics.clear();
    parsedTopics.set(topic, parsed);
  }
  return parsed;
}

/** Where accepted device messages go; resolves once they are durable, which is when the broker may acknowledge. */
export type IngestSink = (deviceId: string, channel: DeviceChannel, payload: Buffer, commandId?: string) => Promise<unknown>;

/**
 * The publish ACL and the ingest hook. aedes runs this before it writes PUBACK, so waiting here for the durable spool
 * makes "acknowledged" mean "stored". A device may publish only on its own topics; anything else (another device's
 * topic, `$SYS`, a topic outside the protocol, an oversized payload, QoS 2, a retained message on a channel other
 * than `status` and `attributes`, a command id outside COMMAND_ID_PATTERN) closes its connection [MQTT-3.3.5-2] and
 * stores nothing. With `rate`, a device over its publish rate waits for its token first (broker/publish-rate.ts).
 * With `acks`, a QoS 1 publish nobody hears is acknowledged by broker/publish-shortcut.ts rather than by aedes.
 */
export function makeAuthorizePublish(ingest: IngestSink, maxPayloadBytes: number, metrics: Metrics, log: Logger, rate?: PublishRate, acks?: PublishShortcut) {
  return function authorizePublish(client: Client | null, packet: PublishPacket, done: (err?: Error | null) => void): void {
    // A Last Will published after its client is gone arrives with client null; it was checked when the will was set.
    const deviceId = client?.id ?? (packet as AedesPublishPacket & { clientId?: string }).clientId;
    const parsed = parseTopicCached(packet.topic);
    if (!deviceId || !parsed || parsed.deviceId !== deviceId || parsed.channel === 'cmd') {
      metrics.aclDenied.inc({ op: 'publish' });
      return done(new Error(`device ${deviceId ?? '?'} may not publish on ${packet.topic}`));
    }
    const { channel, commandId } = parsed;
    const refusal = refusalOf(packet, channel, commandId);
    if (refusal) {
      metrics.aclDenied.inc({ op: 'publish' });
      return done(new Error(`device ${deviceId}: ${refusal}`));
    }
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    if (payload.length > maxPayloadBytes) {
      metrics.aclDenied.inc({ op: 'publish' });
      return done(new Error(`payload of ${payload.length} bytes is over the ${maxPayloadBytes}-byte limit`));
    }
    // A Last Will is the broker's own doing at a disconnect, not the device's traffic.
    const wait = client && rate ? rate.delay(deviceId) : 0;
    if (wait > 0) {
      setTimeout(() => {
        // Gone while it waited: not acknowledged, so the device still has it and sends it again.
        if (client?.closed) return release(done, new Error('disconnected while throttled'), log, deviceId);
        accept(ingest, client, packet, deviceId, channel, payload, commandId, done, log, acks);
      }, wait);
      return;
    }
    accept(ingest, client, packet, deviceId, channel, payload, commandId, done, log, acks);
  };
}

/** What the protocol refuses in a publish on a device's own topic (docs/protocol.md, Limits), or null. */
function refusalOf(packet: PublishPacket, channel: DeviceChannel, commandId: string | undefined): string | null {
  if (packet.qos === 2) return 'QoS 2 is not supported (use QoS 1)';
  if (packet.retain && channel !== 'status' && channel !== 'attributes') return `a retained message on ${channel} (only status and attributes are retained)`;
  if (commandId !== undefined && !COMMAND_ID_PATTERN.test(commandId)) return `command id '${commandId.slice(0, 80)}' is not a valid command id`;
  return null;
}

/** Ingests the message and acknowledges it once durable (a plain function rather than a closure: once per message). */
function accept(
  ingest: IngestSink, client: Client | null, packet: PublishPacket, deviceId: string, channel: DeviceChannel, payload: Buffer,
  commandId: string | undefined, done: (err?: Error | null) => void, log: Logger, acks: PublishShortcut | undefined,
): void {
  ingest(deviceId, channel, payload, commandId).then(
    () => {
      if (client && !acks?.acknowledge(client, packet)) {
        // aedes writes this one: the PUBACKs queued before it go first.
        acks?.flush(client);
        corkUntilNextTurn(client.conn);
      }
      release(done, null, log, deviceId);
    },
    (err: Error) => {
      // The spool could not store it: do not acknowledge; the device will re-send after reconnecting. The gateway
      // logged the fault once and shows it on /healthz; a line per refused message would flood the log.
      log.debug({ err: err.message, deviceId }, 'ingest failed; message not acknowledged');
      release(done, err, log, deviceId);
    },
  );
}

/**
 * Hands the publish back to aedes from inside a promise's callback: a throw there would be an unhandled rejection,
 * which ends the process. A plain function rather than a closure: this runs once per message.
 */
function release(done: (err?: Error | null) => void, err: Error | null, log: Logger, deviceId: string): void {
  try {
    done(err);
  } catch (e) {
    log.error({ err: e, deviceId }, 'the MQTT broker failed after a publish was checked');
  }
}
