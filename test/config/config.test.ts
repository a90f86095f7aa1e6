import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envName, listOptions, loadConfig } from '../../config/index.js';
import { ERROR_CODES } from '../../lib/errors.js';

describe('configuration', () => {
  it('derives environment names from the option path', () => {
    expect(envName(['influx', 'url'])).toBe('EDUFLEET_INFLUX_URL');
    expect(envName(['gateway', 'batchMaxPoints'])).toBe('EDUFLEET_GATEWAY_BATCH_MAX_POINTS');
  });

  it('reads the environment over the defaults and freezes the result', () => {
    const c = loadConfig({ env: { EDUFLEET_MQTT_PORT: '11883', EDUFLEET_INFLUX_URL: 'http://db:8086' } });
    expect(c.mqtt.port).toBe(11883);
    expect(c.influx.url).toBe('http://db:8086');
    expect(c.dashboard.port).toBe(8080);
    expect(Object.isFrozen(c.mqtt)).toBe(true);
  });

  it('lists every invalid option with its environment name', () => {
    expect(() => loadConfig({ env: { EDUFLEET_MQTT_PORT: 'abc', EDUFLEET_LOG_LEVEL: 'loud' } })).toThrow(/EDUFLEET_MQTT_PORT[\s\S]*EDUFLEET_LOG_LEVEL|EDUFLEET_LOG_LEVEL[\s\S]*EDUFLEET_MQTT_PORT/);
  });

  it('documents every option in docs/configuration.md', () => {
    const doc = readFileSync('docs/configuration.md', 'utf8');
    for (const o of listOptions()) expect(doc, o.env).toContain(o.env);
  });

  it('documents every error code in docs/errors.md', () => {
    const doc = readFileSync('docs/errors.md', 'utf8');
    for (const code of Object.keys(ERROR_CODES)) expect(doc, code).toContain(code);
  });
});
