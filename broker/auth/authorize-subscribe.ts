import type { Client, Subscription } from 'aedes';
import { COMMAND_ID_PATTERN } from '../../domain/commands.js';
import type { Metrics } from '../../lib/metrics.js';
import { topics } from '../../protocol/index.js';

/**
 * A device may subscribe only to its own commands: `edu/v1/{id}/cmd/#` or one command topic under it, whose id fits
 * COMMAND_ID_PATTERN. Anything else is negated (SUBACK 0x80), so a device probing `edu/v1/#` learns nothing and
 * stays connected. QoS 2 is not offered: a subscription asking for it is negated too (aedes writes the SUBACK from the
 * QoS asked for, so granting 1 instead is not possible here); commands are sent at QoS 1, so a device asks for 1.
 */
export function makeAuthorizeSubscribe(metrics: Metrics) {
  return function authorizeSubscribe(client: Client | null, sub: Subscription, done: (err: Error | null, sub?: Subscription | null) => void): void {
    if (!client) return done(null, null);
    const own = topics.commandFilter(client.id);
    const prefix = own.slice(0, -1); // "edu/v1/{id}/cmd/"
    const t = sub.topic;
    const allowed = sub.qos < 2 && (t === own || (t.startsWith(prefix) && COMMAND_ID_PATTERN.test(t.slice(prefix.length))));
    if (!allowed) {
      metrics.aclDenied.inc({ op: 'subscribe' });
      return done(null, null);
    }
    done(null, sub);
  };
}
