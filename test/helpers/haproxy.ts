/** A real HAProxy for tests: the benchmarks start the same one (bench/lib/managed/haproxy.ts). */
export { startHaproxy, type ServerState, type TestHaproxy } from '../../bench/lib/managed/haproxy.js';
