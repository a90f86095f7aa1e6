import { describe, expect, it } from 'vitest';
import { GroupCommit, type GroupWaiters } from '../../lib/group-commit.js';

/** A promise and the function that resolves it: lets a test hold a commit open without sleeping. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => { open = resolve; });
  return { opened, open };
}

/**
 * A group commit whose body records each group it writes and how many bodies ran at once; `body` decides how a group
 * ends (the default resolves it).
 */
function recorder(delayMs: number, body: (group: string[], waiters: GroupWaiters, call: number) => Promise<void> = async (_g, w) => w.resolve()) {
  const committed: string[][] = [];
  let active = 0;
  let maxActive = 0;
  const commits = new GroupCommit<string[]>({
    delayMs,
    newGroup: () => [],
    commit: async (group, waiters) => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      committed.push([...group]);
      try {
        await body(group, waiters, committed.length);
      } finally {
        active -= 1;
      }
    },
  });
  const add = (item: string): Promise<void> => {
    const { group, done } = commits.join();
    group.push(item);
    return done;
  };
  return { commits, committed, add, maxActive: () => maxActive };
}

describe('GroupCommit', () => {
  it('resolves every append of a group with one commit', async () => {
    const { commits, committed, add } = recorder(0);
    await Promise.all([add('a'), add('b'), add('c')]);
    expect(committed).toEqual([['a', 'b', 'c']]);
    await commits.close();
  });

  it('rejects every append of a failed group, and the next group still commits', async () => {
    const { commits, committed, add } = recorder(0, async (_group, waiters, call) => {
      if (call === 1) waiters.reject(new Error('ENOSPC: no space left on device'));
      else waiters.resolve();
    });
    const failed = await Promise.allSettled([add('a'), add('b')]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(failed[0]).toMatchObject({ reason: { message: 'ENOSPC: no space left on device' } });

    await add('c');
    expect(committed).toEqual([['a', 'b'], ['c']]);
    await commits.close();
  });

  it('commits one group at a time: what arrives during a commit waits for it, as one group', async () => {
    const hold = gate();
    const started = gate();
    const { commits, committed, add, maxActive } = recorder(0, async (_group, waiters, call) => {
      if (call === 1) {
        started.open();
        await hold.opened;
      }
      waiters.resolve();
    });
    const first = add('a');
    await started.opened;
    const second = Promise.all([add('b'), add('c')]);
    hold.open();
    await Promise.all([first, second]);
    expect(committed).toEqual([['a'], ['b', 'c']]);
    expect(maxActive()).toBe(1);
    await commits.close();
  });

  it('close commits what is pending without waiting for its timer', async () => {
    // A delay no test waits for: only close can commit the group.
    const { commits, committed, add } = recorder(60_000);
    const appended = Promise.all([add('a'), add('b')]);
    await commits.close();
    await appended;
    expect(committed).toEqual([['a', 'b']]);
    expect(commits.idle).toBe(true);
  });

  it('close waits for the commit in progress, then commits what gathered meanwhile', async () => {
    const hold = gate();
    const started = gate();
    const { commits, committed, add, maxActive } = recorder(0, async (_group, waiters, call) => {
      if (call === 1) {
        started.open();
        await hold.opened;
      }
      waiters.resolve();
    });
    const first = add('a');
    await started.opened;
    const second = add('b');
    const closed = commits.close();
    hold.open();
    await Promise.all([first, second, closed]);
    expect(committed).toEqual([['a'], ['b']]);
    expect(maxActive()).toBe(1);
  });

  it('holds commits off while an exclusive task runs, then commits what gathered', async () => {
    const hold = gate();
    const { commits, committed, add } = recorder(0);
    commits.runExclusive(() => hold.opened);
    expect(commits.idle).toBe(false);
    const done = add('a');
    expect(committed).toEqual([]);
    hold.open();
    await done;
    expect(committed).toEqual([['a']]);
    await commits.close();
  });
});
