import { rmSync } from 'node:fs';
import type { Session } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistrySessionStore } from '../../dashboard/server/session-store.js';
import { openRegistryStore, type RegistryStore } from '../../registry/index.js';
import { tempDir } from '../helpers/stack.js';

describe('the registry session store', () => {
  const dir = tempDir('edufleet-session-store-');
  let registry: RegistryStore;

  beforeAll(async () => {
    registry = await openRegistryStore({ dataDir: dir });
  });
  afterAll(async () => {
    await registry?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands a corrupt session row to the callback as an error, once', async () => {
    await registry.sessionSet('hong', '{not json', Date.now() + 60_000);
    const store = new RegistrySessionStore(registry, 60_000);
    const answers: { err: Error | null; session?: Session | null }[] = [];
    await new Promise<void>((resolve) => store.get('hong', (err, session) => {
      answers.push({ err, session });
      resolve();
    }));
    expect(answers).toHaveLength(1);
    expect(answers[0]!.err).toBeInstanceOf(SyntaxError);
  });

  it('reads back a session it stored', async () => {
    const store = new RegistrySessionStore(registry, 60_000);
    const session = { cookie: { expires: new Date(Date.now() + 60_000) }, userId: 7 } as unknown as Session;
    await new Promise<void>((resolve, reject) => store.set('tot', session, (err) => (err ? reject(err) : resolve())));
    const read = await new Promise<Session | null | undefined>((resolve, reject) => store.get('tot', (err, s) => (err ? reject(err) : resolve(s))));
    expect(read).toMatchObject({ userId: 7 });
  });
});
