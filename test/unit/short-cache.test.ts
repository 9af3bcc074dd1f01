/** The lookup cache of the ingest hot path: one load per key per lifetime, however many ask. */
import { describe, expect, it } from 'vitest';
import { ShortCache } from '../../shared/short-cache.ts';

function setup(lifetime = (value: string | null) => (value ? 5_000 : 1_000)) {
  let now = 1_000_000;
  const clock = { now: () => now };
  let loads = 0;
  const cache = new ShortCache<string | null>(clock, lifetime);
  const load = (value: string | null) => async () => {
    loads += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    return value;
  };
  return { cache, load, loads: () => loads, advance: (ms: number) => (now += ms) };
}

describe('ShortCache', () => {
  it('shares one load among concurrent misses of a key', async () => {
    const { cache, load, loads } = setup();
    const values = await Promise.all(Array.from({ length: 50 }, () => cache.get('k', load('v'))));
    expect(values.every((v) => v === 'v')).toBe(true);
    expect(loads()).toBe(1);
  });

  it('loads again once the lifetime has passed, and misses have their own lifetime', async () => {
    const { cache, load, loads, advance } = setup();
    await cache.get('hit', load('v'));
    await cache.get('miss', load(null));
    advance(1_500);
    await cache.get('hit', load('v'));
    await cache.get('miss', load(null));
    expect(loads()).toBe(3);
    advance(4_000);
    await cache.get('hit', load('v'));
    expect(loads()).toBe(4);
  });

  it('does not keep a failed load', async () => {
    const { cache, load, loads } = setup();
    await expect(cache.get('k', () => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await cache.get('k', load('back'))).toBe('back');
    expect(loads()).toBe(1);
  });

  it('answers a value set by this instance without loading', async () => {
    const { cache, load, loads } = setup();
    cache.set('k', 'written');
    expect(await cache.get('k', load('stale'))).toBe('written');
    cache.delete('k');
    expect(await cache.get('k', load('fresh'))).toBe('fresh');
    expect(loads()).toBe(1);
  });
});
