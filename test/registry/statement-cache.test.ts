import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { withStatementCache } from '../../registry/store/sqlite.js';

/** registry/store/sqlite.ts: Kysely's SQLite driver prepares every query; the wrapper prepares each SQL text once. */
describe('the statement cache of the SQLite driver', () => {
  it('gives the same statement for the same SQL, a fresh one beside a statement still iterating, and stays bounded', () => {
    const db = new Database(':memory:');
    db.exec('create table t (n integer); insert into t values (1), (2), (3)');
    const cached = withStatementCache(db);
    const a = cached.prepare('select n from t order by n');
    expect(cached.prepare('select n from t order by n')).toBe(a);
    expect(a.all([])).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);

    const it = a.iterate([]);
    expect(it.next().value).toEqual({ n: 1 });
    // Busy with the iteration: sharing it would throw "This statement is busy executing a query".
    const b = cached.prepare('select n from t order by n');
    expect(b).not.toBe(a);
    expect(b.all([])).toHaveLength(3);
    it.return?.();
    expect(cached.prepare('select n from t order by n')).toBe(a);

    for (let i = 0; i < 600; i++) cached.prepare(`select ${i} as n`);
    // The least recently used went first: the statement above is prepared again.
    expect(cached.prepare('select n from t order by n')).not.toBe(a);
    cached.close();
  });
});
