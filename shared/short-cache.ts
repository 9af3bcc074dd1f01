/**
 * A small, time-bounded cache of lookups (keys, sources) for the ingest hot path. Concurrent
 * misses of one key share a single load: when an entry expires under load, one MetaStore read
 * refreshes it instead of one per request arriving meanwhile. Misses are cached too (for their
 * own, usually shorter, time), so unknown names cost no more than known ones.
 */
import type { Clock } from './ports.ts';

interface Entry<T> {
  value: Promise<T>;
  /** Infinity while the load is in flight. */
  expiresAt: number;
}

export class ShortCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly clock: Clock,
    /** How long a loaded value stays fresh, in ms. */
    private readonly lifetime: (value: T) => number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > this.clock.now()) return hit.value;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const entry: Entry<T> = { value: load(), expiresAt: Infinity };
    this.entries.set(key, entry);
    entry.value.then(
      (value) => {
        entry.expiresAt = this.clock.now() + this.lifetime(value);
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.value;
  }

  /** Records a value known now (one this instance just wrote). */
  set(key: string, value: T): void {
    this.entries.set(key, { value: Promise.resolve(value), expiresAt: this.clock.now() + this.lifetime(value) });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
