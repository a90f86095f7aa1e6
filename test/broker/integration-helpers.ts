/** Integration accounts' test clients: real mqtt.js clients, and a raw CONNECT for what mqtt.js will not send. */
import net from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { NewIntegrationAccount } from '../../registry/index.js';
import type { TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

/** Creates the account and has the broker read it now (it would at its next poll). */
export async function addAccount(s: TestStack, a: NewIntegrationAccount): Promise<string> {
  const { secret } = await s.registry.integrations.add(a, 'test', Date.now());
  await s.integrations!.reload();
  return secret;
}

/**
 * Connects with the account's name and secret under `clientId`; resolves with the client, CONNACK's session present
 * and every message received since the CONNACK (a persistent session's queue arrives right after it).
 */
export function connectAccount(url: string, name: string, secret: string, clientId: string, extra: IClientOptions = {}): Promise<{ client: MqttClient; sessionPresent: boolean; got: Received[] }> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { clientId, username: name, password: secret, reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...extra });
    const got = collect(client);
    client.once('connect', (connack) => resolve({ client, sessionPresent: connack.sessionPresent, got }));
    client.once('error', (err) => { client.end(true); reject(err); });
    client.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
}

export interface Received { topic: string; payload: string; qos: number; retain: boolean }

/** Every message `client` receives from now on, in order. */
export function collect(client: MqttClient): Received[] {
  const out: Received[] = [];
  client.on('message', (topic, payload, packet) => out.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain }));
  return out;
}

/**
 * Publishes a marker on `topic` and waits until `got` has it: what an earlier publish (of the same publisher) would
 * have delivered has arrived by then, so "nothing else came" can be asserted without waiting a fixed time.
 */
export async function untilMarker(publisher: MqttClient, got: Received[], topic: string, qos: 0 | 1 | 2 = 1): Promise<Received[]> {
  const marker = `marker-${Math.random().toString(36).slice(2)}`;
  await publisher.publishAsync(topic, marker, { qos });
  await waitFor(`the marker on ${topic}`, () => got.some((m) => m.payload === marker));
  return got.filter((m) => m.payload !== marker);
}

const str = (s: string): Buffer => {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
};

function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

export interface RawConnect {
  clientId: string; username: string; password: string; clean: boolean; keepalive: number;
  will?: { topic: string; payload: string; qos: 0 | 1 | 2 };
}

/**
 * An MQTT 3.1.1 CONNECT written by hand on a bare socket, which then stays silent (no PINGREQ): for a zero-length
 * client id with a persistent session (mqtt.js refuses to send one) and for a keepalive that runs out.
 */
export function rawConnect(port: number, o: RawConnect): Promise<{ socket: net.Socket; returnCode: number; sessionPresent: boolean }> {
  let flags = 0x80 | 0x40 | (o.clean ? 0x02 : 0);
  if (o.will) flags |= 0x04 | (o.will.qos << 3);
  const body = Buffer.concat([
    str('MQTT'), Buffer.from([4, flags, o.keepalive >> 8, o.keepalive & 0xff]), str(o.clientId),
    ...(o.will ? [str(o.will.topic), str(o.will.payload)] : []), str(o.username), str(o.password),
  ]);
  const socket = net.connect(port, '127.0.0.1');
  socket.write(Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]));
  return new Promise((resolve, reject) => {
    socket.once('data', (d) => {
      if (d[0] !== 0x20) return reject(new Error(`not a CONNACK: ${d.toString('hex')}`));
      resolve({ socket, sessionPresent: (d[2]! & 1) === 1, returnCode: d[3]! });
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

/**
 * Subscribes on a raw connection and resolves on its SUBACK; `received` then holds every byte the broker sends,
 * none of it acknowledged (PUBLISHes at QoS 1 and 2 stay in flight: what a client that stopped answering leaves).
 */
export function rawSubscribe(socket: net.Socket, filter: string, qos: 0 | 1 | 2): Promise<{ received: () => string }> {
  const body = Buffer.concat([Buffer.from([0, 1]), str(filter), Buffer.from([qos])]);
  let all = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => { all = Buffer.concat([all, d]); });
  socket.write(Buffer.concat([Buffer.from([0x82]), remainingLength(body.length), body]));
  return waitFor('the SUBACK', () => all[0] === 0x90).then(() => ({ received: () => all.toString('latin1') }));
}

