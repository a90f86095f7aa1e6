import type { AuthenticateError, Client, ConnectPacket } from 'aedes';
import type { Logger } from '../../lib/logger.js';
import type { Metrics } from '../../lib/metrics.js';
import type { DeviceDirectory } from '../../registry/index.js';

/** CONNACK return codes of MQTT 3.1.1 [MQTT-3.2.2.3]. */
export const CONNACK = { identifierRejected: 2, badCredentials: 4, notAuthorized: 5 } as const;

function refuse(code: number, message: string): AuthenticateError {
  const err = new Error(message) as AuthenticateError;
  err.returnCode = code;
  return err;
}

/** Clients whose CONNECT asked for a keepalive out of bounds; authenticate answers them (aedes would say 6). */
const badKeepalive = new WeakSet<Client>();

/**
 * Notes a keepalive of 0 ("never": presence could not be tracked, a dead socket would hold its file for ever) or above
 * `limitS`. aedes's own check answers CONNACK 6, which MQTT 3.1.1 does not have [MQTT-3.2.2.3]; like mosquitto, we
 * answer 2 (identifier rejected) from authenticate instead. aedes's keepaliveLimit stays off.
 */
export function makePreConnect(limitS: number) {
  return function preConnect(client: Client, packet: ConnectPacket, callback: (error: Error | null, success: boolean) => void): void {
    if (limitS > 0 && (!packet.keepalive || packet.keepalive > limitS)) badKeepalive.add(client);
    callback(null, true);
  };
}

/**
 * A device logs in with username = its id, password = its secret, and client id = its id: a device can never take
 * over another device's session by reusing its client id.
 */
export function makeAuthenticate(directory: DeviceDirectory, metrics: Metrics, log: Logger) {
  return function authenticate(client: Client, username: Readonly<string> | undefined, password: Readonly<Buffer> | undefined, done: (err: AuthenticateError | null, ok: boolean | null) => void): void {
    if (badKeepalive.has(client)) {
      metrics.connectRefused.inc({ reason: 'keepalive' });
      return done(refuse(CONNACK.identifierRejected, 'the keepalive must be between 1 s and mqtt.keepaliveLimitS'), null);
    }
    if (!username || !password) {
      metrics.connectRefused.inc({ reason: 'no-credentials' });
      return done(refuse(CONNACK.badCredentials, 'username and password are required'), null);
    }
    if (client.id !== username) {
      metrics.connectRefused.inc({ reason: 'client-id' });
      return done(refuse(CONNACK.identifierRejected, 'the client id must be the device id'), null);
    }
    directory.authenticate(username, password.toString('utf8')).then((outcome) => {
      if (outcome !== 'ok') metrics.connectRefused.inc({ reason: outcome });
      const refusal = outcome === 'ok' ? null : refuse(outcome === 'revoked' ? CONNACK.notAuthorized : CONNACK.badCredentials, `device ${outcome}`);
      answer(done, refusal, log, username);
    }, (err: Error) => answer(done, refuse(CONNACK.notAuthorized, err.message), log, username));
  };
}

/**
 * Calls aedes back from inside a promise's callback: a throw there would be an unhandled rejection, which ends the
 * process; one failed CONNACK must not take every other device's connection with it.
 */
function answer(done: (err: AuthenticateError | null, ok: boolean | null) => void, refusal: AuthenticateError | null, log: Logger, deviceId: string): void {
  try {
    done(refusal, refusal ? null : true);
  } catch (err) {
    log.error({ err, deviceId }, 'the MQTT broker failed while answering a device');
  }
}
