/** A real PostgreSQL per test file: the benchmarks start the same one (bench/lib/managed/postgres.ts). */
export { startPostgres, type TestPostgres } from '../../bench/lib/managed/postgres.js';
