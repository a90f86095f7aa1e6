import type { Config } from '../config/index.js';
import type { Logger } from '../lib/logger.js';

/** 127.0.0.0/8, ::1 and their spellings: what only this host can reach. Everything else (0.0.0.0, ::, a LAN address) is not. */
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+|localhost)$/i;

export const isLoopbackHost = (host: string): boolean => LOOPBACK.test(host.replace(/^\[|\]$/g, ''));

/**
 * One warning line per clear-text listener that other hosts can reach, at every start (issue 19): device secrets
 * travel in MQTT's CONNECT and dashboard passwords and cookies in HTTP, readable by anyone on the school network.
 * Each names the option that ends it. `demo` does not call it: a demo on a laptop is clear text by design.
 */
export function warnClearText(config: Readonly<Config>, running: { broker: boolean; dashboard: boolean }, log: Logger): void {
  const m = config.mqtt;
  if (running.broker && m.plainListeners && !isLoopbackHost(m.host)) {
    log.warn({ host: m.host, option: 'mqtt.plainListeners' },
      `clear-text MQTT listens on ${m.host || 'every address'}: device secrets cross the network readable; `
      + 'set mqtt.plainListeners=false once devices speak TLS (mqtt.tlsCertFile, mqtt.tlsKeyFile), or mqtt.host=127.0.0.1');
  }
  const d = config.dashboard;
  if (running.dashboard && !d.tlsCertFile && !isLoopbackHost(d.host)) {
    log.warn({ host: d.host, option: 'dashboard.tlsCertFile' },
      `the dashboard serves clear-text HTTP on ${d.host || 'every address'}: passwords and session cookies cross the network readable; `
      + 'set dashboard.tlsCertFile and dashboard.tlsKeyFile, or dashboard.host=127.0.0.1 behind an HTTPS proxy on this host');
  }
}
