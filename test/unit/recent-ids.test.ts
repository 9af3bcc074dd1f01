import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HashSet64, RecentIds as HashedRecentIds } from '../../shared/adapters/local/recent-ids.ts';

/** A 64-bit hash of an id as [high, low] (the store uses DuckDB's; any 64-bit hash will do here). */
function hash(id: string): [number, number] {
  const digest = createHash('sha256').update(id).digest();
  return [digest.readUInt32LE(0), digest.readUInt32LE(4)];
}

/** The filter over ids, hashing them as above. */
class RecentIds {
  private readonly hashed: HashedRecentIds;
  constructor(window: number) {
    this.hashed = new HashedRecentIds(window);
  }
  add(id: string): boolean {
    return this.hashed.add(...hash(id));
  }
  mightHave(id: string): boolean {
    return this.hashed.mightHave(...hash(id));
  }
}

describe('RecentIds', () => {
  it('remembers every id among the last `window` added', () => {
    const recent = new RecentIds(1000);
    const ids = Array.from({ length: 5000 }, (_, i) => `id-${i}`);
    ids.forEach((id, i) => {
      recent.add(id);
      // The window/2 ids before this one are always remembered.
      for (const back of [0, 1, 250, 499]) if (i - back >= 0) expect(recent.mightHave(ids[i - back]!)).toBe(true);
    });
  });

  it('forgets ids once more than `window` newer ones were added', () => {
    const recent = new RecentIds(100);
    recent.add('old');
    for (let i = 0; i < 100; i++) recent.add(`new-${i}`);
    expect(recent.mightHave('old')).toBe(false);
    expect(recent.mightHave('new-99')).toBe(true);
  });

  it('rarely suspects an id it never saw', () => {
    const recent = new RecentIds(200_000);
    for (let i = 0; i < 100_000; i++) recent.add(randomUUID());
    let suspected = 0;
    for (let i = 0; i < 100_000; i++) if (recent.mightHave(randomUUID())) suspected++;
    expect(suspected).toBe(0);
  });

  it('adding an id twice keeps it once and still remembers it', () => {
    const recent = new RecentIds(4);
    recent.add('a');
    recent.add('a');
    recent.add('b');
    expect(recent.mightHave('a')).toBe(true);
    expect(recent.mightHave('b')).toBe(true);
  });

  it('keeps the hash 0 (the empty-slot mark) as a member like any other', () => {
    const set = new HashSet64(4);
    expect(set.has(0, 0)).toBe(false);
    set.add(0, 0);
    expect(set.has(0, 0)).toBe(true);
    expect(set.has(0, 2)).toBe(false);
    const recent = new HashedRecentIds(10);
    recent.add(0, 0);
    expect(recent.mightHave(0, 0)).toBe(true);
  });

  it('a set grows past its capacity without losing members', () => {
    const set = new HashSet64(2);
    for (let i = 0; i < 5000; i++) set.add(i * 7919, i);
    for (let i = 0; i < 5000; i++) expect(set.has(i * 7919, i)).toBe(true);
    expect(set.has(1, 1)).toBe(false);
    expect(set.size).toBe(5000);
  });

  it('says on adding an id whether it may have been added already, as mightHave would', () => {
    const recent = new RecentIds(100);
    const answers = ['a', 'b', 'a', ...Array.from({ length: 60 }, (_, i) => `filler-${i}`), 'b', 'c'].map((id) => recent.add(id));
    // 'b' again after 60 newer ids: in the older generation by then, and still found there.
    expect([answers[0], answers[1], answers[2], answers.at(-2), answers.at(-1)]).toEqual([false, false, true, true, false]);
    expect(answers.slice(3, -2).every((seen) => !seen)).toBe(true);
  });

  it('refuses a window too small to split into two generations', () => {
    expect(() => new HashedRecentIds(1)).toThrow(RangeError);
    expect(() => new HashedRecentIds(2.5)).toThrow(RangeError);
  });
});
