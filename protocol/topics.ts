/**
 * Topic names of the device protocol (contract): every device topic lives under `edu/v1/{deviceId}/`.
 * Simulator, broker ACL, gateway and dashboard build and parse topics only through this module.
 */
export const TOPIC_ROOT = 'edu/v1';

/** What a device may send, by the last topic level(s). */
export type DeviceChannel = 'telemetry' | 'status' | 'attributes' | 'event' | 'cmd-result';

/** Device ids end up in topics, MQTT client ids and InfluxDB tags: keep them free of topic wildcards. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function isDeviceId(id: string): boolean {
  return DEVICE_ID_PATTERN.test(id);
}

export const topics = {
  telemetry: (deviceId: string) => `${TOPIC_ROOT}/${deviceId}/telemetry`,
  status: (deviceId: string) => `${TOPIC_ROOT}/${deviceId}/status`,
  attributes: (deviceId: string) => `${TOPIC_ROOT}/${deviceId}/attributes`,
  event: (deviceId: string) => `${TOPIC_ROOT}/${deviceId}/event`,
  command: (deviceId: string, commandId: string) => `${TOPIC_ROOT}/${deviceId}/cmd/${commandId}`,
  commandResult: (deviceId: string, commandId: string) => `${TOPIC_ROOT}/${deviceId}/cmd/${commandId}/result`,
  /** The only filter a device may subscribe to. */
  commandFilter: (deviceId: string) => `${TOPIC_ROOT}/${deviceId}/cmd/#`,
} as const;

export interface ParsedTopic {
  deviceId: string;
  channel: DeviceChannel | 'cmd';
  commandId?: string;
}

/** Parses a device topic; returns null for anything outside the protocol. */
export function parseTopic(topic: string): ParsedTopic | null {
  const parts = topic.split('/');
  if (parts[0] !== 'edu' || parts[1] !== 'v1') return null;
  const deviceId = parts[2];
  if (deviceId === undefined || !isDeviceId(deviceId)) return null;
  const rest = parts.slice(3);
  if (rest.length === 1) {
    const c = rest[0];
    if (c === 'telemetry' || c === 'status' || c === 'attributes' || c === 'event') return { deviceId, channel: c };
    return null;
  }
  if (rest[0] === 'cmd' && rest.length >= 2 && rest[1] !== '' && rest[1] !== '#' && rest[1] !== '+') {
    if (rest.length === 2) return { deviceId, channel: 'cmd', commandId: rest[1] };
    if (rest.length === 3 && rest[2] === 'result') return { deviceId, channel: 'cmd-result', commandId: rest[1] };
  }
  return null;
}
