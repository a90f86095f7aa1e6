import type { AuthenticateError, Client } from 'aedes';
import type { Metrics } from '../../lib/metrics.js';
import type { DeviceDirectory } from '../../registry/index.js';

/** CONNACK return codes of MQTT 3.1.1 [MQTT-3.2.2.3]. */
export const CONNACK = { identifierRejected: 2, badCredentials: 4, notAuthorized: 5 } as const;

function refuse(code: number, message: string): AuthenticateError {
  const err = new Error(message) as AuthenticateError;
  err.returnCode = code;
  return err;
}

/**
 * A device logs in with username = its id, password = its secret, and client id = its id: a device can never take
 * over another device's session by reusing its client id.
 */
export function makeAuthenticate(directory: DeviceDirectory, metrics: Metrics) {
  return function authenticate(client: Client, username: Readonly<string> | undefined, password: Readonly<Buffer> | undefined, done: (err: AuthenticateError | null, ok: boolean | null) => void): void {
    if (!username || !password) {
      metrics.connectRefused.inc({ reason: 'no-credentials' });
      return done(refuse(CONNACK.badCredentials, 'username and password are required'), null);
    }
    if (client.id !== username) {
      metrics.connectRefused.inc({ reason: 'client-id' });
      return done(refuse(CONNACK.identifierRejected, 'the client id must be the device id'), null);
    }
    directory.authenticate(username, password.toString('utf8')).then((outcome) => {
      if (outcome === 'ok') return done(null, true);
      metrics.connectRefused.inc({ reason: outcome });
      done(refuse(outcome === 'revoked' ? CONNACK.notAuthorized : CONNACK.badCredentials, `device ${outcome}`), null);
    }, (err: Error) => done(refuse(CONNACK.notAuthorized, err.message), null));
  };
}
