import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

describe('GroupCommit', () => {
  it('writes the calls made at the same moment in one group, and answers each with its own result once it is written', async () => {
    const groups: number[][] = [];
    const group = new GroupCommit<number, string>(async (items) => {
      groups.push(items);
      return items.map((n) => `wrote ${n}`);
    });
    const answers = await Promise.all([1, 2, 3].map((n) => group.write(n)));
    expect(answers).toEqual(['wrote 1', 'wrote 2', 'wrote 3']);
    expect(groups).toEqual([[1, 2, 3]]);
  });

  it('gathers the calls that arrive while a group is being written into the next group', async () => {
    const groups: number[][] = [];
    let release!: () => void;
    const firstWritten = new Promise<void>((resolve) => (release = resolve));
    const group = new GroupCommit<number, number>(async (items) => {
      groups.push(items);
      if (groups.length === 1) await firstWritten;
      return items;
    });
    const first = group.write(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [group.write(2), group.write(3)];
    release();
    expect(await Promise.all([first, ...later])).toEqual([1, 2, 3]);
    expect(groups).toEqual([[1], [2, 3]]);
  });

  it('fails every call of a group whose write failed, and keeps writing the next groups', async () => {
    let fail = true;
    const group = new GroupCommit<number, number>(async (items) => {
      if (fail) throw new Error('disk full');
      return items;
    });
    const failed = await Promise.allSettled([group.write(1), group.write(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await group.write(3)).toBe(3);
  });
});
