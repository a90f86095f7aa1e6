import { afterAll, beforeAll } from 'vitest';
import { openRegistryStore } from '../../registry/store/index.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { storeContract } from './store-contract.js';

let pg: TestPostgres;
beforeAll(async () => { pg = await startPostgres(); });
afterAll(async () => { await pg?.stop(); });

storeContract('PostgreSQL', async () => openRegistryStore({ url: await pg.createDatabase(), dataDir: '/nonexistent' }));
