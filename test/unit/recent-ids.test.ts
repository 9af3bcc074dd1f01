import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hash64, RecentIds } from '../../shared/adapters/local/recent-ids.ts';

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

  it('hashes the empty string, long and non-ASCII ids, and never to the empty slot', () => {
    const recent = new RecentIds(10);
    for (const id of ['', 'x'.repeat(10_000), 'ключ-🔑', '\u0000']) {
      expect(hash64(id)).not.toEqual([0, 0]);
      recent.add(id);
      expect(recent.mightHave(id)).toBe(true);
    }
    expect(hash64('ab')).not.toEqual(hash64('ba'));
  });

  it('refuses a window too small to split into two generations', () => {
    expect(() => new RecentIds(1)).toThrow(RangeError);
    expect(() => new RecentIds(2.5)).toThrow(RangeError);
  });
});
