/** A real Redis per test file: the benchmarks start the same one (bench/lib/managed/redis.ts). */
export { startRedis, type TestRedis } from '../../bench/lib/managed/redis.js';
